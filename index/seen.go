package index

import (
	"encoding/binary"

	"github.com/atkm/herken/matcher/signals"
)

// seen is a Bloom filter over every posting of one signal type, active or
// retracted, in any bank: an item whose identifying signals it has never
// seen has no duplicate in the store, so adding it needs no posting scan.
// A bulk import into a large index is mostly such items.
//
// It is blocked: the k bits of a key lie in one 512-bit block, so a test
// costs one cache miss. It grows in stages, each four times the capacity
// of the one before, so it never needs the store; a key is hashed once
// for all stages. At seenBits bits a key a stage's false-positive rate is
// about 0.5%; a false positive costs one posting scan, which every item
// paid before the filter existed.
//
// It is used by writers only, under Content.writeM (and by load, before
// the store is shared).
type seen struct {
	stages []seenStage
}

type seenStage struct {
	blocks   [][8]uint64
	n, limit uint // keys added, keys sized for
}

const (
	seenBits = 12      // bits a key
	seenK    = 6       // bits set a key, in one block
	minSeen  = 1 << 16 // keys the first stage holds at least
)

func newSeen(expected uint64) *seen {
	s := &seen{}
	s.grow(max(uint(expected+expected/4), minSeen))
	return s
}

func (s *seen) grow(keys uint) {
	nb := max(keys*seenBits/512, 1)
	s.stages = append(s.stages, seenStage{blocks: make([][8]uint64, nb), limit: keys})
}

// block returns the block of h: the high half of h scaled to the number
// of blocks (a multiply-shift, which needs no power of two).
func (st *seenStage) block(h uint64) *[8]uint64 {
	return &st.blocks[(h>>32)*uint64(len(st.blocks))>>32]
}

// seenHash mixes a signal's bytes into 64 bits. The values are digests or
// perceptual hashes, not chosen by an attacker to collide in a filter that
// only saves work, so a fast mix is enough.
func seenHash(b []byte) uint64 {
	h := uint64(len(b)) * 0x9e3779b97f4a7c15
	for len(b) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(b)) * 0xbf58476d1ce4e5b9
		h ^= h >> 31
		b = b[8:]
	}
	for _, c := range b {
		h = (h ^ uint64(c)) * 0x94d049bb133111eb
	}
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	return h ^ h>>32
}

// has reports whether the k bits of h are set in its block.
func (st *seenStage) has(h uint64) bool {
	blk := st.block(h)
	g := (h & 0xffffffff) * 0x9e3779b97f4a7c15
	for range seenK {
		p := g >> 55 // 9 bits: a position in the block
		if blk[p>>6]&(1<<(p&63)) == 0 {
			return false
		}
		g *= 0xbf58476d1ce4e5b9
		g ^= g >> 31
	}
	return true
}

func (st *seenStage) add(h uint64) {
	blk := st.block(h)
	g := (h & 0xffffffff) * 0x9e3779b97f4a7c15
	for range seenK {
		p := g >> 55
		blk[p>>6] |= 1 << (p & 63)
		g *= 0xbf58476d1ce4e5b9
		g ^= g >> 31
	}
	st.n++
}

// mayContain reports whether sig may have been added; false is certain.
func (s *seen) mayContain(sig signals.Signal) bool {
	h := seenHash(sig.Bytes())
	for i := len(s.stages) - 1; i >= 0; i-- {
		if s.stages[i].has(h) {
			return true
		}
	}
	return false
}

// add records sig.
func (s *seen) add(sig signals.Signal) {
	last := &s.stages[len(s.stages)-1]
	if last.n >= last.limit {
		s.grow(4 * last.limit)
		last = &s.stages[len(s.stages)-1]
	}
	last.add(seenHash(sig.Bytes()))
}

// bytes is the memory the filter holds.
func (s *seen) bytes() int64 {
	var n int64
	for _, st := range s.stages {
		n += int64(len(st.blocks)) * 64
	}
	return n
}
