package service

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher/signals"
)

// openapiSpec is the part of openapi.json these tests read.
type openapiSpec struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
	Comps   struct {
		Schemas map[string]struct {
			Enum []string `json:"enum"`
		} `json:"schemas"`
	} `json:"components"`
}

func readSpec(t *testing.T) openapiSpec {
	t.Helper()
	var doc openapiSpec
	if err := json.Unmarshal(openapiDoc, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %v (version %q)", err, doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIDescribesTheRoutes: every route in the route table is in
// openapi.json, and every operation there is a route.
func TestOpenAPIDescribesTheRoutes(t *testing.T) {
	doc := readSpec(t)
	var documented, served []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	for _, rt := range routeTable(&matchHandlers{}, &contentHandlers{}, &accessHandlers{}, &metrics{}) {
		served = append(served, rt.method+" /"+strings.Join(rt.pattern, "/"))
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Errorf("OpenAPI and routes differ:\ndocumented %v\nserved     %v", documented, served)
	}
}

// TestOpenAPIEnumsFollowTheRegistries: the lists openapi.json spells out
// are those of the code: the signal types of the registry (matcher/signals),
// the exact ones for filters, and the key roles.
func TestOpenAPIEnumsFollowTheRegistries(t *testing.T) {
	doc := readSpec(t)
	var types, exact []string
	for _, st := range signals.Types() {
		types = append(types, st.String())
		if st.Exact() {
			exact = append(exact, st.String())
		}
	}
	if got := doc.Comps.Schemas["SignalType"].Enum; !slices.Equal(got, types) {
		t.Errorf("SignalType enum %v, the registry has %v", got, types)
	}
	var filter struct {
		Get struct {
			Parameters []struct {
				Name   string `json:"name"`
				Schema struct {
					Enum []string `json:"enum"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"get"`
	}
	raw, err := json.Marshal(doc.Paths["/v1/filter/{type}"])
	if err == nil {
		err = json.Unmarshal(raw, &filter)
	}
	if err != nil || len(filter.Get.Parameters) == 0 || filter.Get.Parameters[0].Name != "type" {
		t.Fatalf("/v1/filter/{type}: %v %+v", err, filter)
	}
	if got := filter.Get.Parameters[0].Schema.Enum; !slices.Equal(got, exact) {
		t.Errorf("filter type enum %v, the exact types are %v", got, exact)
	}
	var roles []string
	for _, r := range index.Roles() {
		roles = append(roles, string(r))
	}
	if got := doc.Comps.Schemas["Role"].Enum; !slices.Equal(got, roles) {
		t.Errorf("Role enum %v, the roles are %v", got, roles)
	}
}
