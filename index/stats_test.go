package index

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// TestReportScriptedMonth scripts a month of activity (checks by every
// channel, matches, shadow matches, an error, verdicts, a retraction, a
// quarantine) and checks the report's counts; they stay the same once
// the audit log has forgotten the records, and today's records count live.
func TestReportScriptedMonth(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	db, err := Open(dir, Options{Create: true, NoSync: true, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	c := db.Content()
	mustBank(t, c, "partner", true)
	mustBank(t, c, "trial", true)
	md5 := func(s string) signals.Signal { return sig(t, signals.MD5, s) }
	a := addOne(t, c, known.Item{Bank: "partner", Label: "a", Categories: []known.Category{known.Incitement}, Signals: []signals.Signal{md5("00000000000000000000000000000001")}})
	b := addOne(t, c, known.Item{Bank: "partner", Label: "b", Categories: []known.Category{known.Threat, known.Instruction}, Signals: []signals.Signal{md5("00000000000000000000000000000002")}})
	cc := addOne(t, c, known.Item{Bank: "trial", Label: "c", Categories: []known.Category{known.Threat}, Signals: []signals.Signal{md5("00000000000000000000000000000003")}})
	log := db.AuditLog()
	rec := func(day, hour int, action, decision string, matched []uint64) AuditRecord {
		r := AuditRecord{Time: time.Date(2026, 11, day, hour, 0, 0, 0, time.UTC), KeyID: "k1", Action: action, Status: 200, Decision: decision, Matched: matched}
		if day == 0 {
			r.Time = time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)
		}
		return r
	}
	log.Record(rec(0, 0, "match", "match", []uint64{a})) // the day before: not counted
	for day := 1; day <= 30; day++ {
		log.Record(rec(day, 8, "match", "match", []uint64{a}))
		log.Record(rec(day, 9, "match", "match", []uint64{a}))
		log.Record(rec(day, 9, "match_url", "no_match", nil))
		log.Record(rec(day, 10, "lookup", "match", []uint64{b}))
		log.Record(rec(day, 10, "lookup", "no_match", nil))
		log.Record(rec(day, 11, "hma_lookup", "no_match", nil))
		log.Record(rec(day, 12, "batch", "match", []uint64{a, b}))
		if day%2 == 0 {
			r := rec(day, 13, "lookup", "no_match", nil)
			r.Shadow = []uint64{cc}
			log.Record(r)
		}
	}
	bad := rec(5, 14, "match", "error", nil)
	bad.Status = 400
	log.Record(bad)
	fp := rec(10, 15, "item_feedback", "done", []uint64{a})
	fp.Verdict = "false_positive"
	ok := rec(11, 15, "item_feedback", "done", []uint64{b})
	ok.Verdict = "confirmed"
	log.Record(fp)
	log.Record(ok)
	now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	if _, err := c.Retract(b, "complaint upheld", "key:an"); err != nil {
		t.Fatal(err)
	}
	now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	if _, err := c.Quarantine(a, known.Quarantine{Inputs: 600, Limit: 500, Window: time.Hour}); err != nil {
		t.Fatal(err)
	}
	now = time.Date(2026, 12, 2, 10, 30, 0, 0, time.UTC)
	log.Record(AuditRecord{Time: now, Action: "match", Status: 200, Decision: "match", Matched: []uint64{b}}) // today, live
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	want := func(r Report) {
		t.Helper()
		if r.From != "2026-11-01" || r.To != "2026-11-30" || r.Inputs != 225 ||
			!reflect.DeepEqual(r.InputsByChannel, map[string]int{"upload": 60, "url": 30, "hash": 105, "batch": 30}) {
			t.Errorf("inputs: %d %v", r.Inputs, r.InputsByChannel)
		}
		wantAll := Tally{Matches: 120, ItemsMatched: 2, Shadow: 15, Confirmed: 1, FalsePositive: 1, Retractions: 1, Quarantines: 1}
		if r.Tally != wantAll {
			t.Errorf("totals %+v, want %+v", r.Tally, wantAll)
		}
		wantBanks := map[string]Tally{
			"partner": {Matches: 120, ItemsMatched: 2, Confirmed: 1, FalsePositive: 1, Retractions: 1, Quarantines: 1},
			"trial":   {Shadow: 15},
		}
		wantCats := map[string]Tally{
			"incitement":  {Matches: 90, ItemsMatched: 1, FalsePositive: 1, Quarantines: 1},
			"threat":      {Matches: 60, ItemsMatched: 1, Shadow: 15, Confirmed: 1, Retractions: 1},
			"instruction": {Matches: 60, ItemsMatched: 1, Confirmed: 1, Retractions: 1},
		}
		for name, w := range wantBanks {
			if g := r.Banks[name]; g == nil || *g != w {
				t.Errorf("bank %s: %+v, want %+v", name, g, w)
			}
		}
		for name, w := range wantCats {
			if g := r.Categories[name]; g == nil || *g != w {
				t.Errorf("category %s: %+v, want %+v", name, g, w)
			}
		}
		if len(r.RetractionList) != 1 || r.RetractionList[0].ItemID != b || r.RetractionList[0].Reason != "complaint upheld" {
			t.Errorf("retractions: %+v", r.RetractionList)
		}
		if len(r.Days) != 30 || r.Days[0] != (DayMatches{Day: "2026-11-01", Inputs: 7, Matches: 4}) || r.Days[1].Inputs != 8 {
			t.Errorf("days: %+v", r.Days[:2])
		}
	}
	// Opened again, the complete hours are reduced to aggregates.
	db, err = Open(dir, Options{NoSync: true, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.Report(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want(r)
	var csvOut strings.Builder
	if err := r.WriteCSV(&csvOut); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"2026-11-01,2026-11-30,total,,225,60,30,105,30,120,2,15,0,0,1,1,1,1",
		"2026-11-01,2026-11-30,bank,trial,,,,,,0,0,15,0,0,0,0,0,0",
		"2026-11-01,2026-11-30,category,threat,,,,,,60,1,15,0,0,1,0,1,0",
	} {
		if !strings.Contains(csvOut.String(), line+"\n") {
			t.Errorf("the CSV lacks %q:\n%s", line, csvOut.String())
		}
	}
	if today, err := db.Report(now, now); err != nil || today.Inputs != 1 || today.Matches != 1 || today.Banks["partner"].Matches != 1 {
		t.Errorf("today, live: %+v %v", today, err)
	}
	if _, err := db.Report(now, now.AddDate(0, 0, -1)); err == nil {
		t.Error("a report ending before it starts")
	}
	db.Close()
	// With the records gone (a retention of an hour), the counts stay.
	db, err = Open(dir, Options{NoSync: true, Now: clock, AuditRetention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if recs, err := db.AuditLog().Query(AuditQuery{Until: now.Add(-2 * time.Hour), Limit: 10000}); err != nil || len(recs) != 0 {
		t.Fatalf("records left after expiry: %d %v", len(recs), err)
	}
	r, err = db.Report(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want(r)
}
