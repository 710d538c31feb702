package service

import (
	"bytes"
	"encoding/base64"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/fixtures"
)

// TestImageBombs: files that declare huge images are refused as photos
// (too_large), quickly and without the memory their pixels would take,
// while their digests are still matched, as for any photo that cannot be
// decoded: one policy with the command line.
func TestImageBombs(t *testing.T) {
	s := startServer(t, Config{})
	for name, bomb := range map[string][]byte{
		"png 30000x30000 (100 KB)":  fixtures.PNGBomb(30000, 30000),
		"png 2147483647x1":          fixtures.PNGBomb(2147483647, 1),
		"gif of 65535x65535 frames": fixtures.GIFBomb(65535, 65535, 65535, 65535),
		"webp 16384x16384":          fixtures.WebPBomb(16384, 16384),
		"jpeg 65500x65500":          fixtures.JPEGBomb(65500, 65500),
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		r := do(t, "POST", s.url+"/v1/match", "", bytes.NewReader(bomb))
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if r.status != 200 || !strings.Contains(string(r.body), `"code":"too_large"`) || !strings.Contains(string(r.body), `"type":"sha256"`) {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Errorf("%s: %d MB allocated", name, alloc>>20)
		}
		t.Logf("%s: %d in %s", name, r.status, took)
	}
	line := `{"id":1,"data_base64":"` + b64(fixtures.WebPBomb(16384, 16384)) + `"}` + "\n"
	r := do(t, "POST", s.url+"/v1/batch", "", strings.NewReader(line))
	if !strings.Contains(string(r.body), `"code":"too_large"`) {
		t.Errorf("bomb in a batch: %s", r.body)
	}
}

// TestSlowloris: a client that sends its request a byte at a time is cut
// off at the read timeout, while other clients keep being served.
func TestSlowloris(t *testing.T) {
	s := startServer(t, Config{ReadTimeout: time.Second})
	s.addKnown(t)
	slow := func(prefix string) chan time.Duration {
		done := make(chan time.Duration, 1)
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		go func() {
			defer conn.Close()
			io.WriteString(conn, prefix)
			for range 100 {
				if _, err := conn.Write([]byte("a")); err != nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			io.ReadAll(conn) // returns when the server closes
			done <- time.Since(start)
		}()
		return done
	}
	headers := slow("GET /v1/lookup HTTP/1.1\r\nHost: x\r\nX-Slow: ")
	body := slow("POST /v1/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
	for i := range 10 {
		r := do(t, "GET", s.url+"/v1/lookup?type=md5&value="+knownMD5, "", nil)
		if r.status != 200 {
			t.Fatalf("normal request %d during the attack: %d", i, r.status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for name, c := range map[string]chan time.Duration{"headers": headers, "body": body} {
		select {
		case d := <-c:
			if d > 4*time.Second {
				t.Errorf("slow %s held the connection for %s", name, d)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("slow %s was never cut off", name)
		}
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
