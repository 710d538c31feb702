package known

import "github.com/atkm/herken/matcher/signals"

// Content is what identification asks of an index of known content: a
// consistent state to search. The matcher consumes it; index.Store
// implements it, and matcher/knowntest has an in-memory one and the
// conformance suite both pass. (It is declared here rather than by its
// consumer because its methods speak of State: Go's method types must be
// identical, and the index must not import the matcher.)
type Content interface {
	// View calls fn with one consistent state of the known content; the
	// state is valid only during the call.
	View(fn func(State) error) error
}

// State is one consistent state of the known content.
type State interface {
	// Version is the index version of this state, cited by every result.
	Version() uint64
	// Banks returns every bank, enabled or not.
	Banks() []*Bank
	// Find calls fn for each active item that holds s (an exact signal)
	// or a signal of s's type within radius bits of s (a perceptual one),
	// at least once per item and signal found; dist is the distance of
	// the signal found. The item must not be changed.
	Find(s signals.Signal, radius int, fn func(it *Item, dist int) error) error
}
