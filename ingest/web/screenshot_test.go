package web_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher"
)

var screenshots = flag.String("screenshots", "", "write PNGs of the page's main views to this folder (make screenshots)")

// TestScreenshots writes the README's pictures of the page at 1366x768,
// the laptop screen it must be readable on. It runs only with
// -screenshots DIR.
func TestScreenshots(t *testing.T) {
	if *screenshots == "" {
		t.Skip("run with -screenshots DIR (make screenshots)")
	}
	if err := os.MkdirAll(*screenshots, 0o755); err != nil {
		t.Fatal(err)
	}
	e := startEnv(t)
	if _, err := e.store.CreateBank(matcher.Bank{Name: "analysts", Enabled: true, Source: "ATKM analysts",
		Description: "items identified by ATKM's analysts", Categories: []matcher.Category{matcher.Threat}}); err != nil {
		t.Fatal(err)
	}
	addPhoto(t, e.store, "analysts", "pdq/debian/derived/t06_fruits__reencode_q92.jpg", "RO-2026-017", matcher.Instruction)
	addPhoto(t, e.store, "analysts", "pdq/debian/derived/t05_baboon__reencode_q92.jpg", "RO-2026-023", matcher.SolicitationParticipate, matcher.Threat)
	old, _ := addPhoto(t, e.store, "analysts", "pdq/debian/derived/t07_building__reencode_q92.jpg", "RO-2026-031", matcher.Threat)
	if _, err := e.store.Retract(old, "complaint upheld (art. 10): not terrorist content", "key:analyst-1"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"square-512x512.jpg", "high-contrast.jpg"} {
		addPhoto(t, e.store, "demo", "pdq/threatexchange/pdq/data/bridge-mods/"+f, "", matcher.Incitement)
	}

	ctx := browser(t, 1366, 768)
	shot := func(name string) {
		t.Helper()
		buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*screenshots, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do(t, ctx, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(chromedp.ID("signin-key")))
	signIn(t, ctx, "hk_not_a_real_key")
	waitText(t, ctx, "#signin-error", "Not signed in")
	shot("signin")

	signIn(t, ctx, e.analystKey)
	waitText(t, ctx, "#who-role", "analyst")
	checkFile(t, ctx, "pdq/debian/derived/t06_fruits__jpegq30.jpg")
	waitVerdict(t, ctx, "MATCH")
	shot("check-match")

	checkFile(t, ctx, unknownJPEG)
	waitVerdict(t, ctx, "NO MATCH")
	shot("check-nomatch")

	do(t, ctx, chromedp.Click(chromedp.CSS(`nav button[data-view="batch"]`)))
	pdq, _ := e.knownHashes.Signal(matcher.PDQ)
	setValue(t, ctx, "#batch-text", "pdq:"+pdq.String()+"\nmd5:00000000000000000000000000000000\nhttp://10.0.0.7/poster.jpg\n")
	do(t, ctx, chromedp.SetUploadFiles(chromedp.ID("batch-files"), []string{
		fixtures.Path("pdq/threatexchange/pdq/data/bridge-mods/blur-a-lot.jpg"),
		fixtures.Path("pdq/debian/derived/t05_baboon__jpegq30.jpg"),
		fixtures.Path("pdq/debian/derived/t07_building__jpegq30.jpg"),
		fixtures.Path(unknownJPEG),
	}), chromedp.Click(chromedp.ID("batch-run")))
	waitText(t, ctx, "#batch-count", "7 of 7 done")
	shot("batch")

	do(t, ctx, chromedp.Click(chromedp.CSS(`nav button[data-view="banks"]`)))
	waitText(t, ctx, "#bank-table", "demo")
	eval[bool](t, ctx, `[...document.querySelectorAll("#bank-table button")].find(b => b.textContent === "analysts").click() ?? true`)
	waitText(t, ctx, "#items-h", "analysts")
	waitText(t, ctx, "#item-table", "RO-2026-031")
	shot("banks")

	do(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#item-table button[aria-label="Open item %d"]`, old))))
	waitText(t, ctx, "#item-body", "complaint upheld")
	setValue(t, ctx, "#status-reason", "decision overturned on review")
	do(t, ctx, chromedp.Click(chromedp.ID("status-submit")))
	waitText(t, ctx, "#status-confirm-text", "Re-activate item")
	shot("item")
}
