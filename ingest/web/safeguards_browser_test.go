package web_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
)

// TestSafeguardsPage drives the safeguards on the page against a real
// service: an analyst records a false-positive verdict on a match and
// allow-lists the content in one step from the match card; the same file
// then matches nothing and the page names the allow-list item; a shadow
// bank's match is shown to the analyst as a shadow match, not a match.
func TestSafeguardsPage(t *testing.T) {
	e := startEnv(t)
	for _, b := range []matcher.Bank{
		{Name: "harmless", Enabled: true, Mode: matcher.Allow, Categories: []matcher.Category{matcher.Incitement}},
		{Name: "trial", Enabled: true, Mode: matcher.Shadow, Categories: []matcher.Category{matcher.Threat}},
	} {
		if _, err := e.store.CreateBank(b); err != nil {
			t.Fatal(err)
		}
	}
	addPhoto(t, e.store, "trial", unknownJPEG, "RO-TRIAL-7", matcher.Threat)
	ctx := browser(t, 1366, 900)
	errs := consoleErrors(t, ctx)
	do(t, ctx, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(chromedp.ID("signin-key")))
	signIn(t, ctx, e.analystKey)
	waitText(t, ctx, "#who-role", "analyst")

	checkFile(t, ctx, knownJPEG)
	waitVerdict(t, ctx, "MATCH")
	card := fmt.Sprintf(`#check-result article[data-item-id="%d"]`, e.knownID)
	setValue(t, ctx, card+" .fb-note", "public broadcaster logo")
	do(t, ctx, chromedp.Click(chromedp.CSS(card+" .fb-false_positive")))
	waitText(t, ctx, card+" .fb-message", "Recorded: false positive")
	if f, err := e.store.Feedback(e.knownID); err != nil || f.FalsePositive != 1 || f.Last.Note != "public broadcaster logo" {
		t.Fatalf("feedback stored: %+v %v", f, err)
	}
	waitFor(t, ctx, card+" .allow-add", fmt.Sprintf(`!document.querySelector(%q).disabled`, card+" .allow-add"), "enabled")
	do(t, ctx, chromedp.Click(chromedp.CSS(card+" .allow-add")))
	waitText(t, ctx, card+" .fb-message", "Allow-listed as item")
	allowed, err := e.store.Items(index.ItemFilter{Bank: "harmless"})
	if err != nil || len(allowed) != 1 || allowed[0].Label != "public broadcaster logo" {
		t.Fatalf("allow-list items: %+v %v", allowed, err)
	}

	checkFile(t, ctx, knownJPEG)
	waitVerdict(t, ctx, "NO MATCH")
	want := fmt.Sprintf("suppressed by allow-list item %d: 'public broadcaster logo'", allowed[0].ID)
	waitText(t, ctx, "#check-result", want)
	waitText(t, ctx, "#check-result", "Suppressed by an allow-list")

	do(t, ctx, chromedp.Click(chromedp.CSS(`nav button[data-view="banks"]`)))
	waitText(t, ctx, "#view-banks", "shadow: shown to analysts only, until promoted")
	waitText(t, ctx, "#view-banks", "allow-list: suppresses other banks' matches")

	checkFile(t, ctx, unknownJPEG)
	waitVerdict(t, ctx, "NO MATCH")
	waitText(t, ctx, "#check-result", "Shadow matches")
	if text := textOf(t, ctx, "#check-result"); !strings.Contains(text, "RO-TRIAL-7") || !strings.Contains(text, "in bank trial") {
		t.Errorf("the shadow match is not shown: %s", text)
	}
	if got := errs(); len(got) > 0 {
		t.Errorf("console errors: %v", got)
	}
}

// TestQuarantinePage: an analyst signing in is alerted to an item
// quarantined for a flood, sees its matches as quarantined candidates
// with the reason, and releases it from the alert; it then matches again.
func TestQuarantinePage(t *testing.T) {
	e := startEnv(t)
	if _, err := e.store.Quarantine(e.knownID, matcher.Quarantine{Inputs: 501, Limit: 500, Window: time.Hour, By: "flood guard"}); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t, 1366, 900)
	errs := consoleErrors(t, ctx)
	do(t, ctx, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(chromedp.ID("signin-key")))
	signIn(t, ctx, e.analystKey)
	waitText(t, ctx, "#quarantine-alert", "An item is in quarantine")
	waitText(t, ctx, "#quarantine-alert", "501 distinct inputs")

	checkFile(t, ctx, knownJPEG)
	waitVerdict(t, ctx, "NO MATCH")
	waitText(t, ctx, "#check-result", "Quarantined candidates")
	waitText(t, ctx, "#check-result", "quarantined candidate: the item matched 501 distinct inputs within 1h0m0s")

	do(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#quarantine-alert button.release[data-item="%d"]`, e.knownID))))
	waitText(t, ctx, "#quarantine-alert", "a reason")
	setValue(t, ctx, "#quarantine-alert .release-reason", "a real copy, re-posted widely")
	do(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#quarantine-alert button.release[data-item="%d"]`, e.knownID))))
	waitText(t, ctx, "#quarantine-alert", "Released")
	checkFile(t, ctx, knownJPEG)
	waitVerdict(t, ctx, "MATCH")
	if got := errs(); len(got) > 0 {
		t.Errorf("console errors: %v", got)
	}
}

// TestReportPage: the report view counts the day's activity and draws
// its charts in SVG; with -screenshots DIR it writes report.png.
func TestReportPage(t *testing.T) {
	e := startEnv(t)
	md5, _ := e.knownHashes.Signal(matcher.MD5)
	call := func(key, method, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	for _, v := range []string{md5.String(), md5.String(), strings.Repeat("0", 32)} {
		call(e.crawlerKey, "POST", "/v1/lookup", `{"signals":[{"type":"md5","value":"`+v+`"}]}`)
	}
	call(e.analystKey, "POST", fmt.Sprintf("/v1/items/%d/feedback", e.knownID), `{"verdict":"false_positive","note":"a logo"}`)
	time.Sleep(600 * time.Millisecond) // the audit log is written in batches

	ctx := browser(t, 1366, 768)
	errs := consoleErrors(t, ctx)
	do(t, ctx, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(chromedp.ID("signin-key")))
	signIn(t, ctx, e.analystKey)
	waitText(t, ctx, "#who-role", "analyst")
	do(t, ctx, chromedp.Click(chromedp.CSS(`nav button[data-view="report"]`)))
	waitText(t, ctx, "#report-totals", "3 (upload 0, URL 0, hash 3, batch 0)")
	for sel, want := range map[string]string{
		"#report-totals":    "2, of 1 distinct items",
		"#chart-categories": "incitement",
		"#chart-banks":      "demo",
		"#chart-fp":         "100% (1 of 1)",
	} {
		waitText(t, ctx, sel, want)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#chart-days svg rect").length`); n < 1 || n > 31 {
		t.Errorf("%d day columns", n)
	}
	if *screenshots != "" {
		buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*screenshots, "report.png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := errs(); len(got) > 0 {
		t.Errorf("console errors: %v", got)
	}
}
