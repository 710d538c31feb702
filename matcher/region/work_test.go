package region

import (
	"math/rand"
	"slices"
	"testing"
)

// floodComponents is the plain definition components must agree with: a
// flood from each unseen content pixel in raster order through its eight
// neighbours.
func floodComponents(k *work, minArea int) []component {
	w, h := k.w, k.h
	seen := make([]bool, w*h)
	var out []component
	for s := range seen {
		if seen[s] || k.bg[s] {
			continue
		}
		c := component{b: box{w, h, -1, -1}}
		seen[s] = true
		stack := []int{s}
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := i%w, i/w
			c.size++
			c.b.x0, c.b.y0 = min(c.b.x0, x), min(c.b.y0, y)
			c.b.x1, c.b.y1 = max(c.b.x1, x+1), max(c.b.y1, y+1)
			for yy := max(0, y-1); yy <= min(h-1, y+1); yy++ {
				for xx := max(0, x-1); xx <= min(w-1, x+1); xx++ {
					if j := yy*w + xx; !seen[j] && !k.bg[j] {
						seen[j] = true
						stack = append(stack, j)
					}
				}
			}
		}
		if c.b.area() >= minArea {
			out = append(out, c)
		}
	}
	return out
}

// TestComponentsAsFlood checks the run-labelling components against a
// flood fill on random masks of every density, including spirals and
// diagonal-only contacts that join runs across rows in any order.
func TestComponentsAsFlood(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for trial := range 300 {
		w, h := 1+rng.Intn(60), 1+rng.Intn(40)
		k := &work{w: w, h: h, bg: make([]bool, w*h)}
		density := rng.Float64()
		for i := range k.bg {
			k.bg[i] = rng.Float64() < density
		}
		if trial%10 == 0 { // a checkerboard: every contact diagonal
			for i := range k.bg {
				k.bg[i] = (i%w+i/w)%2 == 0
			}
		}
		for _, minArea := range []int{0, 5, w * h / 8} {
			got, want := k.components(minArea), floodComponents(k, minArea)
			if !slices.Equal(got, want) {
				t.Fatalf("trial %d (%dx%d, min %d): components %v, flood %v", trial, w, h, minArea, got, want)
			}
		}
	}
}

// TestMarkFlatAsDefined checks the separable flat mask against its
// definition, the luma range of each pixel's 3x3 neighbourhood (clipped at
// the edges) at most flatTol, on random lumas near flat and not.
func TestMarkFlatAsDefined(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for trial := range 200 {
		w, h := 1+rng.Intn(40), 1+rng.Intn(30)
		k := &work{w: w, h: h, lum: make([]uint8, w*h)}
		base, spread := rng.Intn(250), 1+rng.Intn(12)
		for i := range k.lum {
			k.lum[i] = uint8(base + rng.Intn(spread))
		}
		k.markFlat()
		for y := range h {
			for x := range w {
				lo, hi := 255, 0
				for yy := max(0, y-1); yy <= min(h-1, y+1); yy++ {
					for xx := max(0, x-1); xx <= min(w-1, x+1); xx++ {
						v := int(k.lum[yy*w+xx])
						lo, hi = min(lo, v), max(hi, v)
					}
				}
				if want := hi-lo <= flatTol; k.flat[y*w+x] != want {
					t.Fatalf("trial %d (%dx%d) at %d,%d: flat %v, want %v", trial, w, h, x, y, k.flat[y*w+x], want)
				}
			}
		}
	}
}
