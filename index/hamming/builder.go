package hamming

import "fmt"

// Builder loads many hashes at once, typically at start-up from the store,
// and builds an Index from them in one pass. It is much faster than Add
// because it writes no overflow and builds the posting lists in parallel.
//
// A Builder must not be used from concurrent goroutines.
type Builder struct {
	words     int
	maxRadius int
	slab      []uint64
	state     []uint8
	live      int
}

// NewBuilder returns a builder for an index of bits-wide hashes tuned for
// maxRadius, as New. sizeHint, if positive, is the expected largest id + 1.
func NewBuilder(bits, maxRadius, sizeHint int) (*Builder, error) {
	words, err := checkConfig(bits, maxRadius)
	if err != nil {
		return nil, err
	}
	b := &Builder{words: words, maxRadius: maxRadius}
	if sizeHint > 0 {
		b.slab = make([]uint64, 0, sizeHint*words)
		adviseHuge(b.slab)
		b.state = make([]uint8, 0, sizeHint)
	}
	return b, nil
}

// Add stores h under id. It returns ErrExists if id was already added.
func (b *Builder) Add(id ID, h Hash) error {
	n := int(id) + 1
	if n > len(b.state) {
		b.state = append(b.state, make([]uint8, n-len(b.state))...)
		b.slab = append(b.slab, make([]uint64, n*b.words-len(b.slab))...)
	}
	if b.state[id] != stateAbsent {
		return fmt.Errorf("%w: %d", ErrExists, id)
	}
	b.state[id] = stateBase
	copy(b.slab[int(id)*b.words:], h[:b.words])
	b.live++
	return nil
}

// Len is the number of hashes added.
func (b *Builder) Len() int { return b.live }

// Index builds the index. The builder must not be used afterwards.
func (b *Builder) Index() *Index {
	ids := make([]ID, 0, b.live)
	for id, st := range b.state {
		if st == stateBase {
			ids = append(ids, ID(id))
		}
	}
	seg := buildSegment(b.words, b.slab, 0, ids, stateBase)
	ix := newIndex(b.words, b.maxRadius, seg, b.state, b.live)
	*b = Builder{}
	return ix
}
