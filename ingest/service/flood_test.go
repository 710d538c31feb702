package service

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
)

// nearPDQ returns knownPDQ with 5 bits flipped from bit 5*i on: a
// distinct input that matches the known item.
func nearPDQ(t *testing.T, i int) string {
	t.Helper()
	s, err := matcher.ParseSignal(matcher.PDQ, knownPDQ)
	if err != nil {
		t.Fatal(err)
	}
	b := append([]byte{}, s.Bytes()...)
	for bit := 5 * i; bit < 5*i+5; bit++ {
		b[bit/8] ^= 1 << (bit % 8)
	}
	out, _ := matcher.NewSignal(matcher.PDQ, b)
	return out.String()
}

// TestFloodQuarantine floods the service with distinct inputs matching one
// item: past the limit the item is quarantined, crawlers and providers
// see no match, analysts see a quarantined candidate with the reason, an
// admin is alerted (log, metric, the quarantine list, the audit log),
// and an analyst releases it. Checking the same input again and again
// never counts as a flood.
func TestFloodQuarantine(t *testing.T) {
	var logs strings.Builder
	s := start(t, Config{FloodLimit: 20, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	s.addKnown(t)
	admin, _ := newKey(t, s, index.RoleAdmin)
	analyst, _ := newKey(t, s, index.RoleAnalyst)
	crawler, _ := newKey(t, s, index.RoleCrawler)
	provider, _ := newKey(t, s, index.RoleProvider)
	lookup := func(key string, i int) reply {
		t.Helper()
		r := doKey(t, key, "POST", s.url+"/v1/lookup", `{"signals":[{"type":"pdq","value":"`+nearPDQ(t, i)+`"}]}`)
		if r.status != 200 {
			t.Fatalf("lookup %d: %d %s", i, r.status, r.body)
		}
		return r
	}
	for range 40 { // a test suite checking the same input all hour
		if r := lookup(analyst, 0); r.json(t)["matched"] != true {
			t.Fatalf("the same input checked again: %s", r.body)
		}
	}
	for i := 1; i < 20; i++ { // 20 distinct inputs: at the limit, not past it
		lookup(crawler, i)
	}
	if q, _ := s.store.QuarantinedItems(); len(q) != 0 {
		t.Fatalf("quarantined at the limit: %+v", q)
	}
	lookup(provider, 20) // the 21st distinct input
	q, err := s.store.QuarantinedItems()
	if err != nil || len(q) != 1 || q[0].ID != 1 || q[0].Quarantine.Inputs != 21 {
		t.Fatalf("after the flood: %+v %v", q, err)
	}
	for _, key := range []string{crawler, provider} {
		r := lookup(key, 21)
		if r.json(t)["matched"] != false || strings.Contains(string(r.body), "poster") || strings.Contains(string(r.body), "quarantine") {
			t.Errorf("a crawler or provider sees the quarantined item: %s", r.body)
		}
	}
	var res lookupAnswer
	if err := json.Unmarshal(lookup(analyst, 22).body, &res); err != nil || res.Matched || len(res.Quarantined) != 1 ||
		!strings.HasPrefix(res.Quarantined[0].Reason, "quarantined candidate: the item matched 21 distinct inputs within 1h0m0s, over the flood limit of 20") {
		t.Fatalf("analyst's view: %+v %v", res, err)
	}
	if !strings.Contains(logs.String(), "item quarantined") || !strings.Contains(logs.String(), "distinct_inputs=21") {
		t.Errorf("no alert in the log: %s", logs.String())
	}
	if r := doKey(t, admin, "GET", s.url+"/metrics", ""); !strings.Contains(string(r.body), "herken_quarantines_total 1") {
		t.Errorf("no quarantine metric")
	}
	if r := doKey(t, admin, "GET", s.url+"/v1/quarantine", ""); r.status != 200 || !strings.Contains(string(r.body), `"flood_limit":20`) || !strings.Contains(string(r.body), `"poster"`) {
		t.Errorf("quarantine list: %d %s", r.status, r.body)
	}
	if r := doKey(t, crawler, "GET", s.url+"/v1/quarantine", ""); r.status != 403 {
		t.Errorf("a crawler lists the quarantine: %d", r.status)
	}
	if r := doKey(t, analyst, "POST", s.url+"/v1/items/1/release", `{"reason":""}`); r.status != 400 {
		t.Errorf("release without a reason: %d %s", r.status, r.body)
	}
	if r := doKey(t, analyst, "POST", s.url+"/v1/items/1/release", `{"reason":"checked: a real copy, re-posted widely"}`); r.status != 200 {
		t.Fatalf("release: %d %s", r.status, r.body)
	}
	if r := doKey(t, analyst, "POST", s.url+"/v1/items/1/release", `{"reason":"again"}`); r.status != 409 {
		t.Errorf("second release: %d %s", r.status, r.body)
	}
	// Released, the item matches again, and the flood guard spares it.
	for i := 23; i < 50; i++ {
		if r := lookup(crawler, i); r.json(t)["matched"] != true {
			t.Fatalf("after release, input %d: %s", i, r.body)
		}
	}
	if d := auditDetails(t, s, admin, "action=item_release"); !strings.Contains(d, "released item 1 from quarantine: checked: a real copy") {
		t.Errorf("release not audited: %s", d)
	}
	if d := auditDetails(t, s, admin, "action=lookup"); !strings.Contains(d, `"quarantined_items":[1]`) {
		t.Errorf("quarantined matches not in the audit records")
	}
	if d := auditDetails(t, s, admin, "action=lookup"); !strings.Contains(d, "quarantined: 1 (bank demo)") {
		t.Errorf("quarantined matches not audited")
	}
}

// TestFloodWindow: inputs more than an hour apart do not add up.
func TestFloodWindow(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	var quarantined []uint64
	g := newFloodGuard(3, func(id uint64, _ known.Quarantine) (known.Item, error) {
		quarantined = append(quarantined, id)
		return known.Item{}, nil
	}, slog.New(slog.NewTextHandler(io.Discard, nil)), &metrics{set: vm.NewSet()})
	g.now = func() time.Time { return now }
	ms := []matcher.Match{{ItemID: 7}}
	for i := range 12 {
		sig, _ := matcher.NewSignal(matcher.MD5, []byte(fmt.Sprintf("%016d", i)))
		g.observe([]matcher.Signal{sig}, ms)
		now = now.Add(25 * time.Minute) // 3 inputs in any hour, never 4
	}
	if len(quarantined) != 0 {
		t.Fatalf("quarantined over a day of slow checks: %v", quarantined)
	}
	for i := range 4 {
		sig, _ := matcher.NewSignal(matcher.MD5, []byte(fmt.Sprintf("x%015d", i)))
		g.observe([]matcher.Signal{sig}, ms)
	}
	if len(quarantined) != 1 || quarantined[0] != 7 {
		t.Errorf("four distinct inputs at once over a limit of 3: %v", quarantined)
	}
}
