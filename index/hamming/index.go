package hamming

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
)

// Where the current hash of an id lives: its state byte is one of these,
// or the tag of the segment holding it (stateBase and up).
const (
	stateAbsent   uint8 = iota // never added, or removed
	stateFrozen                // in the overflow being compacted
	stateOverflow              // in the current overflow
	stateBase                  // in a segment: the first segment's tag
)

// ErrExists is returned by Add for an id that already holds a hash.
var ErrExists = errors.New("hamming: id already present")

// Compaction thresholds: compact when the overflow holds more than
// max(minCompact, live/256) hashes (it is scanned linearly by every
// search), or when removed ids still in segments exceed
// max(minCompact, live/8) (they cost memory, not time).
const minCompact = 4096

// mergeRatio shapes the segments: a compaction turns the overflow into a
// segment and merges it with the newest segments while the next is less
// than mergeRatio times the size gathered so far. The segments then
// shrink at least mergeRatio-fold from the oldest to the newest, so there
// are at most about log4(256) + 2 of them (each search probes all), and a
// hash is rebuilt into a new segment about once per level, instead of
// once per compaction as it would be with a single segment: that made a
// large import quadratic (at 10M hashes, every 39k additions rebuilt all
// 10M).
const mergeRatio = 4

// Index is an exact Hamming search over hashes of one width.
// Create one with New or Builder; the zero Index is not usable.
type Index struct {
	words     int
	maxRadius int

	compactMu  sync.Mutex // serialises compactions
	compacting atomic.Bool
	rebuilt    atomic.Int64 // hashes put into new segments, for tests
	minCompact int          // tests lower it; < 0 disables automatic compaction

	mu     sync.RWMutex
	segs   []*segment // oldest (largest) first
	state  []uint8    // per id: a state* constant or a segment's tag
	live   int
	dead   int       // removed ids still in segments: the sum of their dead
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
	ix := &Index{
		words:      words,
		maxRadius:  maxRadius,
		minCompact: minCompact,
		state:      state,
		live:       live,
		ov:         newOverflow(words),
	}
	if base.items > 0 {
		ix.segs = []*segment{base}
	}
	return ix
}

// segmentOf returns the segment whose tag is st, or nil. Called with mu
// held.
func (ix *Index) segmentOf(st uint8) *segment {
	for _, sg := range ix.segs {
		if sg.tag == st {
			return sg
		}
	}
	return nil
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
	switch st := ix.state[id]; st {
	case stateFrozen:
	case stateOverflow:
		ix.ov.remove(id)
	default:
		ix.segmentOf(st).dead++
		ix.dead++
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
	for _, sg := range ix.segs {
		if radius <= ix.maxRadius {
			dst = sg.search(&q, radius, ix.state, dst)
		} else {
			dst = sg.scan(&q, radius, ix.state, dst)
		}
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

// Shape returns how many segments the index searches and how many
// hashes its overflow holds (each search scans them all): one segment and
// an empty overflow is the shape Compact leaves, and searches fastest.
//
// Shape can be called from concurrent goroutines.
func (ix *Index) Shape() (segments, overflow int) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.segs), ix.ov.len()
}

// Bytes estimates the memory the index holds, including removed items not
// yet compacted away and, during a compaction, the segment being replaced.
//
// Bytes can be called from concurrent goroutines.
func (ix *Index) Bytes() int64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	b := int64(cap(ix.state)) + ix.ov.bytes()
	for _, sg := range ix.segs {
		b += sg.bytes()
	}
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
		ix.compact(false)
	}()
}

// Compact folds the overflow and every segment into one new segment and
// drops removed items: the shape that searches fastest. Compactions also
// run automatically in the background when the overflow or the number of
// removed items grows past a threshold; those fold the overflow into the
// newest segments only (see mergeRatio). Calling Compact directly is
// useful after a large import.
//
// Compact can be called from concurrent goroutines; compactions are
// serialised. It builds the new segment without holding the index lock,
// so Search, Add and Remove proceed meanwhile, and needs memory for a
// second copy of the segments it merges while it runs.
func (ix *Index) Compact() { ix.compact(true) }

// compact freezes the overflow and builds one segment from it and from
// the newest segments (all of them if full, or if removed ids call for
// it), then swaps it in for them.
func (ix *Index) compact(full bool) {
	ix.compactMu.Lock()
	defer ix.compactMu.Unlock()

	ix.mu.Lock()
	if ix.ov.len() == 0 && ix.dead == 0 && (!full || len(ix.segs) <= 1) {
		ix.mu.Unlock()
		return
	}
	frozen := ix.ov
	ix.ov, ix.frozen = newOverflow(ix.words), frozen
	for _, id := range frozen.ids {
		ix.state[id] = stateFrozen
	}
	keep := len(ix.segs)
	if full || ix.dead > max(ix.minCompact, ix.live/8) {
		keep = 0
	} else {
		size := frozen.len()
		for keep > 0 && ix.segs[keep-1].items < mergeRatio*size {
			keep--
			size += ix.segs[keep].items
		}
	}
	merged := slices.Clone(ix.segs[keep:])
	tag := ix.freeTag()
	// The ids live in the merged segments and in the frozen overflow are
	// read under the lock, as Add may grow state meanwhile. Only
	// compactions (serialised) move an id into a segment, so none joins
	// them later; one removed meanwhile is counted dead at the swap.
	lo, hi := math.MaxInt, -1
	var ids []ID
	var from []int // from[j]: where the ids of merged[j] start in ids
	for _, sg := range merged {
		from = append(from, len(ids))
		for i := range sg.n {
			if id := sg.lo + i; ix.state[id] == sg.tag {
				ids = append(ids, ID(id))
				lo, hi = min(lo, id), max(hi, id)
			}
		}
	}
	from = append(from, len(ids))
	var fpos []int // positions in frozen of the live frozen ids
	for i, id := range frozen.ids {
		if ix.state[id] == stateFrozen {
			ids = append(ids, id)
			fpos = append(fpos, i)
			lo, hi = min(lo, int(id)), max(hi, int(id))
		}
	}
	ix.mu.Unlock()

	// Segments and a frozen overflow are not changed once made, so their
	// hashes are read without the lock.
	w := ix.words
	var seg *segment
	if len(ids) > 0 {
		slab := make([]uint64, (hi-lo+1)*w)
		adviseHuge(slab)
		for j, sg := range merged {
			for _, id := range ids[from[j]:from[j+1]] {
				copy(slab[(int(id)-lo)*w:(int(id)-lo+1)*w], sg.slab[(int(id)-sg.lo)*w:])
			}
		}
		for k, i := range fpos {
			id := ids[from[len(merged)]+k]
			copy(slab[(int(id)-lo)*w:(int(id)-lo+1)*w], frozen.slab[i*w:])
		}
		if !slices.IsSorted(ids) {
			slices.Sort(ids) // ids re-added out of order; rare
		}
		seg = buildSegment(w, slab, lo, ids, tag)
		ix.rebuilt.Add(int64(len(ids)))
	}

	ix.mu.Lock()
	if seg != nil {
		for _, id := range ids {
			switch st := ix.state[id]; {
			case st == stateFrozen || slices.ContainsFunc(merged, func(sg *segment) bool { return sg.tag == st }):
				ix.state[id] = tag
			default:
				seg.dead++ // removed (or removed and re-added) while it was built
			}
		}
	}
	for _, sg := range merged {
		ix.dead -= sg.dead
	}
	ix.segs = ix.segs[:keep:keep]
	if seg != nil {
		ix.segs = append(ix.segs, seg)
		ix.dead += seg.dead
	}
	ix.frozen = nil
	ix.mu.Unlock()
}

// freeTag returns a tag no segment uses: the merged segments' tags stay
// on their ids until the swap. Called with mu held; there are far fewer
// segments than tags.
func (ix *Index) freeTag() uint8 {
	t := stateBase
	for ix.segmentOf(t) != nil {
		t++
	}
	return t
}
