package pdq

import (
	"math/rand/v2"
	"testing"
)

// dotDCT is dct64To16 written as the reference's dot products, one after
// the other: the interleaved one must give the same bits.
func dotDCT(a *[64][64]float32, b *[16][16]float32) {
	var t [16][64]float32
	for i := range 16 {
		for j := range 64 {
			var sum float32
			for k := range 64 {
				sum += dctMatrix[i][k] * a[k][j]
			}
			t[i][j] = sum
		}
	}
	for i := range 16 {
		for j := range 16 {
			var sum float32
			for k := range 64 {
				sum += t[i][k] * dctMatrix[j][k]
			}
			b[i][j] = sum
		}
	}
}

// TestDCTIsTheDotProducts checks the interleaved DCT bit for bit against
// the dot products on planes of luma-like values, smooth and noisy.
func TestDCTIsTheDotProducts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		var a [64][64]float32
		for i := range 64 {
			for j := range 64 {
				if n%2 == 0 {
					a[i][j] = 255 * rng.Float32()
				} else {
					a[i][j] = float32(i*j)/16 + rng.Float32()
				}
			}
		}
		var tmp [16][64]float32
		var got, want [16][16]float32
		dct64To16(&a, &tmp, &got)
		dotDCT(&a, &want)
		if got != want {
			t.Fatalf("plane %d: the interleaved DCT differs from the dot products", n)
		}
	}
}

// BenchmarkDCT compares the interleaved DCT with the dot products.
func BenchmarkDCT(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	var a [64][64]float32
	for i := range 64 {
		for j := range 64 {
			a[i][j] = 255 * rng.Float32()
		}
	}
	var tmp [16][64]float32
	var out [16][16]float32
	b.Run("interleaved", func(b *testing.B) {
		for range b.N {
			dct64To16(&a, &tmp, &out)
		}
	})
	b.Run("dot", func(b *testing.B) {
		for range b.N {
			dotDCT(&a, &out)
		}
	})
}
