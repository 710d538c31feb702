package pdq

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

var sinkResult Result

// BenchmarkHash measures the PDQ arithmetic alone, on decoded RGB pixels:
// the reference takes 4-5 ms per image for this step.
func BenchmarkHash(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, size := range []struct {
		w, h int
		opts Options
		name string
	}{
		{1024, 1024, Options{}, "1MP/squash"},
		{512, 512, Options{}, "512x512"},
		{1024, 1024, Options{Dihedral: true}, "1MP/squash+dihedral"},
		{1024, 1024, Options{FullResolution: true}, "1MP/fullres"},
	} {
		pix := make([]byte, size.w*size.h*3)
		for i := range pix {
			pix[i] = byte(rng.IntN(256))
		}
		b.Run(fmt.Sprintf("size=%s", size.name), func(b *testing.B) {
			hs := NewHasher(size.opts)
			b.ReportAllocs()
			for b.Loop() {
				sinkResult, _ = hs.Hash(pix, size.w, size.h, 3)
			}
		})
	}
}
