package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
)

// matchAs uploads the known photo with key and decodes the answer.
func matchAs(t *testing.T, s *server, key string) matchAnswer {
	t.Helper()
	req, _ := http.NewRequest("POST", s.url+"/v1/match", bytes.NewReader(fixture(t, knownJPEG)))
	req.Header.Set("Authorization", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out matchAnswer
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("match: %d %v", resp.StatusCode, err)
	}
	return out
}

func auditDetails(t *testing.T, s *server, admin, query string) string {
	t.Helper()
	time.Sleep(600 * time.Millisecond) // the log is written in batches
	r := doKey(t, admin, "GET", s.url+"/v1/audit?"+query, "")
	if r.status != 200 {
		t.Fatalf("audit: %d %s", r.status, r.body)
	}
	return string(r.body)
}

// TestAllowListEndToEnd: an analyst allow-lists a false match from its
// result in one step; the same upload then matches nothing, and the
// result names the allow-list item that suppressed the match.
func TestAllowListEndToEnd(t *testing.T) {
	s := start(t, Config{})
	s.addKnown(t)
	admin, _ := newKey(t, s, index.RoleAdmin)
	analyst, _ := newKey(t, s, index.RoleAnalyst)
	crawler, _ := newKey(t, s, index.RoleCrawler)
	if r := doKey(t, admin, "POST", s.url+"/v1/banks", `{"name":"harmless","mode":"allow","categories":["incitement"]}`); r.status != 201 || r.json(t)["mode"] != "allow" {
		t.Fatalf("create allow bank: %d %s", r.status, r.body)
	}
	if r := doKey(t, admin, "POST", s.url+"/v1/banks", `{"name":"odd","mode":"watch"}`); r.status != 400 || !strings.Contains(string(r.body), "watch") {
		t.Errorf("unknown mode: %d %s", r.status, r.body)
	}
	first := matchAs(t, s, analyst)
	if !first.Matched || len(first.Matches) == 0 {
		t.Fatalf("the known photo does not match: %+v", first)
	}
	var pdq matcher.Match
	for _, m := range first.Matches {
		if m.SignalType == matcher.PDQ {
			pdq = m
		}
	}
	if pdq.QueryValue == "" {
		t.Fatalf("no pdq match with the query's hash: %+v", first.Matches)
	}
	body := `{"signals":[{"type":"pdq","value":"` + pdq.QueryValue + `"}],"label":"public broadcaster logo","from_item":` + jsonNumber(pdq.ItemID) + `}`
	if r := doKey(t, analyst, "POST", s.url+"/v1/banks/demo/allow", body); r.status != 409 || r.errorCode(t) != "not_an_allow_bank" {
		t.Errorf("allow into a blocking bank: %d %s", r.status, r.body)
	}
	if r := doKey(t, crawler, "POST", s.url+"/v1/banks/harmless/allow", body); r.status != 403 {
		t.Errorf("a crawler allow-lists: %d", r.status)
	}
	r := doKey(t, analyst, "POST", s.url+"/v1/banks/harmless/allow", body)
	if r.status != 201 {
		t.Fatalf("allow: %d %s", r.status, r.body)
	}
	allowID := uint64(r.json(t)["id"].(float64))

	want := "suppressed by allow-list item " + jsonNumber(allowID) + ": 'public broadcaster logo'"
	for _, key := range []string{crawler, analyst} {
		res := matchAs(t, s, key)
		if res.Matched || len(res.Matches) != 0 || len(res.Suppressed) == 0 || len(res.Candidates) != 0 {
			t.Fatalf("after allow-listing: matched %v matches %v suppressed %v candidates %v", res.Matched, res.Matches, res.Suppressed, res.Candidates)
		}
		for _, m := range res.Suppressed {
			if m.SuppressedBy != allowID || !strings.HasPrefix(m.Reason, want) {
				t.Errorf("suppressed %+v, want reason %q", m, want)
			}
		}
		if seen := len(res.Allowed) > 0; seen != (key == analyst) {
			t.Errorf("allow-list matches shown: %v (analyst: %v)", seen, key == analyst)
		}
	}
	if d := auditDetails(t, s, admin, "action=match"); !strings.Contains(d, `"suppressed_items":[1]`) {
		t.Errorf("the audit records do not list the suppressed match: %s", d)
	}
	if d := auditDetails(t, s, admin, "action=match"); !strings.Contains(d, "suppressed by allow-lists: 1 (bank demo, by "+jsonNumber(allowID)+")") {
		t.Errorf("the audit log does not record the suppression: %s", d)
	}
	if d := auditDetails(t, s, admin, "action=bank_allow"); !strings.Contains(d, "allow-listed from a false match of item 1") {
		t.Errorf("the audit log does not record the allow-listing: %s", d)
	}
}

// TestShadowBankEndToEnd: a shadow bank's matches are shown to analysts
// and counted, never to crawlers and providers, until an admin promotes
// the bank; the promotion names the admin.
func TestShadowBankEndToEnd(t *testing.T) {
	s := start(t, Config{})
	admin, adminRec := newKey(t, s, index.RoleAdmin)
	analyst, _ := newKey(t, s, index.RoleAnalyst)
	crawler, _ := newKey(t, s, index.RoleCrawler)
	provider, _ := newKey(t, s, index.RoleProvider)
	if r := doKey(t, admin, "POST", s.url+"/v1/banks", `{"name":"trial","mode":"shadow","categories":["threat"]}`); r.status != 201 {
		t.Fatalf("create shadow bank: %d %s", r.status, r.body)
	}
	if r := doKey(t, admin, "POST", s.url+"/v1/banks/trial/items", `{"signals":[{"type":"md5","value":"`+knownMD5+`"}],"label":"new partner entry"}`); r.status != 201 {
		t.Fatalf("add: %d %s", r.status, r.body)
	}
	lookup := `{"signals":[{"type":"md5","value":"` + knownMD5 + `"}]}`
	for _, key := range []string{crawler, provider} {
		r := doKey(t, key, "POST", s.url+"/v1/lookup", lookup)
		if r.status != 200 || strings.Contains(string(r.body), "shadow") || strings.Contains(string(r.body), "new partner entry") || r.json(t)["matched"] != false {
			t.Errorf("a crawler or provider sees the shadow bank: %d %s", r.status, r.body)
		}
	}
	r := doKey(t, crawler, "POST", s.url+"/v1/batch", `{"id":1,"signals":[{"type":"md5","value":"`+knownMD5+`"}]}`+"\n")
	if strings.Contains(string(r.body), "new partner entry") || !strings.Contains(string(r.body), `"matched":0`) {
		t.Errorf("a crawler's batch sees the shadow bank: %s", r.body)
	}
	var res lookupAnswer
	r = doKey(t, analyst, "POST", s.url+"/v1/lookup", lookup)
	if err := json.Unmarshal(r.body, &res); err != nil || res.Matched || len(res.Shadow) != 1 || res.Shadow[0].Label != "new partner entry" {
		t.Fatalf("analyst's lookup: %s", r.body)
	}
	if r := doKey(t, admin, "GET", s.url+"/metrics", ""); !strings.Contains(string(r.body), `herken_shadow_matches_total{bank="trial"} 4`) {
		t.Errorf("shadow matches are not counted: %s", r.body)
	}
	if d := auditDetails(t, s, admin, "action=lookup"); !strings.Contains(d, `"shadow_items":[1]`) {
		t.Errorf("the audit records do not list the shadow match: %s", d)
	}
	if d := auditDetails(t, s, admin, "action=lookup"); !strings.Contains(d, "shadow matches: 1 (bank trial)") {
		t.Errorf("the audit log does not record the shadow match: %s", d)
	}
	if r := doKey(t, analyst, "PATCH", s.url+"/v1/banks/trial", `{"mode":"block"}`); r.status != 403 {
		t.Errorf("an analyst promotes: %d", r.status)
	}
	r = doKey(t, admin, "PATCH", s.url+"/v1/banks/trial", `{"mode":"block"}`)
	if b := r.json(t); r.status != 200 || b["mode"] != "block" || b["promoted_by"] != "key:"+adminRec.ID || b["promoted_at"] == nil {
		t.Fatalf("promote: %d %s", r.status, r.body)
	}
	if d := auditDetails(t, s, admin, "action=bank_update"); !strings.Contains(d, "changed bank trial from shadow to block mode") || !strings.Contains(d, adminRec.ID) {
		t.Errorf("the promotion is not audited: %s", d)
	}
	if r := doKey(t, crawler, "POST", s.url+"/v1/lookup", lookup); r.json(t)["matched"] != true {
		t.Errorf("after promotion: %s", r.body)
	}
}

// TestFeedbackEndToEnd: an analyst's verdicts are counted with the item,
// shown with it, and audited; bad verdicts and other roles are refused.
func TestFeedbackEndToEnd(t *testing.T) {
	s := start(t, Config{})
	s.addKnown(t)
	admin, _ := newKey(t, s, index.RoleAdmin)
	analyst, analystRec := newKey(t, s, index.RoleAnalyst)
	provider, _ := newKey(t, s, index.RoleProvider)
	for _, v := range []string{"confirmed", "false_positive", "false_positive"} {
		if r := doKey(t, analyst, "POST", s.url+"/v1/items/1/feedback", `{"verdict":"`+v+`","note":"checked: `+v+`"}`); r.status != 200 {
			t.Fatalf("feedback: %d %s", r.status, r.body)
		}
	}
	for _, c := range []struct {
		key, path, body string
		status          int
	}{
		{analyst, "/v1/items/1/feedback", `{"verdict":"maybe"}`, 400},
		{analyst, "/v1/items/1/feedback", `{"verdict":"confirmed","note":"` + strings.Repeat("x", 1025) + `"}`, 400},
		{analyst, "/v1/items/99/feedback", `{"verdict":"confirmed"}`, 404},
		{analyst, "/v1/items/x/feedback", `{"verdict":"confirmed"}`, 400},
		{provider, "/v1/items/1/feedback", `{"verdict":"confirmed"}`, 403},
	} {
		if r := doKey(t, c.key, "POST", s.url+c.path, c.body); r.status != c.status || r.errorCode(t) == "" {
			t.Errorf("%s %.40s: %d %s, want %d", c.path, c.body, r.status, r.body, c.status)
		}
	}
	var it itemAnswer
	r := doKey(t, analyst, "GET", s.url+"/v1/items/1", "")
	if err := json.Unmarshal(r.body, &it); err != nil || it.Feedback == nil {
		t.Fatalf("item: %s", r.body)
	}
	if f := it.Feedback; f.Confirmed != 1 || f.FalsePositive != 2 || f.Last.Note != "checked: false_positive" || f.Last.By != "key:"+analystRec.ID {
		t.Errorf("feedback with the item: %+v %+v", f, f.Last)
	}
	if d := auditDetails(t, s, admin, "action=item_feedback"); !strings.Contains(d, `"verdict":"false_positive"`) || !strings.Contains(d, `"verdict":"confirmed"`) {
		t.Errorf("the verdict is not in the audit records: %s", d)
	}
	if d := auditDetails(t, s, admin, "action=item_feedback"); !strings.Contains(d, "feedback on item 1: false_positive: checked: false_positive") {
		t.Errorf("feedback is not audited: %s", d)
	}
}

// TestFeedbackQuarantines: analysts' false-positive verdicts feed the
// quarantine: three that outnumber the confirmations hold the item's
// matches back from crawlers, with the reason for analysts.
func TestFeedbackQuarantines(t *testing.T) {
	s := start(t, Config{})
	s.addKnown(t)
	analyst, _ := newKey(t, s, index.RoleAnalyst)
	crawler, _ := newKey(t, s, index.RoleCrawler)
	lookup := func(key string) map[string]any {
		t.Helper()
		return doKey(t, key, "POST", s.url+"/v1/lookup", `{"signals":[{"type":"md5","value":"`+knownMD5+`"}]}`).json(t)
	}
	for i, v := range []string{"false_positive", "confirmed", "false_positive", "false_positive"} {
		if m := lookup(crawler); m["matched"] != true {
			t.Fatalf("before verdict %d: %v", i, m)
		}
		if r := doKey(t, analyst, "POST", s.url+"/v1/items/1/feedback", `{"verdict":"`+v+`"}`); r.status != 200 {
			t.Fatalf("feedback: %d %s", r.status, r.body)
		}
	}
	// Three false positives against one confirmation: quarantined.
	if m := lookup(crawler); m["matched"] != false {
		t.Errorf("crawler after the verdicts: %v", m)
	}
	if m := lookup(analyst); !strings.Contains(fmt.Sprint(m["quarantined"]), "false-positive verdicts") {
		t.Errorf("analyst after the verdicts: %v", m)
	}
}

func jsonNumber(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestReportEndpoint: the report counts today's checks live, as JSON or
// CSV, for analysts and admins only, and refuses a malformed period.
func TestReportEndpoint(t *testing.T) {
	s := start(t, Config{})
	s.addKnown(t)
	analyst, _ := newKey(t, s, index.RoleAnalyst)
	crawler, _ := newKey(t, s, index.RoleCrawler)
	for i := range 3 {
		value := knownMD5
		if i == 2 {
			value = strings.Repeat("0", 32)
		}
		doKey(t, crawler, "POST", s.url+"/v1/lookup", `{"signals":[{"type":"md5","value":"`+value+`"}]}`)
	}
	time.Sleep(600 * time.Millisecond) // the log is written in batches
	today := time.Now().UTC().Format("2006-01-02")
	r := doKey(t, analyst, "GET", s.url+"/v1/report?from="+today+"&to="+today, "")
	var rep index.Report
	if err := json.Unmarshal(r.body, &rep); err != nil || r.status != 200 {
		t.Fatalf("report: %d %s", r.status, r.body)
	}
	if rep.Inputs != 3 || rep.InputsByChannel["hash"] != 3 || rep.Matches != 2 || rep.ItemsMatched != 1 || rep.Banks["demo"].Matches != 2 {
		t.Errorf("report: %s", r.body)
	}
	r = doKey(t, analyst, "GET", s.url+"/v1/report?from="+today+"&to="+today+"&format=csv", "")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(string(r.body), today+","+today+",total,,3,0,0,3,0,2,1,") {
		t.Errorf("csv: %d %s", r.status, r.body)
	}
	for _, q := range []string{"", "from=2026-11-01", "from=yesterday&to=2026-11-01", "from=2026-11-02&to=2026-11-01", "from=2026-11-01&to=2026-11-02&format=xml"} {
		if r := doKey(t, analyst, "GET", s.url+"/v1/report?"+q, ""); r.status != 400 || r.errorCode(t) != "invalid_request" {
			t.Errorf("%q: %d %s", q, r.status, r.body)
		}
	}
	if r := doKey(t, crawler, "GET", s.url+"/v1/report?from="+today+"&to="+today, ""); r.status != 403 {
		t.Errorf("a crawler reads the report: %d", r.status)
	}
}
