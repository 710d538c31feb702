package service

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/index"
)

func doKey(t *testing.T, key, method, url, body string) reply {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, r)
	if key != "" {
		req.Header.Set("Authorization", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, b}
}

func newKey(t *testing.T, s *server, role index.Role) (string, index.APIKey) {
	t.Helper()
	rec, key, err := s.db.APIKeys().Create("test "+string(role), role, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + key, rec
}

// TestRoles checks every role against endpoints of each kind: allowed
// calls succeed, others get 403, and bad keys 401.
func TestRoles(t *testing.T) {
	s := start(t, Config{})
	s.addKnown(t)
	keys := map[index.Role]string{}
	for _, r := range index.Roles() {
		keys[r], _ = newKey(t, s, r)
	}
	lookup := `{"signals":[{"type":"md5","value":"` + knownMD5 + `"}]}`
	batch := `{"id":1,"signals":[{"type":"md5","value":"` + knownMD5 + `"}]}` + "\n"
	cases := []struct {
		method, path, body string
		allowed            []index.Role
	}{
		{"POST", "/v1/lookup", lookup, []index.Role{"provider", "crawler", "analyst", "admin"}},
		{"POST", "/v1/batch", batch, []index.Role{"crawler", "analyst", "admin"}},
		{"GET", "/v1/filter/sha256", "", []index.Role{"provider", "analyst", "admin"}},
		{"GET", "/v1/banks", "", []index.Role{"analyst", "admin"}},
		{"GET", "/v1/items/1", "", []index.Role{"analyst", "admin"}},
		{"POST", "/v1/banks", `{"name":"b-ROLE"}`, []index.Role{"admin"}},
		{"GET", "/v1/keys", "", []index.Role{"admin"}},
		{"GET", "/v1/audit", "", []index.Role{"admin"}},
		{"GET", "/metrics", "", []index.Role{"admin"}},
	}
	for _, c := range cases {
		for _, role := range index.Roles() {
			body := strings.ReplaceAll(c.body, "ROLE", string(role))
			r := doKey(t, keys[role], c.method, s.url+c.path, body)
			allowed := false
			for _, a := range c.allowed {
				allowed = allowed || a == role
			}
			if allowed && r.status >= 400 {
				t.Errorf("%s %s as %s: %d %s", c.method, c.path, role, r.status, r.body)
			}
			if !allowed && (r.status != 403 || r.errorCode(t) != "forbidden_role") {
				t.Errorf("%s %s as %s: %d %s, want 403", c.method, c.path, role, r.status, r.body)
			}
		}
	}
	if r := doKey(t, "", "GET", s.url+"/healthz", ""); r.status != 200 {
		t.Errorf("healthz needs no key: %d", r.status)
	}
	// Retraction is an analyst's right; adding items is not.
	if r := doKey(t, keys["analyst"], "POST", s.url+"/v1/items/1/retract", `{"reason":"complaint"}`); r.status != 200 {
		t.Errorf("analyst retract: %d %s", r.status, r.body)
	}
	if r := doKey(t, keys["analyst"], "POST", s.url+"/v1/banks/demo/items", `{"signals":[{"type":"md5","value":"`+strings.Repeat("1", 32)+`"}]}`); r.status != 403 {
		t.Errorf("analyst add item: %d", r.status)
	}
}

func TestBadKeys(t *testing.T) {
	now := time.Now()
	s := start(t, Config{})
	good, rec := newKey(t, s, index.RoleCrawler)
	soon := now.Add(time.Hour)
	_, expiring, _ := s.db.APIKeys().Create("short-lived", index.RoleCrawler, &soon, "test")
	url := s.url + "/v1/lookup?type=md5&value=" + knownMD5
	f := func(auth, code string) {
		t.Helper()
		r := doKey(t, auth, "GET", url, "")
		if r.status != 401 || r.errorCode(t) != code || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%.30q: %d %s, want 401 %s", auth, r.status, r.body, code)
		}
		if strings.Contains(string(r.body), strings.TrimPrefix(auth, "Bearer ")) && auth != "" && len(auth) > 20 {
			t.Errorf("the answer repeats the key: %s", r.body)
		}
	}
	f("", "missing_key")
	f("Basic dXNlcjpwYXNz", "malformed_key")
	f("Bearer nonsense", "malformed_key")
	f(good[:len(good)-2]+"xx", "unknown_key")
	if r := doKey(t, good, "GET", url, ""); r.status != 200 {
		t.Fatalf("good key: %d %s", r.status, r.body)
	}
	if _, err := s.db.APIKeys().Revoke(rec.ID, "test"); err != nil {
		t.Fatal(err)
	}
	f(good, "key_revoked")
	if r := doKey(t, "Bearer "+expiring, "GET", url, ""); r.status != 200 {
		t.Fatalf("unexpired key: %d", r.status)
	}
}

func TestRateLimit(t *testing.T) {
	s := start(t, Config{RateLimit: 2, RateBurst: 3})
	now := time.Now()
	s.svc.limiter.now = func() time.Time { return now }
	a, _ := newKey(t, s, index.RoleProvider)
	b, _ := newKey(t, s, index.RoleProvider)
	url := s.url + "/v1/lookup?type=md5&value=" + knownMD5
	for i := range 3 {
		if r := doKey(t, a, "GET", url, ""); r.status != 200 {
			t.Fatalf("request %d within the burst: %d", i, r.status)
		}
	}
	r := doKey(t, a, "GET", url, "")
	if r.status != 429 || r.header.Get("Retry-After") != "1" || r.errorCode(t) != "rate_limited" {
		t.Fatalf("over the burst: %d %v %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	if r := doKey(t, b, "GET", url, ""); r.status != 200 {
		t.Errorf("another key is limited too: %d", r.status)
	}
	now = now.Add(time.Second) // two tokens back
	for i := range 2 {
		if r := doKey(t, a, "GET", url, ""); r.status != 200 {
			t.Errorf("after a second, request %d: %d", i, r.status)
		}
	}
}

// TestAuditTrail: requests are recorded with who, what, the hashes, the
// URL and the decision; never the content or the key.
func TestAuditTrail(t *testing.T) {
	s := start(t, Config{})
	s.addKnown(t)
	admin, adminRec := newKey(t, s, index.RoleAdmin)
	crawler, crawlerRec := newKey(t, s, index.RoleCrawler)
	photo := fixture(t, knownJPEG)
	req, _ := http.NewRequest("POST", s.url+"/v1/match", bytes.NewReader(photo))
	req.Header.Set("Authorization", crawler)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	doKey(t, crawler, "POST", s.url+"/v1/match/url", `{"url":"http://10.1.2.3/private.jpg"}`)
	doKey(t, crawler, "POST", s.url+"/v1/batch", `{"id":"x","signals":[{"type":"md5","value":"`+knownMD5+`"}]}`+"\n")
	doKey(t, admin, "POST", s.url+"/v1/items/1/retract", `{"reason":"test retraction"}`)
	time.Sleep(600 * time.Millisecond) // the log is written in batches

	r := doKey(t, admin, "GET", s.url+"/v1/audit?key="+crawlerRec.ID, "")
	var out struct{ Records []index.AuditRecord }
	if err := json.Unmarshal(r.body, &out); err != nil || r.status != 200 {
		t.Fatalf("audit: %d %s", r.status, r.body)
	}
	byAction := map[string]index.AuditRecord{}
	var batchLines []index.AuditRecord
	for _, rec := range out.Records {
		// A batch leaves a record per line and one for the request
		// ("done"), in either order: the line's is checked below.
		if rec.Action == "batch" && rec.Decision != "done" {
			batchLines = append(batchLines, rec)
		} else {
			byAction[rec.Action] = rec
		}
		if rec.KeyID != crawlerRec.ID || rec.Role != "crawler" {
			t.Errorf("record of another key: %+v", rec)
		}
	}
	m := byAction["match"]
	if m.Decision != "match" || len(m.Signals) != 8 || len(m.Matched) != 1 || m.Status != 200 {
		t.Errorf("match record: %+v", m)
	}
	if u := byAction["match_url"]; u.URL != "http://10.1.2.3/private.jpg" || u.Decision != "error" || u.Status != 400 {
		t.Errorf("match_url record: %+v", u)
	}
	if len(batchLines) != 1 || batchLines[0].Decision != "match" || len(batchLines[0].Signals) != 1 {
		t.Errorf("batch line records: %+v", batchLines)
	}
	if b := byAction["batch"]; b.Decision != "done" || b.Status != 200 {
		t.Errorf("batch request record: %+v", b)
	}
	raw := string(r.body)
	if strings.Contains(raw, strings.TrimPrefix(crawler, "Bearer ")) || strings.Contains(raw, "JFIF") {
		t.Error("the audit log holds a key or content")
	}
	r = doKey(t, admin, "GET", s.url+"/v1/audit?action=item_retract", "")
	if !strings.Contains(string(r.body), "test retraction") || !strings.Contains(string(r.body), adminRec.ID) {
		t.Errorf("retraction record: %s", r.body)
	}
	if r := doKey(t, admin, "GET", s.url+"/v1/audit?since=yesterday", ""); r.status != 400 {
		t.Errorf("bad since: %d", r.status)
	}
}

func TestKeysEndpoints(t *testing.T) {
	s := start(t, Config{})
	admin, _ := newKey(t, s, index.RoleAdmin)
	r := doKey(t, admin, "POST", s.url+"/v1/keys", `{"name":"partner","role":"provider"}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created struct {
		Key    string
		Record index.APIKey
	}
	json.Unmarshal(r.body, &created)
	if w := doKey(t, "Bearer "+created.Key, "GET", s.url+"/v1/whoami", ""); !strings.Contains(string(w.body), `"role":"provider"`) {
		t.Errorf("whoami: %s", w.body)
	}
	if r := doKey(t, admin, "GET", s.url+"/v1/keys", ""); strings.Contains(string(r.body), created.Key) || !strings.Contains(string(r.body), created.Record.ID) {
		t.Errorf("key list shows the key or lacks the id: %s", r.body)
	}
	if r := doKey(t, admin, "POST", s.url+"/v1/keys/"+created.Record.ID+"/revoke", ""); r.status != 200 {
		t.Errorf("revoke: %d %s", r.status, r.body)
	}
	if r := doKey(t, "Bearer "+created.Key, "GET", s.url+"/v1/whoami", ""); r.status != 401 {
		t.Errorf("revoked key: %d", r.status)
	}
	for _, body := range []string{`{"name":"x","role":"root"}`, `{"role":"admin"}`, `{"name":"x","role":"admin","expires_at":"2001-01-01T00:00:00Z"}`} {
		if r := doKey(t, admin, "POST", s.url+"/v1/keys", body); r.status != 400 {
			t.Errorf("%s: %d %s", body, r.status, r.body)
		}
	}
	if r := doKey(t, admin, "POST", s.url+"/v1/keys/nope/revoke", ""); r.status != 404 {
		t.Errorf("unknown key id: %d", r.status)
	}
}
