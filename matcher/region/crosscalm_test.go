package region

import (
	"image"
	"image/color"
	"math/rand"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

// poled gives a picture a dark pole from top to bottom a third of the way
// across: a straight line inside it that every sample jumps across, as
// widely as across its own edges.
func poled(o *image.RGBA) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	copy(out.Pix, o.Pix)
	fill(out, image.Rect(w/3, 0, w/3+max(4, w/40), h), color.RGBA{12, 10, 8, 255})
	return out
}

// TestFindThinBlurPaddingBesidePole centres a landscape picture with a pole
// across it on a square canvas over a blurred copy of itself, with the
// picture nearly as wide as the canvas (2.5% a side): the thin blurred
// strips left and right are one colour, and the pole jumps as widely as
// the picture's sides. Find returned the band between the padding above
// and below, full width, many bits from the picture.
func TestFindThinBlurPaddingBesidePole(t *testing.T) {
	origs := loadOriginals(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	tried := 0
	for _, o := range origs {
		w, ht := dims(o.img)
		if w*10 < ht*13 || tried == 6 || detail(o.img) < 4 {
			continue // not clearly landscape, as plain as its blur, or enough cases
		}
		tried++
		pic := poled(o.img)
		want := hashRGBA(t, h, pic).Hash
		side := w * 100 / 95
		dst := blur(cover(pic, side, side), side, side)
		in := paste(dst, pic, image.Pt((side-w)/2, (side-ht)/2))
		m, truth := reencode(t, post{img: dst, truth: []image.Rectangle{in}}, false, 1, 85)
		rs := Find(m.Pix, m.Width, m.Height, m.Channels)
		if d, at := bestDistance(t, h, m, rs, want); d > matchThreshold {
			t.Errorf("%s: best region %v is %d bits away; truth %v, regions %v", o.name, at, d, truth[0], rects(rs))
		}
	}
	if tried < 3 {
		t.Fatalf("only %d landscape fixtures", tried)
	}
}

// detail is the mean jump between vertically neighbouring samples of img:
// a basketball court's is as low as a strong blur's over JPEG's noise.
func detail(img *image.RGBA) float32 {
	w, h := dims(img)
	ps := newLineProfiles(rgbPix(img), w, h, 3)
	defer ps.release()
	return meanOf(ps.cols.along, 0, w)
}

// walled gives a picture a plain wall over its left sixth, shading a
// little from top to bottom as a lit wall does.
func walled(o *image.RGBA) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	copy(out.Pix, o.Pix)
	for y := 0; y < h; y++ {
		v := uint8(150 + 40*y/h)
		fill(out, image.Rect(0, y, w/6, y+1), color.RGBA{v, v - 10, v - 20, 255})
	}
	return out
}

// vignetted darkens a picture towards its corners.
func vignetted(o *image.RGBA) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := float64(2*x-w)/float64(w), float64(2*y-h)/float64(h)
			f := max(0.15, 1-0.6*(dx*dx+dy*dy))
			c := o.RGBAAt(x, y)
			out.SetRGBA(x, y, color.RGBA{uint8(float64(c.R) * f), uint8(float64(c.G) * f), uint8(float64(c.B) * f), 255})
		}
	}
	return out
}

// gradient is a smooth diagonal gradient with a little grain.
func gradient(rng *rand.Rand, w, h int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(40 + 160*(x+y)/(w+h) + rng.Intn(3))
			out.SetRGBA(x, y, color.RGBA{v, v, v / 2, 255})
		}
	}
	return out
}

// horizoned gives a picture a plain sky down to a straight horizon at two
// fifths of its height.
func horizoned(o *image.RGBA) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	copy(out.Pix, o.Pix)
	fill(out, image.Rect(0, 0, w, h*2/5), color.RGBA{120, 170, 225, 255})
	return out
}

// TestCrossCalmNegatives: within a band with no padding on the other axis,
// crossCalm must find nothing: a photo as it is, under a smooth sky, with
// a plain wall on one side, vignetted, a gradient, a horizon, or a pole.
func TestCrossCalmNegatives(t *testing.T) {
	origs := loadOriginals(t)
	rng := rand.New(rand.NewSource(14))
	cases := map[string]*image.RGBA{"gradient": gradient(rng, 900, 600)}
	for _, o := range origs {
		cases[o.name] = o.img
		cases[o.name+" under a sky"] = skyTopped(o.img, rng)
		cases[o.name+" beside a wall"] = walled(o.img)
		cases[o.name+" vignetted"] = vignetted(o.img)
		cases[o.name+" over a horizon"] = horizoned(o.img)
		cases[o.name+" with a pole"] = poled(o.img)
	}
	for name, img := range cases {
		m, _ := reencode(t, post{img: img}, false, 1, 85)
		ps := newLineProfiles(m.Pix, m.Width, m.Height, m.Channels)
		if a, b, ok := ps.rows.crossCalm(); ok {
			t.Errorf("%s: rows %d,%d of %d taken for a picture over blurred padding dom %.2f %.2f step %.1f %.1f", name, a, b, ps.rows.n, ps.rows.domNear(a), ps.rows.domNear(b), ps.rows.step[a], ps.rows.step[b])
		}
		if a, b, ok := ps.cols.crossCalm(); ok {
			t.Errorf("%s: columns %d,%d of %d taken for a picture over blurred padding dom %.2f %.2f step %.1f %.1f", name, a, b, ps.cols.n, ps.cols.domNear(a), ps.cols.domNear(b), ps.cols.step[a], ps.cols.step[b])
		}
		ps.release()
	}
}
