package region

import (
	"image"
	"math/rand"
	"testing"
)

// BenchmarkSamplerRegion times what the matcher asks of a Sampler for the
// regions of a 1080x1080 re-post (three, as on the padded ones): their
// samples as found and at two insets, each also mirrored, from a freshly
// loaded photo, by single calls and by pairs.
func BenchmarkSamplerRegion(b *testing.B) {
	const w, h = 1080, 1080
	rng := rand.New(rand.NewSource(1))
	pix := make([]byte, w*h*3)
	for i := range pix {
		pix[i] = byte(rng.Intn(256))
	}
	var rects []image.Rectangle
	for _, found := range []image.Rectangle{image.Rect(54, 175, 54+972, 175+729), image.Rect(0, 175, 1080, 175+729), image.Rect(54, 0, 54+972, 1080)} {
		rects = append(rects, found, found.Inset(7), found.Inset(18))
	}
	var s Sampler
	var out, mirrored [64 * 64]float32
	b.Run("calls=single", func(b *testing.B) {
		for b.Loop() {
			s.Load(pix, w, h, 3)
			for _, r := range rects {
				if !s.Squashed(pix, w, h, 3, r, out[:]) || !s.SquashedMirrored(pix, w, h, 3, r, mirrored[:]) {
					b.Fatal("not sampled")
				}
			}
			s.Unload()
		}
	})
	b.Run("calls=pair", func(b *testing.B) {
		for b.Loop() {
			s.Load(pix, w, h, 3)
			for _, r := range rects {
				if !s.SquashedPair(pix, w, h, 3, r, out[:], mirrored[:]) {
					b.Fatal("not sampled")
				}
			}
			s.Unload()
		}
	})
}
