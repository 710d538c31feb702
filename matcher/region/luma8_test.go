package region

import (
	"math/rand/v2"
	"testing"
)

// luma8Row must give the integer luma of every pixel exactly, on every
// length and for every byte in every channel.
func TestLuma8RowIsTheIntegerLuma(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 7, 8, 9, 16, 23, 256, 1080} {
		rgb := make([]byte, 3*n)
		for i := range rgb {
			rgb[i] = byte(rng.IntN(256))
		}
		if n == 256 {
			for i := range rgb {
				rgb[i] = byte(i/3) ^ byte(85*(i%3)) // every value, channels apart
			}
		}
		dst := make([]byte, n)
		luma8Row(dst, rgb)
		for x := range dst {
			p := rgb[3*x : 3*x+3]
			if want := uint8((77*int32(p[0]) + 150*int32(p[1]) + 29*int32(p[2])) >> 8); dst[x] != want {
				t.Fatalf("n=%d pixel %d %v: %d, want %d", n, x, p, dst[x], want)
			}
		}
	}
}

// Every one of the 2^24 colours, a red value a row.
func TestLuma8RowEveryColour(t *testing.T) {
	rgb := make([]byte, 3*65536)
	dst := make([]byte, 65536)
	for r := range 256 {
		for i := range 65536 {
			rgb[3*i], rgb[3*i+1], rgb[3*i+2] = byte(r), byte(i>>8), byte(i)
		}
		luma8Row(dst, rgb)
		for x, v := range dst {
			p := rgb[3*x : 3*x+3]
			if want := uint8((77*int32(p[0]) + 150*int32(p[1]) + 29*int32(p[2])) >> 8); v != want {
				t.Fatalf("%v: %d, want %d", p, v, want)
			}
		}
	}
}
