package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher"
)

// TestBrowser drives the page in headless Chromium against a real
// service: a wrong key, signing in, a known file that matches with its
// evidence, an unknown file that does not, retracting the item from the
// page and the same file no longer matching.
func TestBrowser(t *testing.T) {
	e := startEnv(t)
	ctx := browser(t, 1366, 768)
	errs := consoleErrors(t, ctx)
	do(t, ctx, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(chromedp.ID("signin-key")))

	t.Run("wrong key", func(t *testing.T) {
		signIn(t, ctx, "hk_thisisnotakey")
		waitText(t, ctx, "#signin-error", "Not signed in: that is not a herken API key")
		signIn(t, ctx, e.analystKey[:len(e.analystKey)-2]+"zz")
		waitText(t, ctx, "#signin-error", "unknown API key")
		if visible(t, ctx, "#nav") {
			t.Error("the views are offered without a valid key")
		}
	})

	t.Run("sign in", func(t *testing.T) {
		signIn(t, ctx, e.analystKey)
		waitText(t, ctx, "#who-role", "analyst")
		waitText(t, ctx, "#who-name", "Analyst A. (test)")
		if !visible(t, ctx, `nav button[data-view="banks"]`) {
			t.Error("an analyst is not offered the banks")
		}
		// The key is kept for the tab only, never in localStorage or the URL.
		got := eval[string](t, ctx, `JSON.stringify([localStorage.length, location.href.includes("hk_"), sessionStorage.getItem("herken.key") !== null])`)
		if got != "[0,false,true]" {
			t.Errorf("key storage [localStorage items, key in URL, in sessionStorage] = %s", got)
		}
	})

	t.Run("known file matches with its evidence", func(t *testing.T) {
		checkFile(t, ctx, knownJPEG)
		waitVerdict(t, ctx, "MATCH")
		text := textOf(t, ctx, "#check-result")
		want := []string{"This is a copy of a known item", fmt.Sprintf("Item %d in bank demo", e.knownID),
			"incitement", "aaa-orig.jpg", "RO-2026-001", "pdq: 0 of 256 bits differ; the bank's threshold is 31",
			"md5: identical", "sha256: identical", "quality 100"}
		// The page explains each match in the words of matcher.Match.Explain.
		l, err := matcher.Identify(e.store, matcher.Queries(e.knownHashes, true), matcher.DefaultRule)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range l.Matches {
			want = append(want, m.Explain())
		}
		for _, s := range e.knownHashes.Signals {
			want = append(want, s.String())
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("the result lacks %q:\n%s", w, text)
			}
		}
		if !visible(t, ctx, "#preview-img") {
			t.Error("no local preview of the file")
		}
		if src := eval[string](t, ctx, `document.getElementById("preview-img").src`); !strings.HasPrefix(src, "blob:") {
			t.Errorf("the preview is %q, not an object URL", src)
		}
	})

	t.Run("unknown file does not match", func(t *testing.T) {
		checkFile(t, ctx, unknownJPEG)
		waitVerdict(t, ctx, "NO MATCH")
		waitText(t, ctx, "#check-result", "t09_astronaut__reencode_q92.jpg")
	})

	t.Run("hash and URL", func(t *testing.T) {
		pdq, _ := e.knownHashes.Signal(matcher.PDQ)
		setValue(t, ctx, "#hash-input", "pdq:"+pdq.String())
		do(t, ctx, chromedp.Click(chromedp.CSS("#hash-form button")))
		waitVerdict(t, ctx, "MATCH")
		waitText(t, ctx, "#check-result", "pdq: 0 of 256 bits differ")
		setValue(t, ctx, "#hash-input", "00ff")
		setValue(t, ctx, "#hash-type", "md5")
		do(t, ctx, chromedp.Click(chromedp.CSS("#hash-form button")))
		waitVerdict(t, ctx, "NOT CHECKED")
		// The URL is refused by the SSRF guard, and the page says why.
		setValue(t, ctx, "#url-input", "http://127.0.0.1/poster.jpg")
		do(t, ctx, chromedp.Click(chromedp.CSS("#url-form button")))
		waitVerdict(t, ctx, "NOT CHECKED")
		if text := textOf(t, ctx, "#verdict"); !strings.Contains(text, "127.0.0.1") {
			t.Errorf("the refusal does not say why: %q", text)
		}
	})

	t.Run("retract from the page", func(t *testing.T) {
		checkFile(t, ctx, knownJPEG)
		waitVerdict(t, ctx, "MATCH")
		do(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#check-result button[data-item="%d"]`, e.knownID))))
		waitText(t, ctx, "#item-body", "RO-2026-001")
		waitText(t, ctx, "#status-submit", "Retract")
		do(t, ctx, chromedp.SendKeys(chromedp.ID("status-reason"), "complaint upheld (art. 10)"),
			chromedp.Click(chromedp.ID("status-submit")))
		waitText(t, ctx, "#status-confirm-text", "Retract item")
		do(t, ctx, chromedp.Click(chromedp.ID("status-yes")))
		waitText(t, ctx, "#item-message", "no longer matches")
		waitText(t, ctx, "#item-body", "complaint upheld (art. 10)")
		it, err := e.store.Item(e.knownID)
		if err != nil || it.Status != matcher.Retracted {
			t.Fatalf("item after retracting: %+v %v", it.Status, err)
		}
		do(t, ctx, chromedp.Click(chromedp.ID("item-close")))
		checkFile(t, ctx, knownJPEG)
		waitVerdict(t, ctx, "NO MATCH")
	})

	t.Run("batch", func(t *testing.T) {
		// Re-activate first, through the API, so that the batch has a match.
		if _, err := e.store.Reactivate(e.knownID, "test", "key:test"); err != nil {
			t.Fatal(err)
		}
		md5, _ := e.knownHashes.Signal(matcher.MD5)
		lines := "md5:" + md5.String() + "\nsha1:" + strings.Repeat("0", 40) + "\nnot a hash\n"
		do(t, ctx, chromedp.Click(chromedp.CSS(`nav button[data-view="batch"]`)))
		setValue(t, ctx, "#batch-text", lines)
		do(t, ctx, chromedp.SetUploadFiles(chromedp.ID("batch-files"), []string{fixtures.Path(knownJPEG), fixtures.Path(unknownJPEG)}),
			chromedp.Click(chromedp.ID("batch-run")))
		waitText(t, ctx, "#batch-count", "5 of 5 done · 2 matched · 1 errors")
		rows := eval[[]string](t, ctx, `[...document.querySelectorAll("#batch-table tbody tr")].map(r => r.className)`)
		if got := strings.Join(rows, " "); got != "match nomatch error match nomatch" {
			t.Errorf("batch rows: %s", got)
		}
		do(t, ctx, chromedp.Click(chromedp.ID("bf-error")))
		shown := eval[int](t, ctx, `[...document.querySelectorAll("#batch-table tbody tr")].filter(r => !r.hidden).length`)
		if shown != 1 {
			t.Errorf("the errors filter shows %d rows", shown)
		}
	})

	t.Run("banks and items", func(t *testing.T) {
		do(t, ctx, chromedp.Click(chromedp.CSS(`nav button[data-view="banks"]`)))
		waitText(t, ctx, "#status", "Index version")
		waitText(t, ctx, "#item-table", "aaa-orig.jpg")
		if n := eval[int](t, ctx, `document.querySelectorAll("#item-table tbody tr").length`); n != 1 {
			t.Errorf("the bank's items are shown in %d rows", n)
		}
		setValue(t, ctx, "#item-search", "no such label")
		waitText(t, ctx, "#items-count", "0 of 1")
	})

	t.Run("file too large", func(t *testing.T) {
		big := filepath.Join(t.TempDir(), "big.bin")
		if err := os.WriteFile(big, make([]byte, 5<<20), 0o644); err != nil {
			t.Fatal(err)
		}
		do(t, ctx, chromedp.Click(chromedp.CSS(`nav button[data-view="check"]`)),
			chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{big}))
		waitVerdict(t, ctx, "NOT CHECKED")
		waitText(t, ctx, "#verdict", "the limit is 4194304") // the API's 413 message
	})

	if errs := errs(); len(errs) > 0 {
		t.Errorf("the page logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestRoles: a crawler key is offered checking and batches, not banks.
func TestRoles(t *testing.T) {
	e := startEnv(t)
	ctx := browser(t, 1366, 768)
	do(t, ctx, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(chromedp.ID("signin-key")))
	signIn(t, ctx, e.crawlerKey)
	waitText(t, ctx, "#who-role", "crawler")
	if visible(t, ctx, `nav button[data-view="banks"]`) || !visible(t, ctx, `nav button[data-view="batch"]`) {
		t.Error("a crawler is offered the wrong views")
	}
	checkFile(t, ctx, knownJPEG)
	waitVerdict(t, ctx, "MATCH")
	if n := eval[int](t, ctx, `document.querySelectorAll("#check-result button[data-item]").length`); n != 0 {
		t.Error("a crawler is offered to open items")
	}
	// Signing out forgets the key.
	do(t, ctx, chromedp.Click(chromedp.ID("sign-out")), chromedp.WaitVisible(chromedp.ID("signin-key")))
	if eval[bool](t, ctx, `sessionStorage.getItem("herken.key") !== null`) {
		t.Error("the key is kept after signing out")
	}
}

func do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func signIn(t testing.TB, ctx context.Context, key string) {
	t.Helper()
	setValue(t, ctx, "#signin-key", "")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("signin-key"), key), chromedp.Click(chromedp.ID("signin-submit")))
}

// setValue sets a form field's value as typing would, with its events.
func setValue(t testing.TB, ctx context.Context, sel, v string) {
	t.Helper()
	sj, _ := json.Marshal(sel)
	vj, _ := json.Marshal(v)
	if !eval[bool](t, ctx, fmt.Sprintf(`(e => { if (!e) return false; e.value = %s;
		e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return true; })(document.querySelector(%s))`, vj, sj)) {
		t.Fatalf("no field %s", sel)
	}
}

func checkFile(t testing.TB, ctx context.Context, rel string) {
	t.Helper()
	do(t, ctx, chromedp.Click(chromedp.CSS(`nav button[data-view="check"]`)),
		chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{fixtures.Path(rel)}))
}

// waitVerdict waits for the verdict of a check to be want.
func waitVerdict(t testing.TB, ctx context.Context, want string) {
	t.Helper()
	waitFor(t, ctx, "#verdict .verdict-word", fmt.Sprintf(`(document.querySelector("#verdict .verdict-word")?.textContent || "") === %q`, want), want)
}

// waitText waits until the element's text contains want.
func waitText(t testing.TB, ctx context.Context, sel, want string) {
	t.Helper()
	sj, _ := json.Marshal(sel)
	wj, _ := json.Marshal(want)
	waitFor(t, ctx, sel, fmt.Sprintf(`(document.querySelector(%s)?.textContent || "").includes(%s)`, sj, wj), want)
}

// waitFor waits until the JavaScript predicate js holds; on a timeout it
// shows the text of sel.
func waitFor(t testing.TB, ctx context.Context, sel, js, want string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(tctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("%s never showed %q; it shows %q (%v)", sel, want, textOf(t, ctx, sel), err)
	}
}

func textOf(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	sj, _ := json.Marshal(sel)
	return eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%s)?.textContent || ""`, sj))
}

func visible(t testing.TB, ctx context.Context, sel string) bool {
	t.Helper()
	sj, _ := json.Marshal(sel)
	return eval[bool](t, ctx, fmt.Sprintf(`(e => !!e && e.checkVisibility())(document.querySelector(%s))`, sj))
}
