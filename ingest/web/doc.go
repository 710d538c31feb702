// Package web is herken's analyst page: plain HTML, CSS and JavaScript
// embedded in the binary and served by the service at "/" and "/ui/...",
// same origin as the API, with no framework, build step, CDN or external
// font, so that it works on a closed network.
//
// The page talks only to the service's own JSON API with the analyst's API
// key, which it keeps in the browser tab's sessionStorage and sends in the
// Authorization header, never in a URL. Everything the API returns is put
// on the page as text (textContent), never as HTML. Every asset is served
// with a strict Content-Security-Policy (no inline script, no other
// origin, no framing) and X-Content-Type-Options: nosniff.
//
// The page and its assets are public: they hold no data. What a signed-in
// user may do is decided by the API; the page only hides what the key's
// role may not call.
//
// Serve is safe for concurrent use: the assets are read-only.
package web
