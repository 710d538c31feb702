package web

import (
	"embed"
	"errors"
	"path"
	"strings"

	"github.com/valyala/fasthttp"
)

//go:embed assets
var assets embed.FS

// ErrNotFound is returned by Serve for a file the page does not have.
var ErrNotFound = errors.New("web: no such file")

// ContentSecurityPolicy is sent with every asset. Scripts, styles and
// connections come from the service itself only; images and media may
// also be object URLs (blob:), for the local preview of the analyst's own
// file; nothing may frame the page.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// contentTypes are fixed here rather than taken from the system's MIME
// table, which may differ between hosts.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
}

// Serve answers a request for the page: file "" is the page itself
// (index.html), any other name a file of /ui/. It writes the asset with
// its security headers, or returns ErrNotFound and writes nothing.
func Serve(ctx *fasthttp.RequestCtx, file string) error {
	if file == "" {
		file = "index.html"
	}
	if strings.ContainsAny(file, "/\\") || strings.HasPrefix(file, ".") {
		return ErrNotFound
	}
	body, err := assets.ReadFile(path.Join("assets", file))
	if err != nil {
		return ErrNotFound
	}
	ctype, ok := contentTypes[path.Ext(file)]
	if !ok {
		return ErrNotFound
	}
	h := &ctx.Response.Header
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	// The assets change with the binary: revalidate rather than cache.
	h.Set("Cache-Control", "no-cache")
	ctx.SetContentType(ctype)
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.SetBody(body)
	return nil
}
