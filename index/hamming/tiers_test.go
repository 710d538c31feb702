package hamming

import (
	"math/rand/v2"
	"testing"
)

// TestCompactionIsTiered adds hashes with a compaction every 500 adds, as
// the automatic ones would come during a large import, and checks that
// each hash is rebuilt into a new segment a few times only (with one
// segment, every compaction rebuilt every hash: quadratic), that the
// segments stay few, that searches stay exact throughout and across
// removals in every segment, and that Compact leaves one segment.
func TestCompactionIsTiered(t *testing.T) {
	const n, every = 60000, 500
	rng := rand.New(rand.NewPCG(5, 5))
	ix, _ := New(256, 31)
	ix.minCompact = -1
	ref, _ := NewLinearScan(256)
	var next ID
	add := func(id ID, h Hash) {
		if err := ix.Add(id, h); err != nil {
			t.Fatal(err)
		}
		ref.Add(id, h)
	}
	queries := plant(rng, 4, 10, []int{0, 16, 31}, &next, add)
	for next < n {
		add(next, flip(rng, queries[rng.IntN(len(queries))], 4, rng.IntN(48)))
		next++
		if next%every == 0 {
			ix.compact(false)
		}
		if next%15000 == 0 {
			check(t, ix, ref, queries, []int{0, 16, 31, 32})
		}
	}
	if got := ix.rebuilt.Load(); got > 8*n {
		t.Errorf("%d hashes rebuilt into segments for %d added, want at most %d", got, n, 8*n)
	}
	ix.mu.RLock()
	segs := len(ix.segs)
	ix.mu.RUnlock()
	if segs < 2 || segs > 6 {
		t.Errorf("%d segments after %d adds compacted every %d, want 2 to 6", segs, n, every)
	}
	for id := ID(0); id < next; id += 7 {
		if ix.Remove(id) != ref.Remove(id) {
			t.Fatalf("Remove(%d) disagrees", id)
		}
	}
	check(t, ix, ref, queries, []int{0, 16, 31, 32})
	ix.compact(false)
	check(t, ix, ref, queries, []int{0, 16, 31, 32})
	ix.Compact()
	ix.mu.RLock()
	segs, dead := len(ix.segs), ix.dead
	ix.mu.RUnlock()
	if segs != 1 || dead != 0 {
		t.Errorf("after Compact: %d segments, %d dead, want 1 and 0", segs, dead)
	}
	check(t, ix, ref, queries, []int{0, 16, 31, 32})
}
