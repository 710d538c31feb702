package region

import (
	"math/rand/v2"
	"testing"
)

// countNear (AVX2 where the CPU has it) must count what the loop counts,
// on every length around its steps of sixteen, near and far from the
// colour and exactly at the tolerance on each channel.
func TestCountNearMatchesTheLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	col := [3]uint8{100, 30, 240}
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 100, 320} {
		rgb := make([]byte, 3*n)
		for trial := range 20 {
			for i := range rgb {
				c := int(col[i%3])
				switch trial % 3 {
				case 0:
					rgb[i] = byte(rng.IntN(256))
				case 1:
					rgb[i] = byte(min(255, max(0, c+rng.IntN(27)-13))) // at the edges of 12
				default:
					rgb[i] = byte(min(255, max(0, c+[]int{-24, -25, 24, 25, 0}[rng.IntN(5)])))
				}
			}
			for _, tol := range []int{0, 12, 24} {
				if got, want := countNear(rgb, col, tol), countNearGo(rgb, col, tol); got != want {
					t.Fatalf("n=%d trial %d tol %d: %d, the loop %d", n, trial, tol, got, want)
				}
			}
		}
	}
}
