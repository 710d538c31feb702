package index

import (
	"github.com/bits-and-blooms/bloom/v3"

	"github.com/atkm/herken/matcher/signals"
)

// seenFPRate is the false-positive rate of each stage of a seen filter:
// a false positive costs one posting scan in Badger, which every item
// paid before the filter existed.
const seenFPRate = 0.01

// minSeen is the capacity of a seen filter's first stage at least.
const minSeen = 1 << 16

// seen is a Bloom filter over every posting of one signal type, active or
// retracted, in any bank: an item whose identifying signals it has never
// seen has no duplicate in the store, so adding it needs no posting scan.
// A bulk import into a large index is mostly such items. Stages double in
// capacity as keys come, so it never needs the store to grow; at most a
// few dozen stages exist even at 2^32 postings.
//
// It is used by writers only, under Content.writeM (and by load, before
// the store is shared).
type seen struct {
	stages []*bloom.BloomFilter
	fill   uint // keys in the last stage
	cap    uint // keys the last stage was sized for
}

func newSeen(expected uint64) *seen {
	s := &seen{}
	s.grow(max(uint(expected+expected/4), minSeen))
	return s
}

func (s *seen) grow(capacity uint) {
	s.stages = append(s.stages, bloom.NewWithEstimates(capacity, seenFPRate))
	s.fill, s.cap = 0, capacity
}

// mayContain reports whether sig may have been added; false is certain.
func (s *seen) mayContain(sig signals.Signal) bool {
	b := sig.Bytes()
	for _, f := range s.stages {
		if f.Test(b) {
			return true
		}
	}
	return false
}

// add records sig.
func (s *seen) add(sig signals.Signal) {
	if s.fill >= s.cap {
		s.grow(2 * s.cap)
	}
	s.stages[len(s.stages)-1].Add(sig.Bytes())
	s.fill++
}

// bytes is the memory the filter holds.
func (s *seen) bytes() int64 {
	var n int64
	for _, f := range s.stages {
		n += int64(f.Cap() / 8)
	}
	return n
}
