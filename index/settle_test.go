package index

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// TestCompactAfterBulkAdd: after a bulk of additions through AddItems
// (the service's import endpoint, a replica's apply), the PDQ Hamming
// index is compacted whole once the writes pause, as a restart would
// build it, instead of staying as several segments and an overflow that
// every lookup scans; and lookups still find the items.
func TestCompactAfterBulkAdd(t *testing.T) {
	s, _ := openNew(t)
	// Long enough that the pauses between the batches below, on a busy
	// machine, do not pass for the end of the import.
	s.settle.delay = time.Second
	mustBank(t, s, "a", true)
	rng := rand.New(rand.NewPCG(3, 4))
	var last signals.Signal
	const batches, per = 12, 2000
	for range batches {
		items := make([]known.Item, per)
		for i := range items {
			var h [32]byte
			for j := range h {
				h[j] = byte(rng.Uint32())
			}
			sg, err := signals.New(signals.PDQ, h[:])
			if err != nil {
				t.Fatal(err)
			}
			items[i] = known.Item{Bank: "a", Signals: []signals.Signal{sg}}
			last = sg
		}
		out, _, err := s.AddItems(items)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out {
			if !o.Added {
				t.Fatalf("outcome %+v", o)
			}
		}
	}
	ix := s.mem.near[signals.PDQ].ix
	segs, ov := ix.Shape()
	t.Logf("right after the additions: %d segments, %d in the overflow", segs, ov)
	deadline := time.Now().Add(20 * time.Second)
	for segs != 1 || ov != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d items added: the PDQ index still has %d segments and %d hashes in its overflow", batches*per, segs, ov)
		}
		time.Sleep(20 * time.Millisecond)
		segs, ov = ix.Shape()
	}
	// An import that paused long enough to pass for its end, and went on
	// with fewer items than a compaction calls for, has them compacted
	// too.
	tail := make([]known.Item, 500)
	for i := range tail {
		var h [32]byte
		for j := range h {
			h[j] = byte(rng.Uint32())
		}
		sg, _ := signals.New(signals.PDQ, h[:])
		tail[i] = known.Item{Bank: "a", Signals: []signals.Signal{sg}}
	}
	if _, _, err := s.AddItems(tail); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(20 * time.Second)
	for segs, ov = ix.Shape(); segs != 1 || ov != 0; segs, ov = ix.Shape() {
		if time.Now().After(deadline) {
			t.Fatalf("500 more items: the PDQ index has %d segments and %d hashes in its overflow", segs, ov)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ix.Len() != batches*per+len(tail) {
		t.Errorf("index holds %d hashes, want %d", ix.Len(), batches*per+len(tail))
	}
	found := 0
	err := s.View(func(st known.State) error {
		return st.Find(last, 0, func(it *known.Item, dist int) error {
			found++
			return nil
		})
	})
	if err != nil || found != 1 {
		t.Errorf("lookup of the last item: %d found, err %v", found, err)
	}
}
