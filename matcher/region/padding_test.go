package region

import (
	"image"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

// TestFindPaddingOnAllSides centres a landscape picture, shrunk to 90% of
// the width, on a square canvas covered by a blurred copy of itself (how
// apps fit a picture to a square post): padding on all four sides. Over the
// whole image the left and right seams are weak, since the padding above
// and below continues there; Find must still bound all four sides. An
// earlier Find returned only the rows' band, full width, which hashes 60+
// bits from the original.
func TestFindPaddingOnAllSides(t *testing.T) {
	origs := loadOriginals(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	tried := 0
	for _, o := range origs {
		w, ht := dims(o.img)
		if w*10 < ht*13 || tried == 6 {
			continue // not clearly landscape, or enough cases
		}
		tried++
		side := w * 100 / 90
		dst := blur(cover(o.img, side, side), side, side)
		in := paste(dst, o.img, image.Pt((side-w)/2, (side-ht)/2))
		m, truth := reencode(t, post{img: dst, truth: []image.Rectangle{in}}, false, 1, 85)
		rs := Find(m.Pix, m.Width, m.Height, m.Channels)
		d, at := bestDistance(t, h, m, rs, o.hash)
		if d > matchThreshold {
			t.Errorf("%s: best region %v is %d bits away; truth %v, regions %v", o.name, at, d, truth[0], rects(rs))
			continue
		}
		t.Logf("%s: %v at %d bits (truth %v)", o.name, at, d, truth[0])
	}
	if tried < 3 {
		t.Fatalf("only %d landscape fixtures", tried)
	}
}
