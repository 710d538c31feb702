package service

import (
	_ "embed"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/web"
	"net/http"
	"strings"
)

// routeTable lists every endpoint. The OpenAPI document (openapi.json)
// describes the same table; a test checks that they agree.
func (s *Service) routeTable() []route {
	r := func(method, path, name string, roles []index.Role, h func(*call) error) route {
		return route{method: method, pattern: strings.Split(strings.Trim(path, "/"), "/"), name: name, roles: roles, handle: h}
	}
	return []route{
		r("GET", "/healthz", "healthz", nil, s.healthz),
		r("GET", "/openapi.json", "openapi", nil, s.openapi),
		r("GET", "/metrics", "metrics", adminOnly, s.metricsHandler),
		r("POST", "/v1/match", "match", anyMatcher, s.matchUpload),
		r("POST", "/v1/match/url", "match_url", anyMatcher, s.matchURL),
		r("POST", "/v1/lookup", "lookup", anyMatcher, s.lookupPost),
		r("GET", "/v1/lookup", "lookup", anyMatcher, s.lookupGet),
		r("POST", "/v1/batch", "batch", batchRoles, s.batch),
		r("GET", "/v1/filter/{type}", "filter", filterRoles, s.filter),
		r("GET", "/v1/status", "status", analystRoles, s.status),
		r("GET", "/v1/banks", "banks", analystRoles, s.listBanks),
		r("POST", "/v1/banks", "bank_create", adminOnly, s.createBank),
		r("GET", "/v1/banks/{bank}", "bank", analystRoles, s.getBank),
		r("PATCH", "/v1/banks/{bank}", "bank_update", adminOnly, s.updateBank),
		r("GET", "/v1/banks/{bank}/items", "items", analystRoles, s.listItems),
		r("POST", "/v1/banks/{bank}/items", "item_add", adminOnly, s.addItem),
		r("POST", "/v1/banks/{bank}/items/upload", "item_upload", adminOnly, s.uploadItem),
		r("POST", "/v1/banks/{bank}/import", "import", adminOnly, s.importList),
		r("GET", "/v1/items/{id}", "item", analystRoles, s.getItem),
		r("POST", "/v1/items/{id}/retract", "item_retract", analystRoles, s.changeStatus(true)),
		r("POST", "/v1/items/{id}/reactivate", "item_reactivate", analystRoles, s.changeStatus(false)),
		r("GET", "/v1/keys", "keys", adminOnly, s.listKeys),
		r("POST", "/v1/keys", "key_create", adminOnly, s.createKey),
		r("POST", "/v1/keys/{id}/revoke", "key_revoke", adminOnly, s.revokeKey),
		r("GET", "/v1/audit", "audit", adminOnly, s.auditQuery),
		r("GET", "/v1/whoami", "whoami", anyMatcher, s.whoami),
		r("GET", "/", "ui", nil, page),
		r("GET", "/ui/{file}", "ui_asset", nil, page),
	}
}

//go:embed openapi.json
var openapiDoc []byte

func (s *Service) openapi(c *call) error {
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
