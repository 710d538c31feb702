package knowntest

import (
	"testing"

	"github.com/atkm/herken/matcher"
)

// TestMemory runs the conformance suite on the in-memory implementation,
// which tests of the match use case use in place of the index.
func TestMemory(t *testing.T) {
	Run(t, func(t *testing.T, banks []matcher.Bank, items []matcher.Item) matcher.KnownContent {
		return NewMemory(banks, items)
	})
}
