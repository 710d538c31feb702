package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
)

// TestSafeguardVerbs: bank modes, promotion and feedback from the command
// line, and an allow-list suppressing a match in herken match.
func TestSafeguardVerbs(t *testing.T) {
	data := newDataDir(t)
	run := func(wantCode int, args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, "", append(args, "--data", data)...)
		if code != wantCode {
			t.Fatalf("%v: exit %d, want %d: %s%s", args, code, wantCode, out, errOut)
		}
		return out + errOut
	}
	run(0, "bank", "create", "harmless", "--mode", "allow", "--category", "incitement")
	run(0, "bank", "create", "trial", "--mode", "shadow", "--category", "incitement")
	if out := run(2, "bank", "create", "odd", "--mode", "watch"); !strings.Contains(out, `unknown bank mode "watch"`) {
		t.Errorf("unknown mode: %s", out)
	}
	run(0, "item", "add", "--bank", "demo", "--signal", "md5:"+abcMD5, "--label", "bad entry")
	run(0, "item", "add", "--bank", "harmless", "--signal", "md5:"+abcMD5, "--label", "public broadcaster logo")
	var line struct{ Result matcher.Result }
	out := run(0, "match", "--json", "--signal", "md5:"+abcMD5)
	if err := json.Unmarshal([]byte(out), &line); err != nil {
		t.Fatalf("match --json: %v: %s", err, out)
	}
	if res := line.Result; res.Matched || len(res.Suppressed) != 1 || !strings.HasPrefix(res.Suppressed[0].Reason, "suppressed by allow-list item 2: 'public broadcaster logo'") {
		t.Errorf("allow-listed match: %s", out)
	}
	if out := run(0, "match", "--signal", "md5:"+abcMD5); !strings.Contains(out, "suppressed by allow-list item 2") {
		t.Errorf("match without --json does not say what was suppressed: %s", out)
	}
	if out := run(1, "bank", "promote", "harmless"); !strings.Contains(out, "only a shadow bank is promoted") {
		t.Errorf("promoting an allow bank: %s", out)
	}
	var b matcher.Bank
	if err := json.Unmarshal([]byte(run(0, "bank", "promote", "trial", "--json")), &b); err != nil || b.Mode != matcher.Block ||
		!strings.HasPrefix(b.PromotedBy, "cli") || b.PromotedAt == nil {
		t.Errorf("promoted bank: %+v %v", b, err)
	}
	if out := run(0, "bank", "show", "trial"); !strings.Contains(out, "mode:        block") || !strings.Contains(out, "promoted:") {
		t.Errorf("bank show: %s", out)
	}
	run(0, "item", "feedback", "1", "--verdict", "confirmed", "--note", "seen before")
	var f matcher.Feedback
	if err := json.Unmarshal([]byte(run(0, "item", "feedback", "1", "--verdict", "false-positive", "--note", "a logo", "--json")), &f); err != nil ||
		f.Confirmed != 1 || f.FalsePositive != 1 || f.Last.Note != "a logo" {
		t.Errorf("feedback: %+v %v", f, err)
	}
	if out := run(2, "item", "feedback", "1"); !strings.Contains(out, "--verdict") {
		t.Errorf("feedback without a verdict: %s", out)
	}
	if out := run(2, "item", "feedback", "1", "--verdict", "maybe"); !strings.Contains(out, "unknown verdict") {
		t.Errorf("unknown verdict: %s", out)
	}
	if out := run(1, "item", "feedback", "99", "--verdict", "confirmed"); !strings.Contains(out, "not found") {
		t.Errorf("feedback on a missing item: %s", out)
	}
	if out := run(1, "item", "release", "1", "--reason", "checked"); !strings.Contains(out, "not quarantined") {
		t.Errorf("release of an item not in quarantine: %s", out)
	}
	if out := run(2, "item", "release", "1"); !strings.Contains(out, "--reason") {
		t.Errorf("release without a reason: %s", out)
	}
	db, err := index.Open(data, index.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Content().Quarantine(1, matcher.Quarantine{Inputs: 600, Limit: 500, Window: time.Hour, By: "flood guard"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if out := run(0, "item", "release", "1", "--reason", "a real copy"); !strings.Contains(out, "released") || !strings.Contains(out, "a real copy") {
		t.Errorf("release: %s", out)
	}
}

// TestReportCommand: herken report counts what herken match and item
// retract did today, as text, JSON and CSV, and refuses a bad period.
func TestReportCommand(t *testing.T) {
	data := newDataDir(t)
	run := func(wantCode int, args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, "", append(args, "--data", data)...)
		if code != wantCode {
			t.Fatalf("%v: exit %d, want %d: %s%s", args, code, wantCode, out, errOut)
		}
		return out + errOut
	}
	run(0, "item", "add", "--bank", "demo", "--signal", "md5:"+abcMD5, "--label", "x")
	run(0, "item", "retract", "1", "--reason", "complaint upheld")
	today := time.Now().UTC().Format("2006-01-02")
	out := run(0, "report", "--from", today, "--to", today)
	if !strings.Contains(out, "retractions: 1") || !strings.Contains(out, "complaint upheld") || !strings.Contains(out, "demo") {
		t.Errorf("report: %s", out)
	}
	var rep index.Report
	if err := json.Unmarshal([]byte(run(0, "report", "--from", today, "--to", today, "--json")), &rep); err != nil || rep.Retractions != 1 || rep.Banks["demo"].Retractions != 1 {
		t.Errorf("report --json: %+v %v", rep, err)
	}
	if out := run(0, "report", "--from", today, "--to", today, "--csv"); !strings.Contains(out, today+","+today+",bank,demo,") {
		t.Errorf("report --csv: %s", out)
	}
	for _, args := range [][]string{{"report"}, {"report", "--from", "2026-11-02", "--to", "2026-11-01"}, {"report", "--from", "nov", "--to", "2026-11-01"}} {
		run(2, args...)
	}
}
