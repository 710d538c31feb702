package hamming

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Where the current hash of an id lives.
const (
	stateAbsent   uint8 = iota // never added, or removed
	stateBase                  // in the segment
	stateFrozen                // in the overflow being compacted
	stateOverflow              // in the current overflow
)

// ErrExists is returned by Add for an id that already holds a hash.
var ErrExists = errors.New("hamming: id already present")

// Compaction thresholds: compact when the overflow holds more than
// max(minCompact, live/256) hashes (it is scanned linearly by every
// search), or when removed ids still in the segment exceed
// max(minCompact, live/8) (they cost memory, not time).
const minCompact = 4096

// Index is an exact Hamming search over hashes of one width.
// Create one with New or Builder; the zero Index is not usable.
type Index struct {
	words     int
	maxRadius int

	compactMu  sync.Mutex // serialises compactions
	compacting atomic.Bool
	minCompact int // tests lower it; < 0 disables automatic compaction

	mu     sync.RWMutex
	base   *segment
	state  []uint8 // per id, a state* constant
	live   int
	dead   int       // removed ids still in base
	ov     *overflow // adds since the last compaction
	frozen *overflow // the overflow being compacted, or nil
}

// New returns an empty index for hashes of bits bits (64 or 256), tuned for
// searches up to maxRadius; see the package documentation. maxRadius may be
// at most bits/4 - 1.
func New(bits, maxRadius int) (*Index, error) {
	b, err := NewBuilder(bits, maxRadius, 0)
	if err != nil {
		return nil, err
	}
	return b.Index(), nil
}

func checkConfig(bits, maxRadius int) (words int, err error) {
	if bits != 64 && bits != 256 {
		return 0, fmt.Errorf("hamming: unsupported width %d bits (want 64 or 256)", bits)
	}
	words = bits / 64
	if limit := 4*4*words - 1; maxRadius < 0 || maxRadius > limit {
		return 0, fmt.Errorf("hamming: max radius %d out of range [0, %d] for %d bits", maxRadius, limit, bits)
	}
	return words, nil
}

func newIndex(words, maxRadius int, base *segment, state []uint8, live int) *Index {
	return &Index{
		words:      words,
		maxRadius:  maxRadius,
		minCompact: minCompact,
		base:       base,
		state:      state,
		live:       live,
		ov:         newOverflow(words),
	}
}

// Bits is the width of the hashes the index holds.
func (ix *Index) Bits() int { return 64 * ix.words }

// Add stores h under id. It returns ErrExists if id already holds a hash;
// Remove it first to replace it. A 64-bit index ignores h[1:].
//
// Add can be called from concurrent goroutines. It may start a background
// compaction.
func (ix *Index) Add(id ID, h Hash) error {
	ix.mu.Lock()
	if int(id) < len(ix.state) && ix.state[id] != stateAbsent {
		ix.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrExists, id)
	}
	if int(id) >= len(ix.state) {
		ix.state = slices.Grow(ix.state, int(id)+1-len(ix.state))[:int(id)+1]
	}
	ix.state[id] = stateOverflow
	ix.ov.add(id, &h)
	ix.live++
	compact := ix.needsCompact()
	ix.mu.Unlock()
	if compact {
		ix.compactInBackground()
	}
	return nil
}

// Remove deletes the hash of id and reports whether id held one. The change
// is visible to every Search that starts after Remove returns.
//
// Remove can be called from concurrent goroutines. It may start a
// background compaction.
func (ix *Index) Remove(id ID) bool {
	ix.mu.Lock()
	if int(id) >= len(ix.state) || ix.state[id] == stateAbsent {
		ix.mu.Unlock()
		return false
	}
	switch ix.state[id] {
	case stateBase:
		ix.dead++
	case stateOverflow:
		ix.ov.remove(id)
	}
	// A frozen entry is left in place: the compaction is reading it, and
	// the state byte already hides it.
	ix.state[id] = stateAbsent
	ix.live--
	compact := ix.needsCompact()
	ix.mu.Unlock()
	if compact {
		ix.compactInBackground()
	}
	return true
}

// Search appends to dst every id whose hash lies within Hamming distance
// radius of q, ordered by distance then id, and returns the extended
// slice. Radii above the largest the multi-index was built for are
// answered by a linear scan.
//
// Search can be called from concurrent goroutines; it shares a read lock
// with other searches.
func (ix *Index) Search(q Hash, radius int, dst []Hit) []Hit {
	if radius < 0 {
		return dst
	}
	if ix.words == 1 {
		q[1], q[2], q[3] = 0, 0, 0
	}
	start := len(dst)
	ix.mu.RLock()
	if radius <= ix.maxRadius {
		dst = ix.base.search(&q, radius, ix.state, dst)
	} else {
		dst = ix.base.scan(&q, radius, ix.state, dst)
	}
	if ix.frozen != nil {
		dst = ix.frozen.scan(&q, radius, ix.state, stateFrozen, dst)
	}
	dst = ix.ov.scan(&q, radius, ix.state, stateOverflow, dst)
	ix.mu.RUnlock()
	slices.SortFunc(dst[start:], hitCmp)
	return dst
}

// Contains reports whether id holds a hash.
//
// Contains can be called from concurrent goroutines.
func (ix *Index) Contains(id ID) bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return int(id) < len(ix.state) && ix.state[id] != stateAbsent
}

// Len is the number of ids that hold a hash.
//
// Len can be called from concurrent goroutines.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// Bytes estimates the memory the index holds, including removed items not
// yet compacted away and, during a compaction, the segment being replaced.
//
// Bytes can be called from concurrent goroutines.
func (ix *Index) Bytes() int64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	b := ix.base.bytes() + int64(cap(ix.state)) + ix.ov.bytes()
	if ix.frozen != nil {
		b += ix.frozen.bytes()
	}
	return b
}

// needsCompact is called with mu held.
func (ix *Index) needsCompact() bool {
	if ix.minCompact < 0 {
		return false
	}
	limit := max(ix.minCompact, ix.live/256)
	return ix.ov.len() > limit || ix.dead > max(ix.minCompact, ix.live/8)
}

func (ix *Index) compactInBackground() {
	if !ix.compacting.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer ix.compacting.Store(false)
		ix.Compact()
	}()
}

// Compact folds the overflow into a new segment and drops removed items.
// It runs automatically in the background when the overflow or the number
// of removed items grows past a threshold; calling it directly is useful
// after a large import.
//
// Compact can be called from concurrent goroutines; compactions are
// serialised. It builds the new segment without holding the index lock,
// so Search, Add and Remove proceed meanwhile, and needs memory for a
// second segment while it runs.
func (ix *Index) Compact() {
	ix.compactMu.Lock()
	defer ix.compactMu.Unlock()

	ix.mu.Lock()
	if ix.ov.len() == 0 && ix.dead == 0 {
		ix.mu.Unlock()
		return
	}
	frozen, base := ix.ov, ix.base
	ix.ov, ix.frozen = newOverflow(ix.words), frozen
	for _, id := range frozen.ids {
		ix.state[id] = stateFrozen
	}
	state := slices.Clone(ix.state)
	ix.mu.Unlock()

	w := ix.words
	slab := make([]uint64, len(state)*w)
	adviseHuge(slab)
	copy(slab, base.slab)
	for i, id := range frozen.ids {
		copy(slab[int(id)*w:int(id)*w+w], frozen.slab[i*w:])
	}
	var ids []ID
	for id, st := range state {
		if st == stateBase || st == stateFrozen {
			ids = append(ids, ID(id))
		}
	}
	seg := buildSegment(w, slab, ids)

	ix.mu.Lock()
	// An id now in stateBase or stateFrozen had that state in the snapshot
	// (those states are only entered under compactMu), so it is in seg.
	dead := 0
	for _, id := range ids {
		switch ix.state[id] {
		case stateFrozen:
			ix.state[id] = stateBase
		case stateAbsent:
			dead++ // removed while the segment was built
		}
	}
	ix.base, ix.frozen, ix.dead = seg, nil, dead
	ix.mu.Unlock()
}
