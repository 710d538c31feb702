package service

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/fetch"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/media"
)

const (
	knownJPEG   = "pdq/threatexchange/pdq/data/bridge-mods/aaa-orig.jpg"
	knownPDQ    = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	knownMD5    = "d35c785545392755e7e4164457657269"
	unknownJPEG = "pdq/debian/derived/t09_astronaut__reencode_q92.jpg"
)

// server is a real herken service on a loopback port, with a real store.
type server struct {
	url   string
	db    *index.DB
	store *index.Content // db's known content
	svc   *Service
	stop  func()
	done  chan error
}

// startServer starts a service without authentication (as with
// --insecure-no-auth), for tests of what lies behind it.
func startServer(t *testing.T, cfg Config) *server {
	t.Helper()
	cfg.InsecureNoAuth = true
	return start(t, cfg)
}

func start(t *testing.T, cfg Config) *server {
	t.Helper()
	db, err := index.Open(filepath.Join(t.TempDir(), "data"), index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Content().CreateBank(matcher.Bank{Name: "demo", Enabled: true, Categories: []matcher.Category{matcher.Incitement}}); err != nil {
		t.Fatal(err)
	}
	cfg.DB = db
	svc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{url: "http://" + ln.Addr().String(), db: db, store: db.Content(), svc: svc, stop: cancel, done: make(chan error, 1)}
	go func() { s.done <- svc.Serve(ctx, ln, 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		<-s.done
		db.Close()
	})
	return s
}

func (s *server) addKnown(t *testing.T) {
	t.Helper()
	data, err := os.ReadFile(fixtures.Path(knownJPEG))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := matcher.NewHasher(matcher.HasherConfig{})
	hs := h.HashBytes(context.Background(), data)
	if _, _, err := s.store.AddItems([]matcher.Item{{Bank: "demo", Signals: hs.Signals, Label: "poster", Reference: "RO-1"}}); err != nil {
		t.Fatal(err)
	}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("status %d, not JSON: %q", r.status, r.body)
	}
	return m
}

func (r reply) errorCode(t *testing.T) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func do(t *testing.T, method, url, contentType string, body io.Reader) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

func fixture(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixtures.Path(rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func multipartBody(t *testing.T, field string, data []byte) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("note", "ignored")
	fw, err := mw.CreateFormFile(field, "upload.jpg")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return mw.FormDataContentType(), &buf
}

func TestMatchUpload(t *testing.T) {
	s := startServer(t, Config{})
	s.addKnown(t)
	photo := fixture(t, knownJPEG)

	check := func(name string, r reply) {
		t.Helper()
		if r.status != 200 {
			t.Fatalf("%s: status %d %s", name, r.status, r.body)
		}
		var res matchAnswer
		if err := json.Unmarshal(r.body, &res); err != nil {
			t.Fatal(err)
		}
		if !res.Matched || res.ContentType != matcher.Photo || res.IndexVersion != s.store.Version() {
			t.Fatalf("%s: %s", name, r.body)
		}
		var pdqMatch *matcher.Match
		for i, m := range res.Matches {
			if m.SignalType == matcher.PDQ {
				pdqMatch = &res.Matches[i]
			}
		}
		if pdqMatch == nil || pdqMatch.Distance != 0 || pdqMatch.Reference != "RO-1" || pdqMatch.Bank != "demo" || pdqMatch.Variant != "orig" || *pdqMatch.QueryQuality != 100 {
			t.Errorf("%s: pdq evidence %+v", name, pdqMatch)
		}
	}
	check("raw", do(t, "POST", s.url+"/v1/match", "application/octet-stream", bytes.NewReader(photo)))
	ct, body := multipartBody(t, "file", photo)
	check("multipart", do(t, "POST", s.url+"/v1/match", ct, body))

	r := do(t, "POST", s.url+"/v1/match", "", bytes.NewReader(fixture(t, unknownJPEG)))
	if r.status != 200 || r.json(t)["matched"] != false {
		t.Errorf("unknown photo: %d %s", r.status, r.body)
	}
	// A broken photo still has its digests matched, and says what failed.
	r = do(t, "POST", s.url+"/v1/match", "", bytes.NewReader(photo[:len(photo)/2]))
	if m := r.json(t); r.status != 200 || m["errors"] == nil || len(m["signals"].([]any)) != 4 {
		t.Errorf("truncated photo: %d %s", r.status, r.body)
	}
	ct, body = multipartBody(t, "other", photo)
	if r := do(t, "POST", s.url+"/v1/match", ct, body); r.status != 400 || r.errorCode(t) != "malformed_multipart" {
		t.Errorf("multipart without file: %d %s", r.status, r.body)
	}
	if r := do(t, "POST", s.url+"/v1/match", "multipart/form-data; boundary=xyz", strings.NewReader("garbage")); r.status != 400 {
		t.Errorf("malformed multipart: %d %s", r.status, r.body)
	}
}

func TestUploadLimit(t *testing.T) {
	s := startServer(t, Config{MaxUploadBytes: 1000})
	big := bytes.Repeat([]byte("x"), 5000)
	if r := do(t, "POST", s.url+"/v1/match", "", bytes.NewReader(big)); r.status != 413 || r.errorCode(t) != "too_large" {
		t.Errorf("announced too large: %d %s", r.status, r.body)
	}
	// Chunked, so the size is not announced.
	if r := do(t, "POST", s.url+"/v1/match", "", io.MultiReader(bytes.NewReader(big))); r.status != 413 {
		t.Errorf("streamed too large: %d %s", r.status, r.body)
	}
	if r := do(t, "POST", s.url+"/v1/match", "", bytes.NewReader(big[:1000])); r.status != 200 {
		t.Errorf("exactly at the limit: %d %s", r.status, r.body)
	}
}

func TestLookup(t *testing.T) {
	s := startServer(t, Config{})
	s.addKnown(t)
	body := `{"signals":[{"type":"pdq","value":"` + knownPDQ + `","quality":90},{"type":"md5","value":"` + knownMD5 + `"}]}`
	r := do(t, "POST", s.url+"/v1/lookup", "application/json", strings.NewReader(body))
	if m := r.json(t); r.status != 200 || m["matched"] != true || len(m["matches"].([]any)) != 2 {
		t.Fatalf("lookup: %d %s", r.status, r.body)
	}
	r = do(t, "GET", s.url+"/v1/lookup?type=md5&value="+knownMD5, "", nil)
	if r.status != 200 || r.json(t)["matched"] != true {
		t.Errorf("GET lookup: %d %s", r.status, r.body)
	}
	r = do(t, "GET", s.url+"/v1/lookup?type=pdq&value="+knownPDQ+"&quality=20", "", nil)
	if m := r.json(t); m["matched"] != false || m["skipped"] == nil {
		t.Errorf("low quality: %s", r.body)
	}
	for _, c := range []struct{ body, code string }{
		{`{"signals":[{"type":"pdq","value":"abc"}]}`, "invalid_signal"},
		{`{"signals":[{"type":"sha512","value":"abc"}]}`, "invalid_signal"},
		{`{"signals":[]}`, "invalid_request"},
		{`{"signal":[]}`, "malformed_json"},
		{`{"signals":`, "malformed_json"},
		{`{} {}`, "malformed_json"},
	} {
		r := do(t, "POST", s.url+"/v1/lookup", "application/json", strings.NewReader(c.body))
		if r.status != 400 || r.errorCode(t) != c.code {
			t.Errorf("%s: %d %s, want 400 %s", c.body, r.status, r.body, c.code)
		}
	}
}

func TestBatch(t *testing.T) {
	photoSrv := httptest.NewServer(http.FileServer(http.Dir(fixtures.Path("pdq/threatexchange/pdq/data/bridge-mods"))))
	defer photoSrv.Close()
	f, port := allowLoopback(t, photoSrv.URL)
	s := startServer(t, Config{Fetcher: f, BatchWorkers: 3})
	s.addKnown(t)

	var in bytes.Buffer
	want := map[string]string{} // id -> "match", "nomatch" or an error code
	for i := range 300 {
		id := strconv.Itoa(i)
		switch i % 6 {
		case 0:
			fmt.Fprintf(&in, `{"id":%q,"signals":[{"type":"md5","value":%q}]}`+"\n", id, knownMD5)
			want[id] = "match"
		case 1:
			fmt.Fprintf(&in, `{"id":%q,"signals":[{"type":"md5","value":"%032x"}]}`+"\n", id, i)
			want[id] = "nomatch"
		case 2:
			fmt.Fprintf(&in, `{"id":%q,"url":"http://127.0.0.1:%d/aaa-orig.jpg"}`+"\n", id, port)
			want[id] = "match"
		case 3:
			fmt.Fprintf(&in, `{"id":%q,"url":"http://10.0.0.1/x.jpg"}`+"\n", id)
			want[id] = "forbidden_address"
		case 4:
			fmt.Fprintf(&in, `{"id":%q,"data_base64":"aGVsbG8="}`+"\n", id)
			want[id] = "nomatch"
		case 5:
			fmt.Fprintf(&in, `{"id":%q,"signals":[{"type":"pdq","value":"zz"}]}`+"\n", id)
			want[id] = "invalid_signal"
		}
	}
	in.WriteString("not json\n\n")
	r := do(t, "POST", s.url+"/v1/batch", "application/x-ndjson", &in)
	if r.status != 200 || r.header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("status %d %s", r.status, r.header)
	}
	lines := strings.Split(strings.TrimSpace(string(r.body)), "\n")
	got := map[string]string{}
	var summary batchSummary
	for _, l := range lines {
		var out struct {
			ID      any
			Result  *struct{ Matched bool }
			Error   *Problem
			Summary *batchSummary
		}
		if err := json.Unmarshal([]byte(l), &out); err != nil {
			t.Fatalf("bad output line %q", l)
		}
		switch {
		case out.Summary != nil:
			summary = *out.Summary
		case out.ID == nil:
			got["null"] = out.Error.Code
		case out.Error != nil:
			got[out.ID.(string)] = out.Error.Code
		case out.Result.Matched:
			got[out.ID.(string)] = "match"
		default:
			got[out.ID.(string)] = "nomatch"
		}
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("id %s: got %q, want %q", id, got[id], w)
		}
	}
	if got["null"] != "malformed_json" || summary.Lines != 301 || summary.Matched != 100 || summary.Errors != 101 {
		t.Errorf("summary %+v, malformed line %q", summary, got["null"])
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, `{"summary"`) {
		t.Errorf("last line is not the summary: %s", last)
	}
}

// TestBatchStreams: results come back while the request is still being
// sent, so a pipeline can stream without end.
func TestBatchStreams(t *testing.T) {
	s := startServer(t, Config{})
	s.addKnown(t)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", s.url+"/v1/batch", pr)
	respc := make(chan *http.Response, 1)
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			errc <- err
			return
		}
		respc <- resp
	}()
	fmt.Fprintf(pw, `{"id":1,"signals":[{"type":"md5","value":%q}]}`+"\n", knownMD5)
	var resp *http.Response
	select {
	case resp = <-respc:
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("no response while the request is open")
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || !strings.Contains(line, `"id":1`) || !strings.Contains(line, `"matched":true`) {
		t.Fatalf("first result before the request ended: %q %v", line, err)
	}
	fmt.Fprintf(pw, `{"id":2,"signals":[{"type":"md5","value":"%032x"}]}`+"\n", 7)
	pw.Close()
	rest, _ := io.ReadAll(br)
	if !strings.Contains(string(rest), `"id":2`) || !strings.Contains(string(rest), `"summary"`) {
		t.Errorf("rest: %s", rest)
	}
}

func TestMatchURL(t *testing.T) {
	photoSrv := httptest.NewServer(http.FileServer(http.Dir(fixtures.Path("pdq/threatexchange/pdq/data/bridge-mods"))))
	defer photoSrv.Close()
	f, port := allowLoopback(t, photoSrv.URL)
	s := startServer(t, Config{Fetcher: f})
	s.addKnown(t)
	u := fmt.Sprintf("http://127.0.0.1:%d/aaa-orig.jpg", port)
	r := do(t, "POST", s.url+"/v1/match/url", "application/json", strings.NewReader(`{"url":"`+u+`"}`))
	if m := r.json(t); r.status != 200 || m["matched"] != true || m["url"] != u {
		t.Fatalf("url match: %d %s", r.status, r.body)
	}
	for _, c := range []struct {
		url    string
		status int
		code   string
	}{
		{"http://169.254.169.254/latest/meta-data/", 400, "forbidden_address"},
		{"file:///etc/passwd", 400, "forbidden_scheme"},
		{fmt.Sprintf("http://127.0.0.1:%d/missing.jpg", port), 422, "upstream_status"},
	} {
		r := do(t, "POST", s.url+"/v1/match/url", "application/json", strings.NewReader(`{"url":"`+c.url+`"}`))
		if r.status != c.status || r.errorCode(t) != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.url, r.status, r.body, c.status, c.code)
		}
	}
	plain := startServer(t, Config{})
	if r := do(t, "POST", plain.url+"/v1/match/url", "application/json", strings.NewReader(`{"url":"`+u+`"}`)); r.status != 400 {
		t.Errorf("without a fetcher: %d %s", r.status, r.body)
	}
}

// allowLoopback returns a fetcher that may reach the test server.
func allowLoopback(t *testing.T, serverURL string) (*fetch.Fetcher, int) {
	t.Helper()
	_, portStr, _ := net.SplitHostPort(strings.TrimPrefix(serverURL, "http://"))
	port, _ := strconv.Atoi(portStr)
	f, err := fetch.New(fetch.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Ports: []int{80, 443, port}, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return f, port
}

// TestFastDecodeService serves with fast decoding: a query says it was
// decoded scaled and still matches the known photo, while a known item
// added by upload is hashed exactly, to the reference's PDQ.
func TestFastDecodeService(t *testing.T) {
	s := startServer(t, Config{Hasher: matcher.HasherConfig{Decode: matcher.DecodeFast}})
	photo := fixtures.LargeJPEG(t)
	exact, err := matcher.NewHasher(matcher.HasherConfig{Decode: matcher.DecodeExact})
	if err != nil {
		t.Fatal(err)
	}
	exactPDQ, _ := exact.HashBytes(context.Background(), photo).Signal(matcher.PDQ)
	r := do(t, "POST", s.url+"/v1/banks/demo/items/upload?label=poster", "image/jpeg", bytes.NewReader(photo))
	if r.status != 201 {
		t.Fatalf("upload item: %d %s", r.status, r.body)
	}
	var item matcher.Item
	if err := json.Unmarshal(r.body, &item); err != nil {
		t.Fatal(err)
	}
	var itemPDQ string
	for _, sig := range item.Signals {
		if sig.Type == matcher.PDQ {
			itemPDQ = sig.String()
		}
	}
	if itemPDQ != exactPDQ.String() {
		t.Errorf("item uploaded to a fast-decoding service has PDQ %s, want the exact %s", itemPDQ, exactPDQ)
	}

	r = do(t, "POST", s.url+"/v1/match", "image/jpeg", bytes.NewReader(photo))
	m := r.json(t)
	if r.status != 200 || m["matched"] != true || m["width"] != 3200.0 || m["height"] != 2008.0 {
		t.Fatalf("match: %d %s", r.status, r.body)
	}
	turbo := strings.HasPrefix(media.JPEGDecoder(), "libjpeg-turbo")
	if scaled := m["decoded_width"] != nil; scaled != turbo {
		t.Errorf("decoded_width present = %v with %s: %s", scaled, media.JPEGDecoder(), r.body)
	}
	if turbo && (m["decoded_width"] != 1600.0 || m["decoded_height"] != 1004.0) {
		t.Errorf("decoded size: %v x %v", m["decoded_width"], m["decoded_height"])
	}
}
