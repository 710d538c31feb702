package pdq

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkHashSamples compares HashSamples with HashLuma on one 64x64
// plane of samples, as a region is hashed.
func BenchmarkHashSamples(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	plane := make([]float32, 64*64)
	for i := range plane {
		plane[i] = 255 * rng.Float32()
	}
	scratch := make([]float32, 64*64)
	h := NewHasher(Options{})
	b.Run("func=HashLuma", func(b *testing.B) {
		for b.Loop() {
			copy(scratch, plane)
			sinkResult, _ = h.HashLuma(scratch, 64, 64)
		}
	})
	b.Run("func=HashSamples", func(b *testing.B) {
		for b.Loop() {
			copy(scratch, plane)
			sinkResult, _ = h.HashSamples(scratch)
		}
	})
}
