package index

import (
	"testing"

	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/knowntest"
)

// TestKnownContentConformance runs the match use case's conformance suite
// on the Badger-backed index: it must identify exactly as the in-memory
// implementation does.
func TestKnownContentConformance(t *testing.T) {
	knowntest.Run(t, func(t *testing.T, banks []known.Bank, items []known.Item) known.Content {
		s, _ := openNew(t)
		for _, b := range banks {
			if _, err := s.CreateBank(b); err != nil {
				t.Fatal(err)
			}
		}
		fresh := make([]known.Item, len(items))
		for i, it := range items {
			it.Quarantine = nil // quarantined after adding, as the service does
			fresh[i] = it
		}
		out, _, err := s.AddItems(fresh)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range out {
			if o.Err != nil || !o.Added {
				t.Fatalf("item %d (%s): %+v", i, items[i].Label, o)
			}
			if q := items[i].Quarantine; q != nil {
				if _, err := s.Quarantine(o.ID, *q); err != nil {
					t.Fatal(err)
				}
			}
			if items[i].Status == known.Retracted {
				if _, err := s.Retract(o.ID, "test", "suite"); err != nil {
					t.Fatal(err)
				}
			}
		}
		return s
	})
}
