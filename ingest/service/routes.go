package service

import (
	_ "embed"
	"net/http"
	"strings"
)

// routeTable lists every endpoint. The OpenAPI document (openapi.json)
// describes the same table; a test checks that they agree.
func (s *Service) routeTable() []route {
	r := func(method, path, name string, h func(*call) error) route {
		return route{method: method, pattern: strings.Split(strings.Trim(path, "/"), "/"), name: name, handle: h}
	}
	return []route{
		r("GET", "/healthz", "healthz", s.healthz),
		r("GET", "/metrics", "metrics", s.metricsHandler),
		r("GET", "/openapi.json", "openapi", s.openapi),
		r("POST", "/v1/match", "match", s.matchUpload),
		r("POST", "/v1/match/url", "match_url", s.matchURL),
		r("POST", "/v1/lookup", "lookup", s.lookupPost),
		r("GET", "/v1/lookup", "lookup", s.lookupGet),
		r("POST", "/v1/batch", "batch", s.batch),
		r("GET", "/v1/filter/{type}", "filter", s.filter),
		r("GET", "/v1/status", "status", s.status),
		r("GET", "/v1/banks", "banks", s.listBanks),
		r("POST", "/v1/banks", "bank_create", s.createBank),
		r("GET", "/v1/banks/{bank}", "bank", s.getBank),
		r("PATCH", "/v1/banks/{bank}", "bank_update", s.updateBank),
		r("GET", "/v1/banks/{bank}/items", "items", s.listItems),
		r("POST", "/v1/banks/{bank}/items", "item_add", s.addItem),
		r("POST", "/v1/banks/{bank}/items/upload", "item_upload", s.uploadItem),
		r("POST", "/v1/banks/{bank}/import", "import", s.importList),
		r("GET", "/v1/items/{id}", "item", s.getItem),
		r("POST", "/v1/items/{id}/retract", "item_retract", s.changeStatus(true)),
		r("POST", "/v1/items/{id}/reactivate", "item_reactivate", s.changeStatus(false)),
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
