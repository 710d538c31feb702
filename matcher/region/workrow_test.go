package region

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The working copy's rows (workRow: AVX2 where the CPU has it) must be
// the Go loop's, for the sample columns newWork takes, on every width
// around the kernel's steps and for every shade from black to white.
func TestWorkRowMatchesTheLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	for _, width := range []int{3, 5, 6, 7, 10, 33, 320, 321, 1080, 4000} {
		w := min(width, workSide)
		ra, rb := make([]byte, 3*width), make([]byte, 3*width)
		for i := range ra {
			ra[i], rb[i] = byte(rng.IntN(256)), byte(rng.IntN(256))
		}
		if width == 1080 {
			for i := range ra {
				ra[i], rb[i] = byte(i/3), byte(255-i/3) // every shade
			}
		}
		xa, xb := make([]int, w), make([]int, w)
		for x := range xa {
			xs := samples3(x*width/w, (x+1)*width/w)
			xa[x], xb[x] = 3*xs[0], 3*xs[1]
		}
		rgb, lum := make([]byte, 3*w), make([]byte, w)
		wrgb, wlum := make([]byte, 3*w), make([]byte, w)
		workRow(ra, rb, xa, xb, rgb, lum)
		workRowGo(ra, rb, xa, xb, wrgb, wlum)
		if !slices.Equal(rgb, wrgb) || !slices.Equal(lum, wlum) {
			t.Fatalf("width %d: the working copy's row differs from the loop's", width)
		}
	}
}

// Every colour as a cell of one pixel: the luma's rounding and its
// division are exact for all 2^24 of them.
func TestWorkRowEveryColour(t *testing.T) {
	const n = 65536
	row := make([]byte, 3*n)
	xs := make([]int, n)
	for x := range xs {
		xs[x] = 3 * x
	}
	rgb, lum := make([]byte, 3*n), make([]byte, n)
	wrgb, wlum := make([]byte, 3*n), make([]byte, n)
	for r := range 256 {
		for i := range n {
			row[3*i], row[3*i+1], row[3*i+2] = byte(r), byte(i>>8), byte(i)
		}
		workRow(row, row, xs, xs, rgb, lum)
		workRowGo(row, row, xs, xs, wrgb, wlum)
		if !slices.Equal(rgb, wrgb) || !slices.Equal(lum, wlum) {
			t.Fatalf("red %d: the cells differ from the loop's", r)
		}
	}
}
