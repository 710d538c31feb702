package service

import (
	_ "embed"
	"net/http"
	"strings"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/web"
)

// handlerFunc answers one request: it writes its answer, or returns an
// error that the error middleware answers.
type handlerFunc func(*call) error

// route is one endpoint: a method and a path pattern whose {name}
// segments are parameters, who may call it, and its handler wrapped in
// the middleware chain (serve).
type route struct {
	method  string
	pattern []string
	name    string       // the endpoint's name in metrics and the audit log
	roles   []index.Role // who may call it; nil: anyone
	handle  handlerFunc
	serve   handlerFunc // handle behind the middleware
	// tool marks an endpoint in another tool's shape (compat.go): its
	// errors carry that tool's "message" too.
	tool bool
}

// routeTable lists every endpoint. The OpenAPI document (openapi.json)
// describes the same table; TestOpenAPIDescribesTheRoutes holds them
// equal.
func routeTable(m *matchHandlers, ct *contentHandlers, a *accessHandlers, mt *metrics) []route {
	r := func(method, path, name string, roles []index.Role, h handlerFunc) route {
		return route{method: method, pattern: strings.Split(strings.Trim(path, "/"), "/"), name: name, roles: roles, handle: h}
	}
	tool := func(rt route) route { rt.tool = true; return rt }
	return []route{
		r("GET", "/healthz", "healthz", nil, ct.healthz),
		r("GET", "/openapi.json", "openapi", nil, openapi),
		r("GET", "/metrics", "metrics", adminOnly, mt.handle),
		r("POST", "/v1/match", "match", anyMatcher, m.matchUpload),
		r("POST", "/v1/match/url", "match_url", anyMatcher, m.matchURL),
		r("POST", "/v1/lookup", "lookup", anyMatcher, m.lookupPost),
		r("GET", "/v1/lookup", "lookup", anyMatcher, m.lookupGet),
		r("POST", "/v1/batch", "batch", batchRoles, m.batch),
		r("GET", "/v1/filter/{type}", "filter", filterRoles, ct.filter),
		r("GET", "/v1/status", "status", analystRoles, ct.status),
		r("GET", "/v1/banks", "banks", analystRoles, ct.listBanks),
		r("POST", "/v1/banks", "bank_create", adminOnly, ct.createBank),
		r("GET", "/v1/banks/{bank}", "bank", analystRoles, ct.getBank),
		r("PATCH", "/v1/banks/{bank}", "bank_update", adminOnly, ct.updateBank),
		r("GET", "/v1/banks/{bank}/items", "items", analystRoles, ct.listItems),
		r("GET", "/v1/banks/{bank}/export", "export", analystRoles, ct.exportBank),
		r("POST", "/v1/banks/{bank}/items", "item_add", adminOnly, ct.addItem),
		r("POST", "/v1/banks/{bank}/items/upload", "item_upload", adminOnly, ct.uploadItem),
		r("POST", "/v1/banks/{bank}/import", "import", adminOnly, ct.importList),
		r("POST", "/v1/banks/{bank}/allow", "bank_allow", analystRoles, ct.allow),
		r("GET", "/v1/items/{id}", "item", analystRoles, ct.getItem),
		r("POST", "/v1/items/{id}/retract", "item_retract", analystRoles, ct.changeStatus(true)),
		r("POST", "/v1/items/{id}/reactivate", "item_reactivate", analystRoles, ct.changeStatus(false)),
		r("POST", "/v1/items/{id}/feedback", "item_feedback", analystRoles, ct.feedback),
		r("POST", "/v1/items/{id}/release", "item_release", analystRoles, ct.release),
		r("GET", "/v1/quarantine", "quarantine", analystRoles, ct.quarantine),
		r("GET", "/v1/report", "report", analystRoles, ct.report),
		r("GET", "/v1/keys", "keys", adminOnly, a.listKeys),
		r("POST", "/v1/keys", "key_create", adminOnly, a.createKey),
		r("POST", "/v1/keys/{id}/revoke", "key_revoke", adminOnly, a.revokeKey),
		r("GET", "/v1/audit", "audit", adminOnly, a.auditQuery),
		r("GET", "/v1/whoami", "whoami", anyMatcher, a.whoami),
		tool(r("GET", "/lookup/{type}/{hash}", "hashlookup_lookup", anyMatcher, m.hashlookupLookup)),
		tool(r("POST", "/bulk/{type}", "hashlookup_bulk", anyMatcher, m.hashlookupBulk)),
		tool(r("GET", "/info", "hashlookup_info", anyMatcher, m.hashlookupInfo)),
		tool(r("GET", "/m/lookup", "hma_lookup", anyMatcher, m.hmaLookupGet)),
		tool(r("POST", "/m/lookup", "hma_lookup", anyMatcher, m.hmaLookupPost)),
		tool(r("GET", "/h/hash", "hma_hash", anyMatcher, m.hmaHashGet)),
		tool(r("POST", "/h/hash", "hma_hash", anyMatcher, m.hmaHashPost)),
		r("GET", "/", "ui", nil, page),
		r("GET", "/ui/{file}", "ui_asset", nil, page),
	}
}

// router finds the route of a request. A request that matches no route
// is given the unknown route, whose handler answers 404 or 405, so that
// it goes through the same middleware (errors, metrics) as any other.
type router struct {
	routes  []route
	unknown route
}

func newRouter(routes []route, chain func(*route) handlerFunc) *router {
	rt := &router{routes: routes}
	for i := range rt.routes {
		rt.routes[i].serve = chain(&rt.routes[i])
	}
	rt.unknown = route{name: "unknown", handle: rt.notFound}
	rt.unknown.serve = chain(&rt.unknown)
	return rt
}

// find returns the route of method and path and its parameters. HEAD is
// answered as GET.
func (rt *router) find(method, path string) (*route, map[string]string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := range rt.routes {
		r := &rt.routes[i]
		if r.method != method && (method != "HEAD" || r.method != "GET") {
			continue
		}
		if params, ok := matchPattern(r.pattern, segs); ok {
			return r, params
		}
	}
	return &rt.unknown, nil
}

// notFound answers a request no route takes: 405 with Allow when the path
// exists for other methods, else 404.
func (rt *router) notFound(c *call) error {
	method, path := string(c.ctx.Method()), string(c.ctx.Path())
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var allowed []string
	for _, r := range rt.routes {
		if _, ok := matchPattern(r.pattern, segs); ok {
			allowed = append(allowed, r.method)
		}
	}
	if len(allowed) > 0 {
		list := strings.Join(allowed, ", ")
		c.ctx.Response.Header.Set("Allow", list)
		return errorf(http.StatusMethodNotAllowed, "method_not_allowed", "%s is not allowed on %s (allowed: %s)", method, path, list)
	}
	return errorf(http.StatusNotFound, "not_found", "no such endpoint: %s %s (see /openapi.json)", method, path)
}

func matchPattern(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[strings.Trim(p, "{}")] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

//go:embed openapi.json
var openapiDoc []byte

func openapi(c *call) error {
	c.ctx.SetContentType("application/json")
	c.ctx.SetStatusCode(http.StatusOK)
	c.ctx.SetBody(openapiDoc)
	return nil
}

// page serves the analyst web page and its assets (package web).
func page(c *call) error {
	if err := web.Serve(c.ctx, c.params["file"]); err != nil {
		return errorf(http.StatusNotFound, "not_found", "no such page file: %s", c.ctx.Path())
	}
	return nil
}
