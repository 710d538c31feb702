package region

import (
	"math/rand"
	"slices"
	"testing"
)

// TestFinishWordsAsSamples checks that the eight-at-a-time line figures
// equal the one-sample-at-a-time ones bit for bit, on random lines, flat
// lines, the extremes 0 and 255, and lines that jump by exactly the
// thresholds (bigStep, domMargin, colourTol) either way.
func TestFinishWordsAsSamples(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for trial := range 400 {
		n, m := 1+rng.Intn(60), 8*(1+rng.Intn(lineSamples/8))
		if trial%4 == 0 {
			m = lineSamples
		}
		var a, b lineProfile
		a.reset(n, m)
		b.reset(n, m)
		base, spread := rng.Intn(256), 1+rng.Intn(256)
		for i := range a.lum {
			var v int
			switch trial % 5 {
			case 0: // anything
				v = rng.Intn(256)
			case 1: // near flat
				v = base + rng.Intn(min(spread, 2*colourTol+3)) - colourTol
			case 2: // the extremes
				v = 255 * rng.Intn(2)
			case 3: // steps of exactly the thresholds from line to line
				steps := []int{0, bigStep - 1, bigStep, domMargin, domMargin + 1, colourTol, colourTol + 1}
				v = base + (i/m%3-1)*steps[rng.Intn(len(steps))]
			default:
				v = base + rng.Intn(spread) - spread/2
			}
			a.lum[i] = uint8(min(max(v, 0), 255))
		}
		copy(b.lum, a.lum)
		for l := range n {
			a.along[l] = float32(rng.Intn(255 * m))
			b.along[l] = a.along[l]
		}
		var sa, sb []uint8
		a.finishWords(&sa)
		b.finishSamples(&sb)
		for name, pair := range map[string][2][]float32{
			"step": {a.step, b.step}, "wide": {a.wide, b.wide}, "along": {a.along, b.along},
			"mean": {a.mean, b.mean}, "flat": {a.flat, b.flat}, "dom": {a.dom, b.dom},
		} {
			if !slices.Equal(pair[0], pair[1]) {
				t.Fatalf("trial %d (%d lines of %d): %s by words %v, by samples %v", trial, n, m, name, pair[0], pair[1])
			}
		}
	}
}
