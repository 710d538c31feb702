package hamming

// overflow holds the hashes added since the last compaction. It is small,
// so searches scan it linearly.
type overflow struct {
	words int
	ids   []ID
	slab  []uint64
	pos   map[ID]int // index of id in ids
}

func newOverflow(words int) *overflow {
	return &overflow{words: words, pos: make(map[ID]int)}
}

func (o *overflow) len() int { return len(o.ids) }

func (o *overflow) add(id ID, h *Hash) {
	o.pos[id] = len(o.ids)
	o.ids = append(o.ids, id)
	o.slab = append(o.slab, h[:o.words]...)
}

// remove swap-removes id, which must be present.
func (o *overflow) remove(id ID) {
	i, last := o.pos[id], len(o.ids)-1
	w := o.words
	moved := o.ids[last]
	o.ids[i] = moved
	copy(o.slab[i*w:i*w+w], o.slab[last*w:])
	o.pos[moved] = i
	o.ids = o.ids[:last]
	o.slab = o.slab[:last*w]
	delete(o.pos, id)
}

// scan appends the entries within radius r whose state is want.
func (o *overflow) scan(q *Hash, r int, state []uint8, want uint8, dst []Hit) []Hit {
	w := o.words
	for i, id := range o.ids {
		if state[id] != want {
			continue
		}
		if d := dist(q, o.slab[i*w:i*w+w]); d <= r {
			dst = append(dst, Hit{ID: id, Distance: d})
		}
	}
	return dst
}

func (o *overflow) bytes() int64 {
	// A map entry costs roughly 3 words with its share of buckets.
	return int64(cap(o.ids))*4 + int64(cap(o.slab))*8 + int64(len(o.pos))*24
}
