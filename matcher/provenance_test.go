package matcher_test

import (
	"strings"
	"testing"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/knowntest"
	"github.com/atkm/herken/matcher/signals"
)

// TestMatchCarriesProvenance: a match of an item a partner listed shows
// the partner's words, in the evidence and in its explanation.
func TestMatchCarriesProvenance(t *testing.T) {
	sig, err := signals.ParseTyped("sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
	if err != nil {
		t.Fatal(err)
	}
	bank := matcher.Bank{Name: "tcap", Enabled: true, Categories: []matcher.Category{matcher.Threat}}
	it := matcher.Item{ID: 7, Bank: "tcap", Signals: []matcher.Signal{sig}, Categories: bank.Categories, Status: known.Active,
		Provenance: &known.Provenance{Source: "tcap", SourceID: "2819", Labels: []string{"ideology=islamist", "file_type=mp4"}}}
	l, err := matcher.Identify(knowntest.NewMemory([]matcher.Bank{bank}, []matcher.Item{it}),
		[]matcher.Query{{Signal: sig, Quality: -1}}, matcher.DefaultRule)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Matches) != 1 {
		t.Fatalf("matches %+v", l.Matches)
	}
	m := l.Matches[0]
	if m.Provenance == nil || m.Provenance.SourceID != "2819" {
		t.Errorf("provenance %+v", m.Provenance)
	}
	if want := "sha512: identical; listed by tcap as 2819: ideology=islamist, file_type=mp4"; m.Explanation != want {
		t.Errorf("explanation %q, want %q", m.Explanation, want)
	}
	m.Provenance = nil
	if strings.Contains(m.Explain(), "listed") {
		t.Errorf("no provenance, yet %q", m.Explain())
	}
}
