package region

import (
	"image"
	"image/color"
	"math/rand"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

// discsOnWhite draws coloured discs on a pure white w×h picture, as a
// product shot or a clip-art picture is: its own edges are the white of a
// caption bar, so no step ends the bar. row puts six discs side by side
// near the top, a row of objects on a white table.
func discsOnWhite(rng *rand.Rand, w, h int, row bool) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fill(img, img.Bounds(), pureWht)
	disc := func(cx, cy, r int, c color.RGBA) {
		for y := max(0, cy-r); y < min(h, cy+r); y++ {
			for x := max(0, cx-r); x < min(w, cx+r); x++ {
				if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r {
					// A little shading, as a photographed ball has.
					v := uint8(min(255, int(c.R)+(x-cx+r)*30/(2*r)))
					img.SetRGBA(x, y, color.RGBA{v, c.G, c.B, 255})
				}
			}
		}
	}
	for i := 0; i < 14; i++ {
		r := h/14 + rng.Intn(h/10)
		c := color.RGBA{uint8(rng.Intn(200)), uint8(rng.Intn(200)), uint8(rng.Intn(200)), 255}
		disc(r+rng.Intn(w-2*r), h/4+rng.Intn(h*3/4-r), r, c)
	}
	if row {
		r := w / 16
		for i := 0; i < 6; i++ {
			disc(w/12+i*w/6, h/8+r, r, color.RGBA{200, 40, uint8(30 * i), 255})
		}
	}
	return img
}

// hazyTop returns a copy of o whose top third fades from a near-white
// haze (a bright sky) into the picture, in no straight line.
func hazyTop(o *image.RGBA) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	copy(out.Pix, o.Pix)
	haze := h / 3
	for y := 0; y < haze; y++ {
		for x := 0; x < w; x++ {
			f := float64(y) / float64(haze)
			f *= f
			c := out.RGBAAt(x, y)
			mix := func(a uint8) uint8 { return uint8(243*(1-f) + float64(a)*f) }
			out.SetRGBA(x, y, color.RGBA{mix(c.R), mix(c.G), mix(c.B), 255})
		}
	}
	return out
}

// centredCaption puts pic under and/or over white bars 12-20% of its
// height, each with a line of black text in its middle, as meme makers
// draw them.
func centredCaption(rng *rand.Rand, pic *image.RGBA, above, below bool) post {
	w, h := dims(pic)
	bh := h * (12 + rng.Intn(9)) / 100
	t, b := 0, 0
	if above {
		t = bh
	}
	if below {
		b = bh
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, t+h+b))
	fill(dst, dst.Bounds(), pureWht)
	r := paste(dst, pic, image.Pt(0, t))
	write := func(y0 int) {
		px := float64(bh) * 0.55
		s := sentence(rng, 2+rng.Intn(4))
		for textWidth(s, px) > w*9/10 && len(s) > 4 {
			s = s[:len(s)-3]
		}
		// basicfont's capitals fill rows 2-11 of its 13: the glyphs'
		// middle is the box's.
		drawText(dst, s, (w-textWidth(s, px))/2, y0+int((float64(bh)-px)/2), px, pureBlk)
	}
	if above {
		write(0)
	}
	if below {
		write(t + h)
	}
	return post{img: dst, truth: []image.Rectangle{r}}
}

// TestFindCaptionOverWhitePicture finds the picture under (or over) a
// white caption bar when the picture's own edge is white or nearly (a
// product on white, a hazy sky): no step ends the bar. The bar ends as far
// past its text as it starts before it, or where the white gives way.
func TestFindCaptionOverWhitePicture(t *testing.T) {
	src := fixture(t, "baboon.jpg")
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	rng := rand.New(rand.NewSource(14))
	pics := []struct {
		name string
		img  *image.RGBA
	}{
		{"discs on white", discsOnWhite(rng, 560, 420, false)},
		{"hazy sky", hazyTop(scale(src, 600, 450))},
	}
	for _, p := range pics {
		name, pic := p.name, p.img
		want := hashRGBA(t, h, pic).Hash
		for _, side := range []struct {
			name         string
			above, below bool
		}{{"above", true, false}, {"below", false, true}, {"both", true, true}} {
			for i := 0; i < 3; i++ {
				m, truth := reencode(t, centredCaption(rng, pic, side.above, side.below), false, 0.9, 80)
				rs := Find(m.Pix, m.Width, m.Height, m.Channels)
				d, at := bestDistance(t, h, m, rs, want)
				// Sparse discs on white move PDQ's bits with a few rows
				// of the bar: for them the rectangle is what is checked.
				if len(rs) == 0 || (name == "hazy sky" && d > matchThreshold) {
					t.Errorf("%s, caption %s #%d: best region %v is %d bits away; truth %v, regions %v", name, side.name, i, at, d, truth[0], rects(rs))
					continue
				}
				slack := m.Height * 3 / 100
				if iabs(at.Min.Y-truth[0].Min.Y) > slack || iabs(at.Max.Y-truth[0].Max.Y) > slack {
					t.Errorf("%s, caption %s #%d: region %v, truth %v", name, side.name, i, at, truth[0])
				}
			}
		}
	}
}

// TestFindCaptionOverWhiteNegatives: a picture on white with no caption is
// not trimmed, even where a row of objects near its top, with white
// between it and the rest, looks like a line of text in a bar: the
// objects are wide marks, a caption's letters thin ones.
func TestFindCaptionOverWhiteNegatives(t *testing.T) {
	rng := rand.New(rand.NewSource(41))
	for i := 0; i < 6; i++ {
		pic := discsOnWhite(rng, 560, 420, i%2 == 0)
		m, _ := reencode(t, post{img: pic}, false, 1, 85)
		ps := newLineProfiles(m.Pix, m.Width, m.Height, m.Channels)
		for _, r := range fromBars(&ps.rows, &ps.cols, m.Width, m.Height) {
			t.Errorf("discs #%d: trimmed: %s: %s", i, r.Kind, r.Explain())
		}
		ps.release()
	}
}

func iabs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
