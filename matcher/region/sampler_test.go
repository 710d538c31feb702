package region

import (
	"image"
	"math/rand"
	"testing"
)

// TestSamplerPairIsBothCalls checks that SquashedPair gives bit for bit
// the samples of Squashed and SquashedMirrored, from a loaded plane and
// from the pixels, in colour and grey: regions squashed on both sides, on
// one, not at all, small ones and ones reaching past the photo.
func TestSamplerPairIsBothCalls(t *testing.T) {
	origs := loadOriginals(t)
	origs = origs[:min(len(origs), 8)]
	rng := rand.New(rand.NewSource(9))
	var single, pair Sampler
	for _, o := range origs {
		m, truth := reencode(t, framed(rng, o.img, black), false, 1, 85)
		grey := make([]byte, m.Width*m.Height)
		for i := range grey {
			grey[i] = m.Pix[3*i]
		}
		for _, ph := range []struct {
			pix      []byte
			channels int
		}{{m.Pix, 3}, {grey, 1}} {
			for _, loaded := range []bool{false, true} {
				if loaded {
					single.Load(ph.pix, m.Width, m.Height, ph.channels)
					pair.Load(ph.pix, m.Width, m.Height, ph.channels)
				}
				rects := []image.Rectangle{truth[0], truth[0].Inset(7), image.Rect(3, 1, m.Width-2, min(m.Height, 300)),
					image.Rect(9, 4, min(m.Width, 200), min(m.Height, 150)), image.Rect(-5, -3, m.Width+4, m.Height+2),
					image.Rect(0, 0, 6, 6)}
				for _, r := range rects {
					var got, gotM, want, wantM [64 * 64]float32
					ok := pair.SquashedPair(ph.pix, m.Width, m.Height, ph.channels, r, got[:], gotM[:])
					okW := single.Squashed(ph.pix, m.Width, m.Height, ph.channels, r, want[:])
					okM := single.SquashedMirrored(ph.pix, m.Width, m.Height, ph.channels, r, wantM[:])
					if ok != okW || ok != okM {
						t.Fatalf("%s %v: sampled %v, one by one %v and %v", o.name, r, ok, okW, okM)
					}
					if !ok {
						continue
					}
					if got != want || gotM != wantM {
						t.Errorf("%s %d channels, loaded %v, %v: the pair's samples differ from the single calls' (as found %v, mirrored %v)",
							o.name, ph.channels, loaded, r, got == want, gotM == wantM)
					}
				}
				single.Unload()
				pair.Unload()
			}
		}
	}
	var s Sampler
	if s.SquashedPair(make([]byte, 64*64), 64, 64, 1, image.Rect(0, 0, 64, 64), make([]float32, 64*64), nil) {
		t.Error("a pair with no room for the mirrored samples was sampled")
	}
}
