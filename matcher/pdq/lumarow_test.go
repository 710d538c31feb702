package pdq

import (
	"math"
	"math/rand/v2"
	"testing"
)

// LumaRow must give Luma's value for every pixel, bit for bit, on every
// length (its fast steps and the rest) and for every byte in every channel.
func TestLumaRowIsLuma(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 7, 8, 9, 16, 23, 64, 257, 1080} {
		rgb := make([]byte, 3*n)
		for i := range rgb {
			rgb[i] = byte(rng.IntN(256))
		}
		if n == 257 {
			for i := range rgb {
				rgb[i] = byte(i / 3) // every value in each channel
			}
		}
		dst := make([]float32, n)
		LumaRow(dst, rgb)
		for x := range dst {
			want := Luma(rgb[3*x], rgb[3*x+1], rgb[3*x+2])
			if math.Float32bits(dst[x]) != math.Float32bits(want) {
				t.Fatalf("n=%d pixel %d %v: %v, Luma gives %v", n, x, rgb[3*x:3*x+3], dst[x], want)
			}
		}
	}
}
