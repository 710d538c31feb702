package index

import (
	"encoding/binary"
	"errors"
	"sync"

	"github.com/dgraph-io/badger/v4"

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
// for all stages. At seenBits bits a key a full stage's false-positive
// rate is about 0.1%; a false positive costs one posting scan (tens of
// microseconds in a large store), which every item paid before the filter
// existed.
//
// It is used under seenSet.mu.
type seen struct {
	stages []seenStage
}

type seenStage struct {
	blocks   [][8]uint64
	n, limit uint // keys added, keys sized for
}

const (
	seenBits = 16      // bits a key
	seenK    = 8       // bits set a key, in one block
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

// seenSet holds the seen filters of every signal type. A store opened to
// serve fills them in the background after Open, so that opening is not
// slowed and a replica that never writes never waits for them; until they
// are ready, writers scan the postings as before. A store opened for
// writing only (NoSearch) fills them while it loads.
//
// Writers hold mu for their duplicate checks and additions; the fill takes
// it for a chunk of postings at a time. Keys added by writers during the
// fill go into the same filters, so the filters are complete once the
// fill, which reads every posting committed before it started, is done.
type seenSet struct {
	mu     sync.Mutex
	ready  bool
	byType map[signals.Type]*seen
}

func newSeenSet(counts map[signals.Type]uint64) *seenSet {
	ss := &seenSet{byType: map[signals.Type]*seen{}}
	for _, t := range signals.Types() {
		ss.byType[t] = newSeen(counts[t])
	}
	return ss
}

// mayContain reports whether sig may be in the store; true until the
// filters are ready. Called with mu held.
func (ss *seenSet) mayContain(sig signals.Signal) bool {
	return !ss.ready || ss.byType[sig.Type].mayContain(sig)
}

// add records sig. Called with mu held.
func (ss *seenSet) add(sig signals.Signal) { ss.byType[sig.Type].add(sig) }

// bytes is the memory the filters hold.
func (ss *seenSet) bytes() int64 {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var n int64
	for _, s := range ss.byType {
		n += s.bytes()
	}
	return n
}

// fillSeen reads every posting into the seen filters, a chunk at a time,
// and marks them ready. It stops early, leaving them unready, when the
// store closes.
func (s *Content) fillSeen(ss *seenSet) {
	const chunk = 4096
	var sigs []signals.Signal
	flush := func() {
		ss.mu.Lock()
		for _, sig := range sigs {
			ss.add(sig)
		}
		ss.mu.Unlock()
		sigs = sigs[:0]
	}
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: prefixPosting})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			sig, _, err := parsePosting(it.Item().Key())
			if err != nil {
				return err
			}
			if sigs = append(sigs, sig); len(sigs) == chunk {
				if s.closed.Load() {
					return ErrClosed
				}
				flush()
			}
		}
		return nil
	})
	if err != nil {
		if !errors.Is(err, ErrClosed) {
			s.log.Error("index: filling the duplicate filters; writers scan the postings instead", "err", err)
		}
		return
	}
	flush()
	ss.mu.Lock()
	ss.ready = true
	ss.mu.Unlock()
}
