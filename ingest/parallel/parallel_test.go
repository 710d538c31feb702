package parallel

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestOrderedMapKeepsOrderAndBounds(t *testing.T) {
	in := make([]int, 200)
	for i := range in {
		in[i] = i
	}
	var running, peak atomic.Int32
	var got []int
	err := OrderedMap(context.Background(), in, 3, func(v int) int {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(time.Duration(v%5) * 100 * time.Microsecond) // finish out of order
		running.Add(-1)
		return v * 2
	}, func(v int) error {
		got = append(got, v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != 2*i {
			t.Fatalf("result %d = %d, want %d", i, v, 2*i)
		}
	}
	if len(got) != len(in) || peak.Load() > 3 {
		t.Errorf("%d results, peak concurrency %d", len(got), peak.Load())
	}
}

func TestOrderedMapStops(t *testing.T) {
	boom := errors.New("boom")
	n := 0
	err := OrderedMap(context.Background(), make([]int, 1000), 2, func(int) int { return 0 }, func(int) error {
		n++
		if n == 10 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || n != 10 {
		t.Errorf("err %v after %d", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := OrderedMap(ctx, make([]int, 1000), 2, func(int) int { return 0 }, func(int) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestFor: every index is visited once, and a cancelled context starts
// nothing.
func TestFor(t *testing.T) {
	var seen [100]atomic.Int32
	For(context.Background(), 3, len(seen), func(i int) { seen[i].Add(1) })
	for i := range seen {
		if n := seen[i].Load(); n != 1 {
			t.Fatalf("index %d visited %d times", i, n)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var calls atomic.Int32
	For(ctx, 2, 10, func(int) { calls.Add(1) })
	if calls.Load() != 0 {
		t.Errorf("%d calls after cancel", calls.Load())
	}
}
