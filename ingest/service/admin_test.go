package service

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/index/prefilter"
	"github.com/atkm/herken/matcher"
)

func TestBanksAndItems(t *testing.T) {
	s := startServer(t, Config{})
	r := do(t, "POST", s.url+"/v1/banks", "application/json", strings.NewReader(
		`{"name":"analysts","source":"ATKM analysts","categories":["threat"],"thresholds":{"pdq":20}}`))
	if m := r.json(t); r.status != 201 || m["enabled"] != true || m["source"] != "ATKM analysts" {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	for _, c := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"name":"analysts"}`, 409, "bank_exists"},
		{`{"name":"Bad Name"}`, 400, "invalid_request"},
		{`{"name":"x","categories":["bombs"]}`, 400, "malformed_json"},
		{`{"name":"x","thresholds":{"md5":3}}`, 400, "invalid_request"},
		{`{"description":"no name"}`, 400, "invalid_request"},
	} {
		r := do(t, "POST", s.url+"/v1/banks", "application/json", strings.NewReader(c.body))
		if r.status != c.status {
			t.Errorf("%s: %d %s, want %d", c.body, r.status, r.body, c.status)
		}
	}
	r = do(t, "PATCH", s.url+"/v1/banks/analysts", "application/json", strings.NewReader(`{"description":"hand-checked"}`))
	if m := r.json(t); r.status != 200 || m["description"] != "hand-checked" || m["source"] != "ATKM analysts" {
		t.Errorf("patch: %d %s", r.status, r.body)
	}
	if r := do(t, "GET", s.url+"/v1/banks/nope", "", nil); r.status != 404 || r.errorCode(t) != "bank_not_found" {
		t.Errorf("missing bank: %d %s", r.status, r.body)
	}

	// Add by hash, then by upload.
	r = do(t, "POST", s.url+"/v1/banks/analysts/items", "application/json", strings.NewReader(
		`{"signals":[{"type":"md5","value":"`+knownMD5+`"}],"label":"by hash","reference":"RO-9"}`))
	if r.status != 201 {
		t.Fatalf("add item: %d %s", r.status, r.body)
	}
	if r := do(t, "POST", s.url+"/v1/banks/analysts/items", "application/json", strings.NewReader(
		`{"signals":[{"type":"md5","value":"`+knownMD5+`"}]}`)); r.status != 409 || r.errorCode(t) != "already_present" {
		t.Errorf("duplicate item: %d %s", r.status, r.body)
	}
	r = do(t, "POST", s.url+"/v1/banks/demo/items/upload?label=poster&categories=instruction", "image/jpeg", bytes.NewReader(fixture(t, knownJPEG)))
	if r.status != 201 {
		t.Fatalf("upload item: %d %s", r.status, r.body)
	}
	var item matcher.Item
	if err := json.Unmarshal(r.body, &item); err != nil {
		t.Fatal(err)
	}
	if len(item.Signals) != 8 || item.Label != "poster" || item.Categories[0] != matcher.Instruction || *item.PDQQuality != 100 {
		t.Errorf("uploaded item: %+v", item)
	}
	id := strings.TrimSpace(string(mustJSON(item.ID)))

	matched := func() bool {
		r := do(t, "POST", s.url+"/v1/match", "", bytes.NewReader(fixture(t, knownJPEG)))
		return r.json(t)["matched"] == true && strings.Contains(string(r.body), `"bank":"demo"`)
	}
	if !matched() {
		t.Fatal("uploaded item does not match")
	}
	if r := do(t, "POST", s.url+"/v1/items/"+id+"/retract", "application/json", strings.NewReader(`{}`)); r.status != 400 || r.errorCode(t) != "reason_required" {
		t.Errorf("retract without reason: %d %s", r.status, r.body)
	}
	if r := do(t, "POST", s.url+"/v1/items/"+id+"/retract", "application/json", strings.NewReader(`{"reason":"false positive"}`)); r.status != 200 {
		t.Fatalf("retract: %d %s", r.status, r.body)
	}
	if matched() {
		t.Error("retracted item still matches")
	}
	if r := do(t, "POST", s.url+"/v1/items/"+id+"/retract", "application/json", strings.NewReader(`{"reason":"again"}`)); r.status != 409 {
		t.Errorf("second retract: %d %s", r.status, r.body)
	}
	do(t, "POST", s.url+"/v1/items/"+id+"/reactivate", "application/json", strings.NewReader(`{"reason":"appeal"}`))
	if !matched() {
		t.Error("re-activated item does not match")
	}
	r = do(t, "GET", s.url+"/v1/items/"+id, "", nil)
	if m := r.json(t); r.status != 200 || len(m["history"].([]any)) != 2 {
		t.Errorf("item: %d %s", r.status, r.body)
	}
	if r := do(t, "GET", s.url+"/v1/items/abc", "", nil); r.status != 400 {
		t.Errorf("bad id: %d", r.status)
	}
	if r := do(t, "GET", s.url+"/v1/items/999", "", nil); r.status != 404 {
		t.Errorf("missing item: %d", r.status)
	}
	r = do(t, "GET", s.url+"/v1/banks/demo/items?status=active&limit=1", "", nil)
	if m := r.json(t); r.status != 200 || len(m["items"].([]any)) != 1 || m["next_after"] != id {
		t.Errorf("list: %d %s", r.status, r.body)
	}
}

func TestImportEndpoint(t *testing.T) {
	s := startServer(t, Config{})
	list := "signal_type,signal_str\npdq," + knownPDQ + "\nmd5,nothex\n"
	r := do(t, "POST", s.url+"/v1/banks/demo/import", "text/csv", strings.NewReader(list))
	if m := r.json(t); r.status != 200 || m["added"] != 1.0 || len(m["rejected"].([]any)) != 1 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	r = do(t, "POST", s.url+"/v1/banks/demo/import", "text/csv", strings.NewReader(list))
	if m := r.json(t); m["added"] != 0.0 || m["already_present"] != 1.0 {
		t.Errorf("re-import: %s", r.body)
	}
	if r := do(t, "POST", s.url+"/v1/banks/demo/import", "", bytes.NewReader(fixture(t, knownJPEG))); r.status != 415 {
		t.Errorf("photo as a list: %d %s", r.status, r.body)
	}
	if r := do(t, "POST", s.url+"/v1/banks/nope/import", "", strings.NewReader("md5:"+knownMD5)); r.status != 404 {
		t.Errorf("missing bank: %d", r.status)
	}
}

func TestFilterEndpoint(t *testing.T) {
	s := startServer(t, Config{})
	s.addKnown(t)
	r := do(t, "GET", s.url+"/v1/filter/md5", "", nil)
	if r.status != 200 || r.header.Get("X-Herken-Count") != "1" || r.header.Get("X-Herken-Signal-Type") != "md5" {
		t.Fatalf("filter: %d %v", r.status, r.header)
	}
	f, err := prefilter.ReadFilter(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	known, _ := matcher.ParseSignal(matcher.MD5, knownMD5)
	other, _ := matcher.ParseSignal(matcher.MD5, strings.Repeat("0", 32))
	if !f.MayContain(known) || f.MayContain(other) {
		t.Error("the served filter does not hold what it should")
	}
	if r := do(t, "GET", s.url+"/v1/filter/pdq", "", nil); r.status != 400 {
		t.Errorf("pdq filter: %d", r.status)
	}
}

func TestHealthMetricsOpenAPI(t *testing.T) {
	s := startServer(t, Config{})
	s.addKnown(t)
	if r := do(t, "GET", s.url+"/healthz", "", nil); r.status != 200 || r.json(t)["status"] != "ok" {
		t.Errorf("healthz: %d %s", r.status, r.body)
	}
	do(t, "GET", s.url+"/v1/lookup?type=md5&value="+knownMD5, "", nil)
	r := do(t, "GET", s.url+"/metrics", "", nil)
	for _, want := range []string{
		`herken_requests_total{endpoint="lookup",code="200"} 1`,
		`herken_matches_total{bank="demo",signal_type="md5"} 1`,
		`herken_index_signals{signal_type="pdq"} 1`,
		`herken_request_duration_seconds_bucket{endpoint="lookup"`,
		`herken_batch_lines_in_flight 0`,
	} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// The service serves its OpenAPI document (TestOpenAPIDescribesTheRoutes
	// holds it to the routes).
	r = do(t, "GET", s.url+"/openapi.json", "", nil)
	if r.status != 200 || !bytes.Equal(r.body, openapiDoc) {
		t.Errorf("openapi.json: %d, %d bytes, want %d", r.status, len(r.body), len(openapiDoc))
	}
}

// TestHostileRequests: malformed input gets a 4xx with a JSON error, never
// a 5xx.
func TestHostileRequests(t *testing.T) {
	s := startServer(t, Config{MaxJSONBytes: 4096})
	for _, c := range []struct {
		method, path, ct, body string
	}{
		{"POST", "/v1/lookup", "application/json", strings.Repeat("[", 5000)},
		{"POST", "/v1/lookup", "application/json", `{"signals":[{"type":"pdq","value":"` + strings.Repeat("f", 10000) + `"}]}`},
		{"POST", "/v1/match/url", "application/json", `{"url":123}`},
		{"POST", "/v1/banks", "application/json", "\x00\x01\x02"},
		{"PATCH", "/v1/banks/demo", "application/json", `{"name":"other"}`},
		{"GET", "/v1/banks/demo/items?limit=0", "", ""},
		{"GET", "/v1/banks/demo/items?status=gone", "", ""},
		{"POST", "/v1/match", "multipart/form-data", "x"},
		{"GET", "/v1/lookup?type=pdq", "", ""},
		{"GET", "/v1/lookup?type=md5&value=" + knownMD5 + "&quality=x", "", ""},
		{"POST", "/v1/items/1/retract", "application/json", `{"reason":"x","extra":1}`},
	} {
		r := do(t, c.method, s.url+c.path, c.ct, strings.NewReader(c.body))
		if r.status < 400 || r.status >= 500 || r.errorCode(t) == "" {
			t.Errorf("%s %s %.40q: %d %s", c.method, c.path, c.body, r.status, r.body)
		}
	}
	// Raw protocol abuse: a body larger than announced, and garbage.
	for _, raw := range []string{
		"POST /v1/lookup HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{\"signals\":[]}",
		"GARBAGE\r\n\r\n",
		"GET /" + strings.Repeat("a", 20000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		status := rawRequest(t, s.url, raw)
		if status < 400 || status >= 500 {
			t.Errorf("%.40q: status %d", raw, status)
		}
	}
}

// rawRequest writes raw bytes to the server and returns the first status.
func rawRequest(t *testing.T, url, raw string) int {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, raw)
	buf := make([]byte, 64)
	n, _ := io.ReadAtLeast(conn, buf, 12)
	var status int
	if n >= 12 {
		status = int(buf[9]-'0')*100 + int(buf[10]-'0')*10 + int(buf[11]-'0')
	}
	return status
}

// TestGracefulShutdown: a request in flight when shutdown begins finishes,
// and Serve returns.
func TestGracefulShutdown(t *testing.T) {
	s := startServer(t, Config{})
	s.addKnown(t)
	photo := fixture(t, knownJPEG)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", s.url+"/v1/match", pr)
	req.ContentLength = int64(len(photo))
	got := make(chan reply, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- reply{status: -1, body: []byte(err.Error())}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- reply{status: resp.StatusCode, body: b}
	}()
	pw.Write(photo[:len(photo)/2])
	time.Sleep(200 * time.Millisecond) // the request is in the handler
	s.stop()
	time.Sleep(100 * time.Millisecond)
	pw.Write(photo[len(photo)/2:])
	pw.Close()
	r := <-got
	if r.status != 200 || !strings.Contains(string(r.body), `"matched":true`) {
		t.Fatalf("request in flight at shutdown: %d %s", r.status, r.body)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
		s.done <- nil // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after shutdown")
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(s.url, "http://"), time.Second); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
