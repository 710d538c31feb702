package hamming

import (
	"fmt"
	"math/bits"
	"slices"
)

// LinearScan is the brute-force reference: it compares the query with
// every stored hash. Tests check Index against it and benchmarks report
// Index's speed-up over it. It has the same API as Index but no
// multi-index, compaction or locking.
//
// A LinearScan must not be used from concurrent goroutines while it is
// being modified.
type LinearScan struct {
	words int
	ids   []ID
	slab  []uint64
	pos   map[ID]int
}

// NewLinearScan returns an empty scan over bits-wide hashes (64 or 256).
func NewLinearScan(bits int) (*LinearScan, error) {
	if bits != 64 && bits != 256 {
		return nil, fmt.Errorf("hamming: unsupported width %d bits (want 64 or 256)", bits)
	}
	return &LinearScan{words: bits / 64, pos: make(map[ID]int)}, nil
}

// Add stores h under id, or returns ErrExists.
func (l *LinearScan) Add(id ID, h Hash) error {
	if _, ok := l.pos[id]; ok {
		return fmt.Errorf("%w: %d", ErrExists, id)
	}
	l.pos[id] = len(l.ids)
	l.ids = append(l.ids, id)
	l.slab = append(l.slab, h[:l.words]...)
	return nil
}

// Remove deletes the hash of id and reports whether it was present.
func (l *LinearScan) Remove(id ID) bool {
	i, ok := l.pos[id]
	if !ok {
		return false
	}
	last, w := len(l.ids)-1, l.words
	l.ids[i] = l.ids[last]
	copy(l.slab[i*w:i*w+w], l.slab[last*w:])
	l.pos[l.ids[i]] = i
	l.ids, l.slab = l.ids[:last], l.slab[:last*w]
	delete(l.pos, id)
	return true
}

// Len is the number of stored hashes.
func (l *LinearScan) Len() int { return len(l.ids) }

// Search appends every id within radius of q, ordered by distance then id.
func (l *LinearScan) Search(q Hash, radius int, dst []Hit) []Hit {
	if l.words == 1 {
		q[1], q[2], q[3] = 0, 0, 0
	}
	start := len(dst)
	if l.words == 1 {
		for i, h := range l.slab {
			if d := bits.OnesCount64(q[0] ^ h); d <= radius {
				dst = append(dst, Hit{ID: l.ids[i], Distance: d})
			}
		}
	} else {
		// A tight loop over the slab: the scan is memory bound.
		for i := 0; i+4 <= len(l.slab); i += 4 {
			h := l.slab[i : i+4 : i+4]
			d := bits.OnesCount64(q[0]^h[0]) + bits.OnesCount64(q[1]^h[1]) +
				bits.OnesCount64(q[2]^h[2]) + bits.OnesCount64(q[3]^h[3])
			if d <= radius {
				dst = append(dst, Hit{ID: l.ids[i/4], Distance: d})
			}
		}
	}
	slices.SortFunc(dst[start:], hitCmp)
	return dst
}
