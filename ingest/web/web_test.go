package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestServe(t *testing.T) {
	f := func(file string, wantType string) {
		t.Helper()
		var ctx fasthttp.RequestCtx
		if err := Serve(&ctx, file); err != nil {
			t.Fatalf("%q: %v", file, err)
		}
		h := &ctx.Response.Header
		if got := string(h.ContentType()); got != wantType {
			t.Errorf("%q: Content-Type %q, want %q", file, got, wantType)
		}
		for k, want := range map[string]string{
			"Content-Security-Policy": ContentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "no-referrer",
		} {
			if got := string(h.Peek(k)); got != want {
				t.Errorf("%q: %s %q, want %q", file, k, got, want)
			}
		}
		if len(ctx.Response.Body()) == 0 {
			t.Errorf("%q: empty body", file)
		}
	}
	f("", "text/html; charset=utf-8")
	f("app.js", "text/javascript; charset=utf-8")
	f("style.css", "text/css; charset=utf-8")
	f("icon.svg", "image/svg+xml")
	for _, bad := range []string{"nope.js", "../web.go", ".hidden", "assets", "index", "a/b.js"} {
		var ctx fasthttp.RequestCtx
		if err := Serve(&ctx, bad); err != ErrNotFound {
			t.Errorf("%q: %v, want ErrNotFound", bad, err)
		}
	}
	for _, d := range []string{"default-src 'self'", "script-src 'self';", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(ContentSecurityPolicy, d) {
			t.Errorf("the CSP lacks %q", d)
		}
	}
}

// TestAssetsSelfContained: no inline script or handler, no style
// attribute, no other origin, no innerHTML: what the CSP and the
// escaping rule demand, checked at the source.
func TestAssetsSelfContained(t *testing.T) {
	bad := []struct {
		re   *regexp.Regexp
		what string
	}{
		{regexp.MustCompile(`<script(?:\s+type="module")?>`), "an inline script"},
		{regexp.MustCompile(`\son[a-z]+\s*=`), "an inline event handler"},
		{regexp.MustCompile(`\sstyle\s*=`), "a style attribute"},
		{regexp.MustCompile(`(?:src|href|url\()\s*=?\s*["']?(?:https?:)?//`), "another origin"},
		{regexp.MustCompile(`@import|@font-face`), "an imported style or font"},
		{regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function`), "HTML or code built from strings"},
		{regexp.MustCompile(`localStorage\.setItem|document\.cookie`), "the key kept beyond the tab"},
	}
	err := fs.WalkDir(assets, "assets", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(path)
		if err != nil {
			return err
		}
		for _, c := range bad {
			if loc := c.re.FindIndex(b); loc != nil {
				t.Errorf("%s has %s: %q", path, c.what, b[loc[0]:loc[1]])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
