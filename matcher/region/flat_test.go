package region

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// markFlat's kernels (AVX2 on amd64 where the CPU has it) must give the Go
// loops' results on every length, on noise and on near-flat rows.
func TestFlatKernelsMatchTheLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 2, 3, 31, 32, 33, 34, 64, 66, 100, 320} {
		for _, spread := range []int{256, 9, 3} {
			row := func() []byte {
				r := make([]byte, n)
				base := rng.IntN(256 - min(spread, 255))
				for i := range r {
					r[i] = byte(base + rng.IntN(spread))
				}
				return r
			}
			r0, r1, r2 := row(), row(), row()
			lo, hi := make([]byte, n), make([]byte, n)
			wlo, whi := make([]byte, n), make([]byte, n)
			minMax3(lo, hi, r0, r1, r2)
			minMax3Go(wlo, whi, r0, r1, r2)
			if !slices.Equal(lo, wlo) || !slices.Equal(hi, whi) {
				t.Fatalf("n=%d spread %d: minMax3 differs from the loop", n, spread)
			}
			if n < 3 {
				continue
			}
			for _, tol := range []int32{0, 4, 200} {
				f, want := make([]bool, n-2), make([]bool, n-2)
				flatInner(f, lo, hi, tol)
				flatInnerGo(want, lo, hi, tol)
				if !slices.Equal(f, want) {
					t.Fatalf("n=%d spread %d tol %d: flatInner differs from the loop", n, spread, tol)
				}
			}
		}
	}
}
