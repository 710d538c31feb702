package web

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/atkm/herken/matcher/signals"
)

// TestPageSignalTypes holds the page's list of signal types equal to the
// registry: a type added to matcher/signals must be added to the page.
func TestPageSignalTypes(t *testing.T) {
	js, err := assets.ReadFile("assets/dom.js")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?s)export const signalTypes = \{(.*?)\n\};`).FindSubmatch(js)
	if block == nil {
		t.Fatal("dom.js has no signalTypes object")
	}
	var got []string
	for _, m := range regexp.MustCompile(`(\w+): \{ bits: (\d+), exact: (true|false) \}`).FindAllSubmatch(block[1], -1) {
		got = append(got, fmt.Sprintf("%s/%s/%s", m[1], m[2], m[3]))
	}
	var want []string
	for _, typ := range signals.Types() {
		want = append(want, fmt.Sprintf("%s/%d/%v", typ, typ.Bits(), typ.Exact()))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("page lists %v, the registry %v", got, want)
	}
}
