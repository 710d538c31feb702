package hamming

import (
	"encoding/binary"
	"math/bits"
	"runtime"
	"sync"
)

// segment is an immutable part of an index: a dense hash slab indexed by
// id (from lo) and, per substring, a table of the ids grouped by substring
// value. Once built it is only read, so searches share it without locking.
// Whether an id in the slab is live here is decided by the index's state
// bytes, not by the segment: an id is live in the segment whose tag its
// state byte holds.
//
// The table of substring i groups ids into 2^p blocks by the top p bits
// of the substring (the prefix); dir[i][v] is the index of the first entry
// of block v, so block v holds entries dir[i][v] to dir[i][v+1]. An entry
// is an id and, when the substring is wider than p, a key byte holding
// the substring's remaining low bits. arena[i] stores each block as its
// c key bytes followed by its c ids (little-endian uint32), so a block is
// one contiguous run of c*(kb+4) bytes starting at byte dir[i][v]*(kb+4).
// A search rejects most entries by their key byte alone, without reading
// the slab.
type segment struct {
	words int    // 64-bit words per hash: 1 or 4
	lay   layout // the substrings
	p     uint   // prefix bits per substring
	kb    int    // key bytes per entry: 1, or 0 if no substring is wider than p
	tag   uint8  // the state byte of the ids live in this segment
	lo    int    // the id of slab's first slot
	n     int    // slots in slab: ids lo to lo+n-1
	items int    // ids indexed in the tables
	dead  int    // ids indexed here but no longer live here (under Index.mu)
	slab  []uint64
	dir   [][]uint32 // per substring: 2^p+1 entry offsets
	arena [][]byte   // per substring: the blocks
}

// prefixBits chooses p for items ids: about 8 to 16 entries per block,
// at least 16 bits (a 256 KiB directory) and at most the narrowest
// substring.
func prefixBits(lay layout, items int) uint {
	p := uint(bits.Len(uint(items)))
	p = max(p, 4) - 4
	p = max(p, 16)
	for i := range lay.m {
		p = min(p, lay.width[i])
	}
	return p
}

// buildSegment indexes ids (ascending, each in lo to lo+len(slab)/words-1)
// whose hashes are in slab, the hash of id at slot id-lo, under tag. It
// builds the tables in parallel, one per CPU.
func buildSegment(words int, slab []uint64, lo int, ids []ID, tag uint8) *segment {
	lay := layoutFor(words)
	return buildSegmentP(words, slab, lo, ids, tag, prefixBits(lay, len(ids)))
}

// buildSegmentP is buildSegment with a given prefix width; tests use it
// to cover every key width.
func buildSegmentP(words int, slab []uint64, lo int, ids []ID, tag uint8, p uint) *segment {
	sg := &segment{
		words: words,
		lay:   layoutFor(words),
		p:     p,
		tag:   tag,
		lo:    lo,
		n:     len(slab) / words,
		items: len(ids),
		slab:  slab,
	}
	for i := range sg.lay.m {
		if sg.lay.width[i] > p {
			sg.kb = 1
		}
	}
	sg.dir = make([][]uint32, sg.lay.m)
	sg.arena = make([][]byte, sg.lay.m)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range sg.lay.m {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			sg.dir[i], sg.arena[i] = sg.buildTable(ids, i)
		})
	}
	wg.Wait()
	return sg
}

// buildTable sorts ids into the blocks of substring i in two passes, so
// that no pass scatters writes over more than a 2^16-entry table: a
// counting sort by the top 16 bits of the substring into arena, as 5-byte
// records of the remaining bits and the id, then, within each of these
// buckets, a counting sort by the rest of the prefix into the final
// blocks. p must lie between 16 and the substring's width, and the width
// at most 16 bits above it.
func (sg *segment) buildTable(ids []ID, i int) ([]uint32, []byte) {
	w, off, width := sg.words, sg.lay.off[i], sg.lay.width[i]
	kbits, lb := width-sg.p, sg.p-16 // key bits, prefix bits below the top 16
	kb, e := sg.kb, sg.kb+4
	cnt := make([]uint32, 1<<16+1)
	for _, id := range ids {
		cnt[extract(sg.slab[(int(id)-sg.lo)*w:], off, width)>>(width-16)+1]++
	}
	for u := 1; u < len(cnt); u++ {
		cnt[u] += cnt[u-1]
	}
	arena := make([]byte, len(ids)*e+1) // a spare byte for touching
	adviseHuge(arena)
	// Fill using cnt[u] as a cursor, which leaves cnt[u] at the start of
	// u+1; shift back afterwards instead of keeping a second table.
	for _, id := range ids {
		x := extract(sg.slab[(int(id)-sg.lo)*w:], off, width)
		u := x >> (width - 16)
		rec := arena[int(cnt[u])*e:]
		if kb == 1 {
			rec[0] = byte(x & (1<<(width-16) - 1))
		}
		binary.LittleEndian.PutUint32(rec[kb:], id)
		cnt[u]++
	}
	copy(cnt[1:], cnt[:1<<16])
	cnt[0] = 0

	dir := make([]uint32, 1<<sg.p+1)
	adviseHuge(dir)
	var scratch []uint64 // one bucket's records: low bits << 32 | id
	var sc, cur [1<<8 + 1]uint32
	nsub := 1 << lb
	for u := range 1 << 16 {
		lo, hi := int(cnt[u]), int(cnt[u+1])
		scratch = scratch[:0]
		clear(sc[:nsub+1])
		for r := lo; r < hi; r++ {
			rec := arena[r*e:]
			var low uint64
			if kb == 1 {
				low = uint64(rec[0])
			}
			scratch = append(scratch, low<<32|uint64(binary.LittleEndian.Uint32(rec[kb:])))
			sc[low>>kbits+1]++
		}
		for k := 1; k <= nsub; k++ {
			sc[k] += sc[k-1]
		}
		for k := range nsub {
			dir[u<<lb+k] = uint32(lo) + sc[k]
		}
		clear(cur[:nsub])
		for _, rec := range scratch {
			low := uint32(rec >> 32)
			k := low >> kbits
			start, c, j := lo+int(sc[k]), int(sc[k+1]-sc[k]), int(cur[k])
			cur[k]++
			blk := arena[start*e:]
			if kb == 1 {
				blk[j] = byte(low & (1<<kbits - 1))
			}
			binary.LittleEndian.PutUint32(blk[c*kb+4*j:], uint32(rec))
		}
	}
	dir[1<<sg.p] = uint32(len(ids))
	return dir, arena
}

// search appends to dst the live ids (state[id] == sg.tag) within
// radius r of q. Substring i is probed at radius rad[i] (see radii); each
// hit is reported once, from the first substring within its radius.
func (sg *segment) search(q *Hash, r int, state []uint8, dst []Hit) []Hit {
	if sg.items == 0 {
		return dst
	}
	var sr searcher
	sr.sg, sr.q, sr.r, sr.state, sr.dst = sg, *q, r, state, dst
	probed := radii(sg.lay.m, r, &sr.rad)
	for i := range sg.lay.m {
		sr.qs[i] = extract(q[:], sg.lay.off[i], sg.lay.width[i])
	}
	for i := range probed {
		sr.probe(i)
	}
	return sr.dst
}

// batch is how many blocks, or candidates, a searcher gathers before it
// reads them. Reading a batch in a loop without unpredictable branches
// lets the CPU overlap the cache misses; see searcher.
const batch = 256

// searcher holds one search's state. Its work is a few thousand random
// reads (directory entries, blocks, slab slots), each likely a cache miss.
// Rather than follow each miss with data-dependent branches, which would
// stall the CPU on one miss at a time, it works in stages over a batch:
// look up every block's bounds, touch every block, scan the blocks' keys
// into a batch of candidates, touch every candidate's slab slot, and only
// then verify the candidates.
type searcher struct {
	sg    *segment
	q     Hash
	r     int
	state []uint8
	dst   []Hit
	rad   [maxSubs]int
	qs    [maxSubs]uint32
	touch byte // keeps the touching loads alive

	i      int // substring being probed
	qk     byte
	filter int // key bits of substring i: budgets below it filter
	nb     int
	lo, hi [batch]uint32
	budget [batch]int8

	nc   int
	cand [batch]ID
}

// probe visits every block of substring i whose prefix lies within rad[i]
// of the query's, and verifies the entries whose key keeps them in reach.
func (sr *searcher) probe(i int) {
	sg := sr.sg
	s, p := sr.rad[i], sg.p
	kbits := sg.lay.width[i] - p
	qp := sr.qs[i] >> kbits
	sr.i, sr.qk, sr.filter = i, byte(sr.qs[i]&(1<<kbits-1)), int(kbits)
	dir := sg.dir[i]
	for t := 0; t <= s && t <= int(p); t++ {
		for mask := uint32(1)<<t - 1; mask < 1<<p; mask = nextComb(mask) {
			v := qp ^ mask
			sr.lo[sr.nb], sr.hi[sr.nb], sr.budget[sr.nb] = dir[v], dir[v+1], int8(s-t)
			if sr.nb++; sr.nb == batch {
				sr.scanBlocks()
			}
			if t == 0 {
				break // the only mask with no bit set
			}
		}
	}
	sr.scanBlocks()
	sr.verify()
}

// scanBlocks moves the entries of the gathered blocks whose key is within
// the block's budget to the candidates.
func (sr *searcher) scanBlocks() {
	sg := sr.sg
	arena := sg.arena[sr.i]
	kb := sg.kb
	e := kb + 4
	var x byte
	for b := range sr.nb {
		lo, hi := int(sr.lo[b])*e, int(sr.hi[b])*e
		x += arena[lo] ^ arena[max(lo+1, hi)-1] // arena has a spare last byte
	}
	sr.touch += x
	for b := range sr.nb {
		lo, hi := int(sr.lo[b]), int(sr.hi[b])
		n := hi - lo
		if n == 0 {
			continue
		}
		blk := arena[lo*e : hi*e]
		keys, ids := blk[:n*kb], blk[n*kb:]
		budget := int(sr.budget[b])
		filter := budget < sr.filter
		for j := range n {
			if filter && bits.OnesCount32(uint32(keys[j]^sr.qk)) > budget {
				continue
			}
			sr.cand[sr.nc] = binary.LittleEndian.Uint32(ids[4*j:])
			if sr.nc++; sr.nc == batch {
				sr.verify()
			}
		}
	}
	sr.nb = 0
}

// verify appends the candidates that are live, within radius and not
// found through an earlier substring.
func (sr *searcher) verify() {
	sg := sr.sg
	w, lo := sg.words, sg.lo
	slab := sg.slab
	var x uint64
	for _, id := range sr.cand[:sr.nc] {
		x += slab[(int(id)-lo)*w]
	}
	sr.touch += byte(x)
	i := sr.i
cands:
	for _, id := range sr.cand[:sr.nc] {
		k := (int(id) - lo) * w
		h := slab[k : k+w]
		d := dist(&sr.q, h)
		if d > sr.r {
			continue
		}
		for j := range i {
			x := extract(h, sg.lay.off[j], sg.lay.width[j])
			if bits.OnesCount32(x^sr.qs[j]) <= sr.rad[j] {
				continue cands
			}
		}
		if sr.state[id] == sg.tag {
			sr.dst = append(sr.dst, Hit{ID: id, Distance: d})
		}
	}
	sr.nc = 0
}

// scan appends every live id within radius r, checking each slot in turn.
func (sg *segment) scan(q *Hash, r int, state []uint8, dst []Hit) []Hit {
	w := sg.words
	for i := range sg.n {
		id := sg.lo + i
		if state[id] != sg.tag {
			continue
		}
		if d := dist(q, sg.slab[i*w:i*w+w]); d <= r {
			dst = append(dst, Hit{ID: ID(id), Distance: d})
		}
	}
	return dst
}

// bytes estimates the memory held by the segment.
func (sg *segment) bytes() int64 {
	b := int64(cap(sg.slab)) * 8
	for i := range sg.dir {
		b += int64(cap(sg.dir[i]))*4 + int64(cap(sg.arena[i]))
	}
	return b
}
