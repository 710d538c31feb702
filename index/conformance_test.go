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
		out, _, err := s.AddItems(items)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range out {
			if o.Err != nil || !o.Added {
				t.Fatalf("item %d (%s): %+v", i, items[i].Label, o)
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
