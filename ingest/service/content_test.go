package service

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atkm/herken/index"
)

// TestEmptyContentIsRefused: empty content is no query. An empty upload,
// an empty data_base64 line and an empty fetched body are each refused
// with a JSON error that says so, never matched (the MD5 of nothing would
// match every empty input).
func TestEmptyContentIsRefused(t *testing.T) {
	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer empty.Close()
	s := startServer(t, Config{Fetcher: loopbackFetcher(t, empty.URL)})

	r := do(t, "POST", s.url+"/v1/match", "", strings.NewReader(""))
	if r.status != 400 || r.errorCode(t) != "empty_upload" {
		t.Errorf("empty upload: %d %s", r.status, r.body)
	}
	r = do(t, "POST", s.url+"/v1/match", "multipart/form-data; boundary=b", strings.NewReader(
		"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n\r\n--b--\r\n"))
	if r.status != 400 || r.errorCode(t) != "empty_upload" {
		t.Errorf("empty multipart file: %d %s", r.status, r.body)
	}
	r = do(t, "POST", s.url+"/v1/match/url", "application/json", strings.NewReader(fmt.Sprintf(`{"url":%q}`, empty.URL)))
	if r.status != 422 || r.errorCode(t) != "empty_body" {
		t.Errorf("empty fetched body: %d %s", r.status, r.body)
	}

	batch := fmt.Sprintf(`{"id":1,"data_base64":""}`+"\n"+`{"id":2,"url":%q}`+"\n"+`{"data_base64":"","id":3}`+"\n", empty.URL)
	r = do(t, "POST", s.url+"/v1/batch", "application/x-ndjson", strings.NewReader(batch))
	sc := bufio.NewScanner(bytes.NewReader(r.body))
	codes := map[string]string{}
	for sc.Scan() {
		var line struct {
			ID    any
			Error *Problem
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		if line.ID != nil && line.Error != nil {
			codes[fmt.Sprint(line.ID)] = line.Error.Code + ": " + line.Error.Message
		}
	}
	for id, want := range map[string]string{"1": "empty_upload", "2": "empty_body", "3": "empty_upload"} {
		if !strings.HasPrefix(codes[id], want+":") {
			t.Errorf("batch line %s: %q, want %s", id, codes[id], want)
		}
	}
}

// TestBearerSchemeIsCaseInsensitive: RFC 7235 auth schemes are
// case-insensitive, so "bearer" and "BEARER" are Bearer.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	s := start(t, Config{})
	auth, _ := newKey(t, s, index.RoleProvider)
	key := strings.TrimPrefix(auth, "Bearer ")
	for _, h := range []string{"bearer " + key, "BEARER " + key, "Bearer  " + key, "bEaReR\t" + key} {
		if r := doKey(t, h, "GET", s.url+"/v1/whoami", ""); r.status != 200 {
			t.Errorf("%.9q: %d %s", h, r.status, r.body)
		}
	}
	for _, h := range []string{"Basic " + key, "Bearer", "Bearerhk_x", key} {
		if r := doKey(t, h, "GET", s.url+"/v1/whoami", ""); r.status != 401 {
			t.Errorf("%.12q: %d %s", h, r.status, r.body)
		}
	}
}

// TestFetchedBytesStayOutOfLogs makes Go's HTTP client meet an upstream
// that sends bytes on an idle kept-alive connection, which net/http
// reports through the standard logger with the first bytes quoted. Routed
// through StdLogWriter, the report stays but the bytes do not.
func TestFetchedBytesStayOutOfLogs(t *testing.T) {
	const secret = "SECRET-FETCHED-CONTENT-4711"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if line == "\r\n" {
						break
					}
				}
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
				time.Sleep(300 * time.Millisecond)
				fmt.Fprintf(c, "%s unsolicited\r\n", secret)
				time.Sleep(time.Second)
			}()
		}
	}()
	var logs lockedBuffer
	old, flags := log.Writer(), log.Flags()
	log.SetOutput(StdLogWriter(slog.New(slog.NewJSONHandler(&logs, nil))))
	defer func() { log.SetOutput(old); log.SetFlags(flags) }()

	s := startServer(t, Config{Fetcher: loopbackFetcher(t, "http://"+ln.Addr().String())})
	r := do(t, "POST", s.url+"/v1/match/url", "application/json", strings.NewReader(fmt.Sprintf(`{"url":"http://%s/x"}`, ln.Addr())))
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "Unsolicited") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	out := logs.String()
	if !strings.Contains(out, "Unsolicited") {
		t.Fatalf("net/http did not report the unsolicited bytes; logs: %s", out)
	}
	if strings.Contains(out, secret) || strings.Contains(out, "unsolicited\\r") {
		t.Fatalf("fetched bytes in the log: %s", out)
	}
	t.Logf("logged: %s", strings.TrimSpace(out))
}

// TestStdLogWriter keeps what a message says and drops what it quotes.
func TestStdLogWriter(t *testing.T) {
	var logs bytes.Buffer
	w := StdLogWriter(slog.New(slog.NewTextHandler(&logs, nil)))
	fmt.Fprintf(w, "Unsolicited response received on idle HTTP channel starting with %q; err=%v\n", "\x89PNG secret pixels", nil)
	fmt.Fprintf(w, "http: plain message without content\n")
	fmt.Fprintf(w, "%s\n", strings.Repeat("y", 5000))
	out := logs.String()
	for _, bad := range []string{"secret", "PNG", strings.Repeat("y", 300)} {
		if strings.Contains(out, bad) {
			t.Errorf("%q in %s", bad, out)
		}
	}
	for _, good := range []string{"Unsolicited response received on idle HTTP channel starting with", "plain message without content"} {
		if !strings.Contains(out, good) {
			t.Errorf("%q missing from %s", good, out)
		}
	}
}

// lockedBuffer is a bytes.Buffer that net/http's goroutines may write
// while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
