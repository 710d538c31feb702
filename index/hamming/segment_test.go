package hamming

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"
)

func TestExtract(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for range 100 {
		h := randHash(rng, 4)
		for off := uint(0); off < 256; off++ {
			for width := uint(1); width <= 24 && off+width <= 256; width++ {
				want := uint32(0)
				for b := off; b < off+width; b++ {
					want = want<<1 | uint32(h[b/64]>>(63-b%64)&1)
				}
				if got := extract(h[:], off, width); got != want {
					t.Fatalf("extract(%x, %d, %d) = %x, want %x", h, off, width, got, want)
				}
			}
		}
	}
}

func TestLayout(t *testing.T) {
	for _, words := range []int{1, 4} {
		l := layoutFor(words)
		end := uint(0)
		for i := range l.m {
			if l.off[i] != end || l.width[i] > 24 || (i > 0 && l.width[i] > l.width[i-1]) {
				t.Fatalf("words=%d: substring %d at %d+%d after %d", words, i, l.off[i], l.width[i], end)
			}
			end += l.width[i]
		}
		if end != uint(64*words) {
			t.Fatalf("words=%d: substrings cover %d bits", words, end)
		}
	}
}

func TestRadii(t *testing.T) {
	for _, m := range []int{4, 11} {
		for r := range 64 {
			var rad [maxSubs]int
			probed := radii(m, r, &rad)
			sum, n := 0, 0
			for i := range m {
				sum += rad[i] + 1
				if rad[i] >= 0 {
					n++
				}
				if rad[i] < -1 || (i > 0 && rad[i] > rad[i-1]) || (rad[i] >= 0) != (i < probed) {
					t.Fatalf("m=%d r=%d: radii %v, probed %d", m, r, rad[:m], probed)
				}
			}
			if sum != r+1 || n != probed {
				t.Fatalf("m=%d r=%d: radii %v sum to %d", m, r, rad[:m], sum)
			}
		}
	}
}

func TestNextComb(t *testing.T) {
	for k := 1; k <= 4; k++ {
		var got []uint32
		for x := uint32(1)<<k - 1; x < 1<<10; x = nextComb(x) {
			got = append(got, x)
		}
		var want []uint32
		for x := uint32(0); x < 1<<10; x++ {
			if bits.OnesCount32(x) == k {
				want = append(want, x)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("k=%d: got %v, want %v", k, got, want)
		}
	}
}

// flipIn returns h with k distinct bits flipped among bits [off, off+n).
func flipIn(rng *rand.Rand, h Hash, off, n uint, k int) Hash {
	for _, b := range rng.Perm(int(n))[:k] {
		bit := off + uint(b)
		h[bit/64] ^= 1 << (63 - bit%64)
	}
	return h
}

// TestPigeonholeEdges plants, for every prefix width, radius and probed
// substring i, hashes that only substring i can find: their distance on
// every other substring j is rad[j]+1, and on substring i it is rad[i]
// (so the hash is at distance exactly r) or rad[i]+1 (distance r+1),
// split in every way between the prefix and the key bits. The search must
// return exactly the ones at distance r.
func TestPigeonholeEdges(t *testing.T) {
	for _, bits := range []int{256, 64} {
		words := bits / 64
		lay := layoutFor(words)
		ps, rs := []uint{16, 17, 20, 23}, []int{0, 1, 10, 11, 21, 22, 31}
		if bits == 64 {
			ps, rs = []uint{16}, []int{0, 1, 3, 4, 7, 8, 11, 15}
		}
		for _, p := range ps {
			t.Run(fmt.Sprintf("bits=%d/p=%d", bits, p), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(p), uint64(bits)))
				ref, _ := NewLinearScan(bits)
				var slab []uint64
				var ids []ID
				add := func(h Hash) {
					id := ID(len(ids))
					ids = append(ids, id)
					slab = append(slab, h[:words]...)
					ref.Add(id, h)
				}
				for range 3000 {
					add(randHash(rng, words))
				}
				var queries []Hash
				for _, r := range rs {
					var rad [maxSubs]int
					probed := radii(lay.m, r, &rad)
					q := randHash(rng, words)
					queries = append(queries, q)
					for i := range probed {
						kbits := int(lay.width[i] - p)
						for extra := range 2 {
							for key := 0; key <= min(rad[i]+extra, kbits); key++ {
								h := q
								for j := range lay.m {
									if j != i {
										h = flipIn(rng, h, lay.off[j], lay.width[j], rad[j]+1)
									}
								}
								h = flipIn(rng, h, lay.off[i], p, rad[i]+extra-key)
								h = flipIn(rng, h, lay.off[i]+p, uint(kbits), key)
								add(h)
							}
						}
					}
				}
				ix := newIndex(words, maxRadiusFor(bits), buildSegmentP(words, slab, 0, ids, stateBase, p),
					make([]uint8, len(ids)), len(ids))
				for _, id := range ids {
					ix.state[id] = stateBase
				}
				check(t, ix, ref, queries, rs)
			})
		}
	}
}

func TestAdviseHuge(t *testing.T) {
	// A hint only: it must accept any slice, aligned or not.
	adviseHuge([]byte(nil))
	b := make([]byte, 5<<20)
	adviseHuge(b[3:])
	adviseHuge(b[:4<<20+1])
	u := make([]uint64, 1<<20)
	adviseHuge(u[1:])
	b[len(b)-1], u[len(u)-1] = 1, 1
}
