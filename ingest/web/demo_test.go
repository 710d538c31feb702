package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/atkm/herken/ingest/service"
)

// TestDemoModeSignIn: a service run with --insecure-no-auth says on its
// sign-in page that any key works, and one does; a service with keys says
// nothing of the kind.
func TestDemoModeSignIn(t *testing.T) {
	demo := startEnvWith(t, func(c *service.Config) { c.InsecureNoAuth = true })
	secure := startEnv(t)
	ctx := browser(t, 1366, 768)
	errs := consoleErrors(t, ctx)

	do(t, ctx, chromedp.Navigate(demo.url+"/"), chromedp.WaitVisible(chromedp.ID("signin-demo")))
	text := textOf(t, ctx, "#signin-demo")
	for _, want := range []string{"any key works", "--insecure-no-auth"} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo notice lacks %q: %q", want, text)
		}
	}
	signIn(t, ctx, "anything")
	waitText(t, ctx, "#who-role", "admin")

	do(t, ctx, chromedp.Navigate(secure.url+"/"), chromedp.WaitVisible(chromedp.ID("signin-key")))
	if visible(t, ctx, "#signin-demo") {
		t.Error("a service with keys says any key works")
	}
	if e := errs(); len(e) > 0 {
		t.Errorf("console errors: %v", e)
	}
}
