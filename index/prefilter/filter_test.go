package prefilter

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/atkm/herken/matcher/signals"
)

func randSig(rng *rand.Rand, t signals.Type) signals.Signal {
	b := make([]byte, t.Size())
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	s, err := signals.New(t, b)
	if err != nil {
		panic(err)
	}
	return s
}

func randSigs(seed uint64, t signals.Type, n int) []signals.Signal {
	rng := rand.New(rand.NewPCG(seed, uint64(t)))
	out := make([]signals.Signal, n)
	for i := range out {
		out[i] = randSig(rng, t)
	}
	return out
}

func each(keys []signals.Signal) func(func(signals.Signal)) error {
	return func(yield func(signals.Signal)) error {
		for _, k := range keys {
			yield(k)
		}
		return nil
	}
}

func mustNew(t *testing.T, typ signals.Type, n uint, fp float64) *Filter {
	t.Helper()
	f, err := New(typ, n, fp)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// fpRate measures the share of fresh keys reported as contained.
func fpRate(f *Filter, seed uint64, n int) float64 {
	fp := 0
	for _, k := range randSigs(seed, f.Type(), n) {
		if f.MayContain(k) {
			fp++
		}
	}
	return float64(fp) / float64(n)
}

func TestNoFalseNegatives(t *testing.T) {
	for _, typ := range []signals.Type{signals.SHA256, signals.MD5, signals.SHA1} {
		t.Run(typ.String(), func(t *testing.T) {
			keys := randSigs(1, typ, 50000)
			f := mustNew(t, typ, 10000, 0) // under-sized: Adds fold and overflow
			for i, k := range keys {
				if err := f.Add(k); err != nil {
					t.Fatal(err)
				}
				if i%997 == 0 && !f.MayContain(k) {
					t.Fatalf("key %d missing right after Add", i)
				}
			}
			f2 := mustNew(t, typ, 0, 0)
			if err := f2.Rebuild(uint(len(keys)), each(keys)); err != nil {
				t.Fatal(err)
			}
			for i, k := range keys {
				if !f.MayContain(k) || !f2.MayContain(k) {
					t.Fatalf("false negative for key %d", i)
				}
			}
			if !f.NeedsRebuild() || f2.NeedsRebuild() {
				t.Errorf("NeedsRebuild = %v, %v; want true, false", f.NeedsRebuild(), f2.NeedsRebuild())
			}
		})
	}
}

func TestFPRate(t *testing.T) {
	f := func(fp float64, n int) {
		t.Helper()
		filter := mustNew(t, signals.SHA256, uint(n), fp)
		for _, k := range randSigs(2, signals.SHA256, n) {
			filter.Add(k)
		}
		probes := int(100 / fp) // about 100 expected false positives
		got := fpRate(filter, 3, probes)
		if got > 2*fp || got < fp/4 {
			t.Errorf("fp rate %g at n=%d: measured %g", fp, n, got)
		}
		if est := filter.EstimatedFPRate(); est > 2*fp {
			t.Errorf("fp rate %g: estimated %g", fp, est)
		}
	}
	f(1e-2, 20000)
	f(1e-3, 50000)
}

func TestWrongType(t *testing.T) {
	f := mustNew(t, signals.SHA256, 10, 0)
	md5 := randSigs(4, signals.MD5, 1)[0]
	if err := f.Add(md5); err == nil {
		t.Error("Add accepted an md5 signal into a sha256 filter")
	}
	if f.MayContain(md5) {
		t.Error("MayContain true for another type")
	}
	for _, typ := range []signals.Type{signals.PDQ, 0} {
		if _, err := New(typ, 10, 0); err == nil {
			t.Errorf("New(%s) succeeded", typ)
		}
	}
	if _, err := New(signals.MD5, 10, 1.5); err == nil {
		t.Error("New accepted fp rate 1.5")
	}
}

func TestRebuildError(t *testing.T) {
	f := mustNew(t, signals.MD5, 100, 0)
	keys := randSigs(5, signals.MD5, 100)
	for _, k := range keys {
		f.Add(k)
	}
	boom := errors.New("store closed")
	err := f.Rebuild(10, func(yield func(signals.Signal)) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Rebuild err = %v", err)
	}
	for _, k := range keys {
		if !f.MayContain(k) {
			t.Fatal("failed Rebuild lost a key")
		}
	}
}

func TestConcurrent(t *testing.T) {
	keys := randSigs(6, signals.SHA1, 30000)
	f := mustNew(t, signals.SHA1, 1000, 1e-4)
	// The first third is in the "store" from the start.
	for _, k := range keys[:10000] {
		f.Add(k)
	}
	var mu sync.Mutex
	// keys[:stored] are in the store, keys[:added] in the filter too.
	stored, added := 10000, 10000 // guarded by mu
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 2 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				n := added
				mu.Unlock()
				if i := rng.IntN(n); !f.MayContain(keys[i]) {
					t.Errorf("false negative for key %d during updates", i)
					return
				}
			}
		})
	}
	wg.Go(func() { // writer: the store commits a key, then the filter adds it
		for i := 10000; i < len(keys); i++ {
			mu.Lock()
			stored = i + 1
			mu.Unlock()
			f.Add(keys[i])
			mu.Lock()
			added = i + 1
			mu.Unlock()
		}
	})
	for range 5 { // the owner rebuilds from the store meanwhile
		// Like a store iterator, the snapshot is taken when each is called.
		err := f.Rebuild(uint(len(keys)), func(yield func(signals.Signal)) error {
			mu.Lock()
			snapshot := keys[:stored]
			mu.Unlock()
			return each(snapshot)(yield)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for {
		mu.Lock()
		done := added == len(keys)
		mu.Unlock()
		if done {
			break
		}
	}
	close(stop)
	wg.Wait()
	for i, k := range keys {
		if !f.MayContain(k) {
			t.Fatalf("false negative for key %d", i)
		}
	}
}

func TestWriteRead(t *testing.T) {
	f := mustNew(t, signals.SHA256, 5000, 1e-5)
	keys := randSigs(7, signals.SHA256, 5000)
	for _, k := range keys {
		f.Add(k) // some stay in the side set: WriteTo must include them
	}
	var buf bytes.Buffer
	n, err := f.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo = %d, %v; buffer has %d", n, err, buf.Len())
	}
	size := buf.Len()
	buf.WriteString("trailer")
	g, err := ReadFilter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != "trailer" {
		t.Errorf("ReadFilter consumed %d bytes past the filter", 7-buf.Len())
	}
	if g.Type() != signals.SHA256 || g.FPRate() != 1e-5 || g.Count() != f.Count() || g.Capacity() != f.Capacity() {
		t.Errorf("read meta %+v, want %+v", g.Meta(), f.Meta())
	}
	for i, k := range keys {
		if !g.MayContain(k) {
			t.Fatalf("key %d lost in round trip", i)
		}
	}
	var buf2 bytes.Buffer
	g.WriteTo(&buf2)
	if buf2.Len() != size {
		t.Errorf("rewritten size %d, want %d", buf2.Len(), size)
	}
	md5 := mustNew(t, signals.MD5, 1, 0)
	if _, err := md5.ReadFrom(bytes.NewReader(buf2.Bytes())); err == nil {
		t.Error("read a sha256 filter into an md5 filter")
	}
	for _, bad := range []string{"", "HKNBLM01", "NOTAFILTER-------", string(buf2.Bytes()[:40])} {
		if _, err := ReadFilter(bytes.NewReader([]byte(bad))); !errors.Is(err, ErrFormat) {
			t.Errorf("ReadFilter(%q): err = %v, want ErrFormat", bad, err)
		}
	}
}
