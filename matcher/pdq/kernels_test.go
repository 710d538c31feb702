package pdq

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The DCT's dot products and the quality's sum must be the Go loops' bit
// for bit, whichever kernel runs, on noise, on flat planes and on steps.
func TestKernelsMatchTheLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	var a [64][64]float32
	for trial := range 40 {
		for i := range a {
			for j := range a[i] {
				switch trial % 4 {
				case 0:
					a[i][j] = rng.Float32() * 255
				case 1:
					a[i][j] = 128
				case 2:
					a[i][j] = float32(255 * ((i/8 + j/8) % 2))
				default:
					a[i][j] = float32(i*4) + rng.Float32()*3 - float32(j)
				}
			}
		}
		if got, want := quality(&a), qualityGo(&a); got != want {
			t.Fatalf("trial %d: quality %d, the loop %d", trial, got, want)
		}
		for _, n := range []int{1, 16, 64} {
			for j := 0; j+8 <= 64; j += 8 {
				d := &dctMatrix[trial%16]
				var got, want [8]float32
				dotColumns8(d, a[:n], j, &got)
				dotColumns8Go(d, a[:n], j, &want)
				for c := range got {
					if math.Float32bits(got[c]) != math.Float32bits(want[c]) {
						t.Fatalf("trial %d n %d j %d column %d: %v, the loop %v", trial, n, j, c, got[c], want[c])
					}
				}
			}
		}
	}
}
