package region

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The kernels the column pass runs (AVX on amd64 where the CPU has it)
// must give the Go loops' sums bit for bit: a region's hash may not depend
// on the machine that computed it.
func TestWeightedKernelsMatchTheLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 100, 511, 512, 1080} {
		src := make([]float32, n+3)
		for i := range src {
			src[i] = float32(rng.IntN(256)) * (0.1 + rng.Float32())
		}
		w := []float32{0.0625, 0.125, 0.1875, 0.25, 1 / 3.0, rng.Float32()}
		got, want := make([]float32, n), make([]float32, n)
		for k, wt := range w {
			if k == 0 {
				scaleInto(got, src[k:], wt)
				scaleIntoGo(want, src[k:], wt)
				continue
			}
			addScaled(got, src[k%3:], wt)
			addScaledGo(want, src[k%3:], wt)
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d: value %d is %v, the loops give %v", n, i, got[i], want[i])
			}
		}
	}
}

// weightedSum must give, bit for bit, what scaleInto then addScaled for
// each further tap give, for every number of taps and length.
func TestWeightedSumIsTapByTap(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, n := range []int{1, 7, 8, 9, 64, 517, 1080} {
		for taps := 1; taps <= maxTaps; taps++ {
			var srcs [maxTaps][]float32
			w := make([]float32, taps)
			for q := range taps {
				srcs[q] = make([]float32, n+q)
				for i := range srcs[q] {
					srcs[q][i] = float32(rng.IntN(256)) * (0.1 + rng.Float32())
				}
				w[q] = rng.Float32()
			}
			want := make([]float32, n)
			scaleIntoGo(want, srcs[0], w[0])
			for q := 1; q < taps; q++ {
				addScaledGo(want, srcs[q], w[q])
			}
			got := make([]float32, n)
			weightedSum(got, &srcs, w)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("n=%d taps=%d: value %d is %v, tap by tap %v", n, taps, i, got[i], want[i])
				}
			}
		}
	}
}
