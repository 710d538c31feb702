package hamming

import (
	"math/bits"
	"runtime"
	"sync"
)

// segment is the immutable bulk of an index: a dense hash slab indexed by
// id and, per 16-bit substring, a CSR posting list. Once built it is only
// read, so searches share it without locking. Whether an id in the slab is
// live is decided by the index's state bytes, not by the segment.
type segment struct {
	words int        // 64-bit words per hash: 1 or 4
	m     int        // substrings: 4*words
	n     int        // slots in slab: ids < n
	items int        // ids indexed in the posting lists
	slab  []uint64   // n*words; slot id holds the hash of id
	offs  [][]uint32 // per substring: 65537 offsets into post
	post  [][]ID     // per substring: ids grouped by substring value
}

// buildSegment indexes ids (ascending, each < len(slab)/words) whose hashes
// are in slab. It builds the m posting lists in parallel, one per CPU.
func buildSegment(words int, slab []uint64, ids []ID) *segment {
	sg := &segment{
		words: words,
		m:     4 * words,
		n:     len(slab) / words,
		items: len(ids),
		slab:  slab,
	}
	sg.offs = make([][]uint32, sg.m)
	sg.post = make([][]ID, sg.m)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range sg.m {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			sg.offs[i], sg.post[i] = buildPostings(words, slab, ids, i)
		})
	}
	wg.Wait()
	return sg
}

// buildPostings is a counting sort of ids by their i-th substring.
func buildPostings(words int, slab []uint64, ids []ID, i int) ([]uint32, []ID) {
	offs := make([]uint32, 1<<16+1)
	for _, id := range ids {
		offs[int(sub(slab[int(id)*words:], i))+1]++
	}
	for v := 1; v < len(offs); v++ {
		offs[v] += offs[v-1]
	}
	post := make([]ID, len(ids))
	// Fill using offs[v] as a cursor, which leaves offs[v] at the start of
	// v+1; shift back afterwards instead of keeping a second table.
	for _, id := range ids {
		v := sub(slab[int(id)*words:], i)
		post[offs[v]] = id
		offs[v]++
	}
	copy(offs[1:], offs[:1<<16])
	offs[0] = 0
	return offs, post
}

// search appends to dst the live ids (state[id] == stateBase) within
// radius r of q, probing each substring at radius s = r/m. Each hit is
// reported once: from the first substring within s of the query's.
func (sg *segment) search(q *Hash, r, s int, state []uint8, dst []Hit) []Hit {
	if sg.items == 0 {
		return dst
	}
	w := sg.words
	var qs [16]uint16
	for i := range sg.m {
		qs[i] = sub(q[:], i)
	}
	masks := probeMasks[:probeEnd[s]]
	for i := range sg.m {
		offs, post := sg.offs[i], sg.post[i]
		for _, mask := range masks {
			v := qs[i] ^ mask
		ids:
			for _, id := range post[offs[v]:offs[int(v)+1]] {
				if state[id] != stateBase {
					continue
				}
				h := sg.slab[int(id)*w : int(id)*w+w]
				d := dist(q, h)
				if d > r {
					continue
				}
				for j := range i {
					if bits.OnesCount16(sub(h, j)^qs[j]) <= s {
						continue ids
					}
				}
				dst = append(dst, Hit{ID: id, Distance: d})
			}
		}
	}
	return dst
}

// scan appends every live id within radius r, checking each slot in turn.
func (sg *segment) scan(q *Hash, r int, state []uint8, dst []Hit) []Hit {
	w := sg.words
	for id := range sg.n {
		if state[id] != stateBase {
			continue
		}
		if d := dist(q, sg.slab[id*w:id*w+w]); d <= r {
			dst = append(dst, Hit{ID: ID(id), Distance: d})
		}
	}
	return dst
}

// bytes estimates the memory held by the segment.
func (sg *segment) bytes() int64 {
	b := int64(cap(sg.slab)) * 8
	for i := range sg.offs {
		b += int64(cap(sg.offs[i]))*4 + int64(cap(sg.post[i]))*4
	}
	return b
}
