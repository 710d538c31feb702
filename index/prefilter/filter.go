package prefilter

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/atkm/herken/matcher/signals"
	"github.com/bits-and-blooms/bloom/v3"
)

// DefaultFPRate is the false-positive rate used when none is given.
const DefaultFPRate = 1e-6

// minCapacity keeps tiny filters from saturating after a few Adds.
const minCapacity = 1024

// generation is a published filter. Its bloom filter is never modified.
type generation struct {
	bf       *bloom.BloomFilter
	capacity uint // keys it was sized for
	count    uint // keys added to it (an upper bound on distinct keys)
}

// Filter is a Bloom filter over the values of one exact signal type.
// Create one with New or ReadFilter.
type Filter struct {
	typ    signals.Type
	fpRate float64

	cur     atomic.Pointer[generation]
	side    sync.Map // signals.Signal -> struct{}: added since the last fold
	sideLen atomic.Int64

	rebuildMu  sync.Mutex // serialises Rebuild
	mu         sync.Mutex // serialises changes to cur and side
	rebuilding bool       // no folds while a Rebuild collects keys
}

// New returns an empty filter for signals of exact type t, sized for
// expected keys at false-positive rate fpRate (DefaultFPRate if 0).
func New(t signals.Type, expected uint, fpRate float64) (*Filter, error) {
	if !t.Valid() || !t.Exact() {
		return nil, fmt.Errorf("prefilter: %s is not an exact signal type", t)
	}
	if fpRate == 0 {
		fpRate = DefaultFPRate
	}
	if !(fpRate > 0 && fpRate < 1) {
		return nil, fmt.Errorf("prefilter: false-positive rate %g not in (0, 1)", fpRate)
	}
	f := &Filter{typ: t, fpRate: fpRate}
	f.cur.Store(newGeneration(expected, fpRate))
	return f, nil
}

func newGeneration(capacity uint, fpRate float64) *generation {
	capacity = max(capacity, minCapacity)
	return &generation{bf: bloom.NewWithEstimates(capacity, fpRate), capacity: capacity}
}

// Type is the signal type whose values the filter holds.
func (f *Filter) Type() signals.Type { return f.typ }

// FPRate is the false-positive rate the filter is sized for.
func (f *Filter) FPRate() float64 { return f.fpRate }

// MayContain reports whether sig may have been added. A false answer is
// certain; a true one must be confirmed in the store. A signal of another
// type is never contained.
//
// MayContain can be called from concurrent goroutines; it never blocks.
func (f *Filter) MayContain(sig signals.Signal) bool {
	if sig.Type != f.typ {
		return false
	}
	// The side set is read before the filter: fold publishes the new
	// filter before it takes keys out of the side set, so a key missing
	// from the side set here is in the filter loaded below. The other order
	// loses a key that is folded between the two reads.
	if f.sideLen.Load() > 0 {
		if _, ok := f.side.Load(sig); ok {
			return true
		}
	}
	return f.cur.Load().bf.Test(sig.Bytes())
}

// Add adds sig, which must be of the filter's type. It is visible to every
// MayContain that starts after Add returns. Call it after the key is
// committed to the store, so that a concurrent Rebuild's iterator sees any
// key that Add folded into the filter being replaced.
//
// Add can be called from concurrent goroutines; it may copy the filter
// (a few milliseconds per million keys) to fold in recent additions.
func (f *Filter) Add(sig signals.Signal) error {
	if sig.Type != f.typ {
		return fmt.Errorf("prefilter: cannot add %s signal to a %s filter", sig.Type, f.typ)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, loaded := f.side.LoadOrStore(sig, struct{}{}); loaded {
		return nil
	}
	n := f.sideLen.Add(1)
	if !f.rebuilding && n > int64(foldAt(f.cur.Load().capacity)) {
		cur := f.cur.Load()
		f.fold(cur, cur.bf.Copy())
	}
	return nil
}

// foldAt is the side-set size that triggers a fold: large enough that the
// copy it costs is amortised over many Adds.
func foldAt(capacity uint) uint { return max(4096, capacity/128) }

// fold adds the side set to bf, a private copy of base's filter (or a
// rebuilt one), publishes it and clears the side set. Queries see every
// key throughout: bf is published before the keys leave the side set.
// Called with mu held.
func (f *Filter) fold(old *generation, bf *bloom.BloomFilter) {
	var keys []signals.Signal
	f.side.Range(func(k, _ any) bool {
		sig := k.(signals.Signal)
		bf.Add(sig.Bytes())
		keys = append(keys, sig)
		return true
	})
	f.cur.Store(&generation{bf: bf, capacity: old.capacity, count: old.count + uint(len(keys))})
	for _, k := range keys {
		f.side.Delete(k)
	}
	f.sideLen.Add(-int64(len(keys)))
}

// Count is the number of keys added since the filter was created or
// rebuilt. It is an upper bound on the distinct keys: a key added twice
// across a fold counts twice.
//
// Count can be called from concurrent goroutines.
func (f *Filter) Count() uint {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cur.Load().count + uint(f.sideLen.Load())
}

// Capacity is the number of keys the current filter was sized for.
func (f *Filter) Capacity() uint { return f.cur.Load().capacity }

// NeedsRebuild reports whether more keys were added than the filter was
// sized for, so that its false-positive rate now exceeds FPRate.
//
// NeedsRebuild can be called from concurrent goroutines.
func (f *Filter) NeedsRebuild() bool { return f.Count() > f.Capacity() }

// EstimatedFPRate is the expected false-positive rate of the current
// filter at its current count: (1 - e^(-kn/m))^k.
//
// EstimatedFPRate can be called from concurrent goroutines.
func (f *Filter) EstimatedFPRate() float64 {
	g := f.cur.Load()
	n := float64(f.Count())
	m, k := float64(g.bf.Cap()), float64(g.bf.K())
	return math.Pow(1-math.Exp(-k*n/m), k)
}

// Bytes is the size of the current filter's bit array.
func (f *Filter) Bytes() int64 { return int64(f.cur.Load().bf.Cap() / 8) }

// Rebuild replaces the filter with one sized for n keys (plus a quarter
// for growth) and filled with the keys each yields. each must yield every
// key in the store at the time Rebuild is called; keys of other types are
// skipped. Keys added during the rebuild are kept. If each returns an
// error, the current filter is kept.
//
// Rebuild can be called from concurrent goroutines; rebuilds are
// serialised. Queries and Adds proceed while it runs; Adds are not folded
// until it finishes.
func (f *Filter) Rebuild(n uint, each func(yield func(signals.Signal)) error) error {
	f.rebuildMu.Lock()
	defer f.rebuildMu.Unlock()
	f.mu.Lock()
	f.rebuilding = true
	f.mu.Unlock()

	g := newGeneration(n+n/4, f.fpRate)
	err := each(func(sig signals.Signal) {
		if sig.Type == f.typ {
			g.bf.Add(sig.Bytes())
			g.count++
		}
	})

	f.mu.Lock()
	defer f.mu.Unlock()
	f.rebuilding = false
	if err != nil {
		return fmt.Errorf("prefilter: rebuild %s filter: %w", f.typ, err)
	}
	// Keys added before or during the rebuild may not have been yielded:
	// fold the whole side set into the new filter.
	f.fold(g, g.bf)
	return nil
}
