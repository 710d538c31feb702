package region

import (
	"image"
	"image/color"
	"math/rand"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

// darkBandEdged returns a copy of o whose left band, a sixth of its width,
// is one dark grey (luma about 20) ending in a straight line: a picture
// whose own edge is nearly a near-black frame's colour, a few levels
// brighter.
func darkBandEdged(o *image.RGBA, rng *rand.Rand) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	copy(out.Pix, o.Pix)
	for y := 0; y < h; y++ {
		for x := 0; x < w/6; x++ {
			v := uint8(19 + rng.Intn(3))
			out.SetRGBA(x, y, color.RGBA{v, v, v + 1, 255})
		}
	}
	return out
}

// TestFindUnevenFrameAroundDarkEdge finds a picture in a near-black frame
// of four different widths whose own left edge is a dark grey: no step
// across the line ends the frame's left side, and the widths differ, so
// the frame is not completed at one width. The frame's colour ends there.
func TestFindUnevenFrameAroundDarkEdge(t *testing.T) {
	origs := loadOriginals(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	rng := rand.New(rand.NewSource(22))
	n := 0
	for i, o := range origs {
		w, ht := dims(o.img)
		if w < ht || i%5 != 2 || n == 4 {
			continue
		}
		n++
		pic := darkBandEdged(o.img, rng)
		want := hashRGBA(t, h, pic).Hash
		sides := [4]int{w * 5 / 100, w * 12 / 100, w * 8 / 100, w * 16 / 100}
		dst := image.NewRGBA(image.Rect(0, 0, w+sides[left]+sides[right], ht+sides[top]+sides[bottom]))
		fill(dst, dst.Bounds(), color.RGBA{8, 8, 9, 255})
		r := paste(dst, pic, image.Pt(sides[left], sides[top]))
		m, truth := reencode(t, post{img: dst, truth: []image.Rectangle{r}}, false, 0.8, 75)
		ps := newLineProfiles(m.Pix, m.Width, m.Height, m.Channels)
		bars := fromBars(&ps.rows, &ps.cols, m.Width, m.Height)
		ps.release()
		slack := 2 + m.Width/200
		if len(bars) != 1 || iabs(bars[0].Rect.Min.X-truth[0].Min.X) > slack || iabs(bars[0].Rect.Min.Y-truth[0].Min.Y) > slack ||
			iabs(bars[0].Rect.Max.X-truth[0].Max.X) > slack || iabs(bars[0].Rect.Max.Y-truth[0].Max.Y) > slack {
			t.Errorf("%s: bars found %v, truth %v", o.name, bars, truth[0])
		}
		rs := Find(m.Pix, m.Width, m.Height, m.Channels)
		if d, at := bestDistance(t, h, m, rs, want); d > matchThreshold {
			t.Errorf("%s: best region %v is %d bits away; truth %v, regions %v", o.name, at, d, truth[0], rects(rs))
		}
	}
	if n < 3 {
		t.Fatalf("only %d landscape fixtures", n)
	}
}

// TestFindLetterboxDarkSidesNegative: a night photo whose dark sides end
// raggedly, between black letterbox bars, keeps its sides: only a frame's
// side of plain lines of one colour is closed where the colour ends.
func TestFindLetterboxDarkSidesNegative(t *testing.T) {
	origs := loadOriginals(t)
	rng := rand.New(rand.NewSource(5))
	n := 0
	for i, o := range origs {
		w, ht := dims(o.img)
		if w < ht || i%5 != 3 || n == 3 {
			continue
		}
		n++
		img := darkSided(o.img, rng)
		// Bars deeper than the dark sides reach (evenFrame would take
		// bars as deep as them for a frame of one width).
		bh := ht * 35 / 100
		dst := image.NewRGBA(image.Rect(0, 0, w, ht+2*bh))
		fill(dst, dst.Bounds(), pureBlk)
		paste(dst, img, image.Pt(0, bh))
		m, _ := reencode(t, post{img: dst}, false, 0.9, 80)
		ps := newLineProfiles(m.Pix, m.Width, m.Height, m.Channels)
		for _, r := range fromBars(&ps.rows, &ps.cols, m.Width, m.Height) {
			if r.Rect.Min.X > 0 || r.Rect.Max.X < m.Width {
				t.Errorf("%s: the dark sides trimmed: %s", o.name, r.Explain())
			}
		}
		ps.release()
	}
}
