package hamming

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// TestWriteReadIndex saves an index holding several segments, removed ids
// and an overflow, reads it back, and checks that the copy answers every
// search as the reference does and keeps working (adds, removes,
// compactions). A truncated or altered file is refused.
func TestWriteReadIndex(t *testing.T) {
	for _, bits := range []int{256, 64} {
		words := bits / 64
		rng := rand.New(rand.NewPCG(11, uint64(bits)))
		ix, _ := New(bits, maxRadiusFor(bits))
		ix.minCompact = -1
		ref, _ := NewLinearScan(bits)
		var next ID
		add := func(id ID, h Hash) {
			if err := ix.Add(id, h); err != nil {
				t.Fatal(err)
			}
			ref.Add(id, h)
		}
		queries := plant(rng, words, 8, radiiFor(bits), &next, add)
		for next < 20000 {
			add(next, flip(rng, queries[rng.IntN(len(queries))], words, rng.IntN(40)))
			if next++; next%2000 == 0 {
				ix.compact(false)
			}
		}
		for range 100 { // left in the overflow
			add(next, flip(rng, queries[rng.IntN(len(queries))], words, rng.IntN(40)))
			next++
		}
		for id := ID(0); id < next; id += 5 {
			ix.Remove(id)
			ref.Remove(id)
		}
		ix.mu.RLock()
		segs, ov := len(ix.segs), ix.ov.len()
		ix.mu.RUnlock()
		if segs < 2 || ov == 0 {
			t.Fatalf("bits=%d: %d segments, %d in the overflow: the test wants several and some", bits, segs, ov)
		}
		var buf bytes.Buffer
		if _, err := ix.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		cp, err := ReadIndex(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("bits=%d: %v", bits, err)
		}
		if cp.Len() != ix.Len() {
			t.Errorf("bits=%d: copy holds %d, original %d", bits, cp.Len(), ix.Len())
		}
		check(t, cp, ref, queries, radiiFor(bits))
		for range 3000 {
			id := ID(rng.IntN(int(next)))
			if cp.Contains(id) {
				cp.Remove(id)
				ref.Remove(id)
			} else {
				h := flip(rng, queries[rng.IntN(len(queries))], words, rng.IntN(40))
				if err := cp.Add(id, h); err != nil {
					t.Fatal(err)
				}
				ref.Add(id, h)
			}
		}
		check(t, cp, ref, queries, radiiFor(bits))
		cp.Compact()
		check(t, cp, ref, queries, radiiFor(bits))

		b := buf.Bytes()
		for _, n := range []int{0, 5, 40, len(b) / 2, len(b) - 1} {
			if _, err := ReadIndex(bytes.NewReader(b[:n])); !errors.Is(err, ErrFormat) {
				t.Errorf("bits=%d: file cut to %d bytes: err = %v, want ErrFormat", bits, n, err)
			}
		}
	}
}
