package hamming

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/atkm/herken/matcher/signals"
)

func randHash(rng *rand.Rand, words int) Hash {
	var h Hash
	for i := range words {
		h[i] = rng.Uint64()
	}
	return h
}

// flip returns h with exactly k distinct bits among the first 64*words flipped.
func flip(rng *rand.Rand, h Hash, words, k int) Hash {
	for _, b := range rng.Perm(64 * words)[:k] {
		h[b/64] ^= 1 << (b % 64)
	}
	return h
}

// radiiFor lists radii around each probe-radius boundary, plus ones beyond
// maxRadius, which take the linear fallback.
func radiiFor(bits int) []int {
	if bits == 256 {
		return []int{0, 1, 15, 16, 17, 31, 32, 40}
	}
	return []int{0, 1, 3, 4, 5, 7, 8, 10, 11, 12, 15, 16, 20}
}

func maxRadiusFor(bits int) int {
	if bits == 256 {
		return 31
	}
	return 15
}

// check compares ix with the brute-force ref for every query and radius.
func check(t *testing.T, ix *Index, ref *LinearScan, queries []Hash, radii []int) {
	t.Helper()
	if ix.Len() != ref.Len() {
		t.Fatalf("Len = %d, want %d", ix.Len(), ref.Len())
	}
	for qi, q := range queries {
		for _, r := range radii {
			got := ix.Search(q, r, nil)
			want := ref.Search(q, r, nil)
			if !slices.Equal(got, want) {
				t.Fatalf("query %d radius %d: got %d hits, want %d\ngot  %v\nwant %v",
					qi, r, len(got), len(want), trim(got), trim(want))
			}
		}
	}
}

func trim(h []Hit) []Hit {
	if len(h) > 20 {
		return h[:20]
	}
	return h
}

// plant builds queries and, around each, stored hashes at distances r-1,
// r and r+1 for every radius in radii, so that every threshold is tested
// from both sides. add receives each stored hash with a fresh id.
func plant(rng *rand.Rand, words, nq int, radii []int, next *ID, add func(ID, Hash)) []Hash {
	queries := make([]Hash, nq)
	for i := range queries {
		q := randHash(rng, words)
		queries[i] = q
		for _, r := range radii {
			for _, d := range []int{r - 1, r, r + 1} {
				if d < 0 {
					continue
				}
				add(*next, flip(rng, q, words, d))
				*next++
			}
		}
	}
	return queries
}

func TestSearchMatchesLinearScan(t *testing.T) {
	for _, bits := range []int{256, 64} {
		for _, n := range []int{0, 1, 1000, 50000} {
			t.Run(fmt.Sprintf("bits=%d/items=%d", bits, n), func(t *testing.T) {
				words := bits / 64
				rng := rand.New(rand.NewPCG(uint64(bits), uint64(n)))
				b, err := NewBuilder(bits, maxRadiusFor(bits), 0)
				if err != nil {
					t.Fatal(err)
				}
				ref, _ := NewLinearScan(bits)
				add := func(id ID, h Hash) {
					if err := b.Add(id, h); err != nil {
						t.Fatal(err)
					}
					ref.Add(id, h)
				}
				var next ID
				for range n {
					add(next, randHash(rng, words))
					next++
				}
				var queries []Hash
				if n > 0 {
					queries = plant(rng, words, 20, radiiFor(bits), &next, add)
				}
				queries = append(queries, randHash(rng, words))
				ix := b.Index()
				check(t, ix, ref, queries, radiiFor(bits))
			})
		}
	}
}

func TestEmpty(t *testing.T) {
	ix, err := New(256, 31)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []int{-1, 0, 31, 32, 256} {
		if got := ix.Search(Hash{}, r, nil); len(got) != 0 {
			t.Errorf("radius %d: got %v on an empty index", r, got)
		}
	}
	if ix.Len() != 0 || ix.Remove(3) || ix.Contains(0) {
		t.Error("empty index reports content")
	}
	ix.Compact()
}

func TestDuplicates(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	ix, _ := New(256, 31)
	ix.minCompact = -1
	h := randHash(rng, 4)
	for id := range ID(100) {
		if err := ix.Add(id*3, h); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Add(3, h); !errors.Is(err, ErrExists) {
		t.Fatalf("Add of an existing id: err = %v, want ErrExists", err)
	}
	f := func(stage string) {
		t.Helper()
		got := ix.Search(h, 0, nil)
		if len(got) != 100 {
			t.Fatalf("%s: %d hits, want 100", stage, len(got))
		}
		for i, hit := range got {
			if hit.ID != ID(i*3) || hit.Distance != 0 {
				t.Fatalf("%s: hit %d = %v", stage, i, hit)
			}
		}
	}
	f("overflow")
	ix.Compact()
	f("compacted")
}

func TestAddRemoveInterleaved(t *testing.T) {
	for _, bits := range []int{256, 64} {
		t.Run(fmt.Sprintf("bits=%d", bits), func(t *testing.T) {
			words := bits / 64
			rng := rand.New(rand.NewPCG(42, uint64(bits)))
			b, _ := NewBuilder(bits, maxRadiusFor(bits), 0)
			ref, _ := NewLinearScan(bits)
			var next ID
			for range 5000 {
				h := randHash(rng, words)
				b.Add(next, h)
				ref.Add(next, h)
				next++
			}
			ix := b.Index()
			ix.minCompact = 50 // compact often, in the background
			add := func(id ID, h Hash) {
				if err := ix.Add(id, h); err != nil {
					t.Fatal(err)
				}
				ref.Add(id, h)
			}
			queries := plant(rng, words, 10, radiiFor(bits), &next, add)
			for round := range 40 {
				for range 200 {
					switch op := rng.IntN(10); {
					case op < 4: // remove a random id, present or not
						id := ID(rng.IntN(int(next)))
						if got, want := ix.Remove(id), ref.Remove(id); got != want {
							t.Fatalf("Remove(%d) = %v, want %v", id, got, want)
						}
					case op < 7: // re-add a removed id with a near-duplicate
						id := ID(rng.IntN(int(next)))
						if ix.Contains(id) {
							continue
						}
						q := queries[rng.IntN(len(queries))]
						add(id, flip(rng, q, words, rng.IntN(maxRadiusFor(bits)+3)))
					default: // a new id
						add(next, flip(rng, queries[rng.IntN(len(queries))], words, rng.IntN(40)))
						next++
					}
				}
				if round%10 == 9 {
					ix.Compact()
				}
				check(t, ix, ref, queries, radiiFor(bits))
			}
		})
	}
}

func TestConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	b, _ := NewBuilder(256, 31, 0)
	ref, _ := NewLinearScan(256)
	var next ID
	for range 20000 {
		h := randHash(rng, 4)
		b.Add(next, h)
		ref.Add(next, h)
		next++
	}
	ix := b.Index()
	ix.minCompact = 100
	queries := make([]Hash, 8)
	for i := range queries {
		queries[i] = randHash(rng, 4)
	}
	// Writers touch only ids >= 20000 near queries; the stable items must
	// be found by every concurrent search.
	stable := make([][]Hit, len(queries))
	for i, q := range queries {
		stable[i] = ref.Search(q, 31, nil)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 2 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				qi := rng.IntN(len(queries))
				got := ix.Search(queries[qi], 31, nil)
				for _, want := range stable[qi] {
					if !slices.Contains(got, want) {
						t.Errorf("concurrent search lost %v", want)
						return
					}
				}
			}
		})
	}
	wrng := rand.New(rand.NewPCG(3, 4))
	for i := range 3000 {
		id := 20000 + ID(wrng.IntN(1000))
		if ix.Contains(id) {
			ix.Remove(id)
			ref.Remove(id)
		} else {
			h := flip(wrng, queries[wrng.IntN(len(queries))], 4, wrng.IntN(34))
			ix.Add(id, h)
			ref.Add(id, h)
		}
		if i%1000 == 999 {
			ix.Compact()
		}
	}
	close(stop)
	wg.Wait()
	check(t, ix, ref, queries, []int{0, 16, 31, 32})
}

func TestConfig(t *testing.T) {
	f := func(bits, maxRadius int, ok bool) {
		t.Helper()
		_, err := New(bits, maxRadius)
		if (err == nil) != ok {
			t.Errorf("New(%d, %d): err = %v, want ok=%v", bits, maxRadius, err, ok)
		}
	}
	f(256, 31, true)
	f(256, 63, true)
	f(256, 64, false)
	f(64, 15, true)
	f(64, 16, false)
	f(64, -1, false)
	f(128, 10, false)
}

func TestFromSignal(t *testing.T) {
	pdq, err := signals.Parse(signals.PDQ,
		"f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")
	if err != nil {
		t.Fatal(err)
	}
	h, err := FromSignal(pdq)
	if err != nil {
		t.Fatal(err)
	}
	if h[0] != 0xf8f8f0cee0f4a84f || h[3] != 0x33e6b39c4e9c9b22 {
		t.Errorf("FromSignal packed %x", h)
	}
	md5, _ := signals.Parse(signals.MD5, "d41d8cd98f00b204e9800998ecf8427e")
	if _, err := FromSignal(md5); err == nil {
		t.Error("FromSignal accepted an exact signal")
	}
	ph, _ := signals.Parse(signals.PHash, "8000000000000001")
	if h, err := FromSignal(ph); err != nil || h != (Hash{0x8000000000000001}) {
		t.Errorf("FromSignal(phash) = %x, %v", h, err)
	}
}
