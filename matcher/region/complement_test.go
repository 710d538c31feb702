package region

import (
	"image"
	"image/color"
	"math/rand"
	"testing"

	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
)

// TestFindAcrossWhiteGap finds the picture whose own white margin faces a
// collage's white gap: its edge cannot be seen, only the other picture's,
// and it is the rest of the post past that one.
func TestFindAcrossWhiteGap(t *testing.T) {
	byName := originalsByName(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	for _, c := range []struct {
		name, photo, other string
		stacked, first     bool // first: the margined photo is the first picture
	}{
		{"side by side, margin right", "fruits.jpg", "baboon.jpg", false, true},
		{"side by side, margin left", "board.jpg", "aero3.jpg", false, false},
		{"stacked, margin below", "baboon.jpg", "fruits.jpg", true, true},
		{"stacked, margin above", "aero1.jpg", "board.jpg", true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, o2 := byName[c.photo], byName[c.other]
			if o == nil || o2 == nil {
				t.Fatalf("fixture %s or %s missing", c.photo, c.other)
			}
			// The known picture is a shot on white: its side facing the
			// gap is a white margin whose inner end wanders.
			side := map[[2]bool]int{{false, true}: 2, {true, true}: 3, {false, false}: 0, {true, false}: 1}[[2]bool{c.stacked, c.first}]
			pic := scale(o.img, 480, 480*o.img.Rect.Dy()/o.img.Rect.Dx())
			margined := whiteMargined(pic, 480/14, side)
			want := hashRGBA(t, h, margined).Hash
			other := scale(o2.img, 480, 480*o2.img.Rect.Dy()/o2.img.Rect.Dx())
			var p post
			at := 0
			if c.first {
				p = gapPost(margined, other, c.stacked)
			} else {
				p = gapPost(other, margined, c.stacked)
				at = 1
			}
			for _, f := range []float64{1, 0.8} {
				m, truth := reencode(t, p, false, f, 85)
				rs := Find(m.Pix, m.Width, m.Height, m.Channels)
				if d, got := bestDistance(t, h, m, rs, want); d > matchThreshold {
					t.Errorf("at %.1f: best region %v is %d bits away; truth %v, regions %v", f, got, d, truth[at], rects(rs))
				}
			}
		})
	}
}

// TestFindNoComplementOfLookalikes: a split half is completed only across
// a white gap that ends in content inside the image. A photo beside a
// white wall that runs to its edge, a photo with a strong straight edge
// between two differently lit halves, a document's two columns of text
// and a horizon under a white haze band give no completed rest. (The lit
// and shaded halves are split at their straight edge by the profiles
// already, as two pictures that touch are.)
func TestFindNoComplementOfLookalikes(t *testing.T) {
	origs := loadOriginals(t)
	var src, src2 *image.RGBA
	for _, o := range origs {
		switch o.name {
		case "baboon.jpg":
			src = o.img
		case "fruits.jpg":
			src2 = o.img
		}
	}
	if src == nil || src2 == nil {
		t.Fatal("fixtures missing")
	}
	const W, H = 640, 480
	a, b := scale(src, W, H), scale(src2, W, H)
	rng := rand.New(rand.NewSource(5))
	paint := func(f func(x, y int) color.RGBA) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, W, H))
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				img.SetRGBA(x, y, f(x, y))
			}
		}
		return img
	}
	grey := func(v int) color.RGBA {
		n := uint8(min(255, v+rng.Intn(2)))
		return color.RGBA{n, n, n, 255}
	}
	dim := func(c color.RGBA) color.RGBA { return color.RGBA{c.R / 3, c.G / 3, c.B / 3, 255} }
	doc := image.NewRGBA(image.Rect(0, 0, W, H))
	fill(doc, doc.Bounds(), pureWht)
	for y := 30; y+14 < H-30; y += 22 {
		drawText(doc, sentence(rng, 4), 24, y, 13, darkText)
		drawText(doc, sentence(rng, 4), W/2+16, y, 13, darkText)
	}
	cases := map[string]*image.RGBA{
		"white wall beside a photo": paint(func(x, y int) color.RGBA {
			if x < W*55/100 {
				return a.RGBAAt(x, y)
			}
			return grey(250)
		}),
		"a photo's lit and shaded halves": paint(func(x, y int) color.RGBA {
			if x < W/2 {
				return a.RGBAAt(x, y)
			}
			return dim(a.RGBAAt(x, y))
		}),
		"document in two columns": doc,
		"horizon under a white haze band": paint(func(x, y int) color.RGBA {
			switch {
			case y < H*35/100:
				return b.RGBAAt(x, y)
			case y < H*50/100:
				return grey(252)
			}
			return a.RGBAAt(x, y)
		}),
		"white sky over a horizon": paint(func(x, y int) color.RGBA {
			if y < H*40/100 {
				return grey(254)
			}
			return a.RGBAAt(x, y)
		}),
	}
	for name, img := range cases {
		for _, f := range []float64{1, 0.8} {
			m, _ := reencode(t, post{img: img}, false, f, 85)
			rs := Find(m.Pix, m.Width, m.Height, m.Channels)
			if r, ok := completed(m, rs); ok {
				t.Errorf("%s at %.1f: completed %s (regions %v)", name, f, r.Explain(), rects(rs))
			}
		}
	}
}

// completed returns a region of rs that is the rest of the image past a
// split half among them across a white line: what withComplements adds
// (two pictures that touch are each other's rest too).
func completed(m *media.Image, rs []Region) (Region, bool) {
	whiteAt := func(x0, y0, x1, y1 int) bool {
		sum, n := 0, 0
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				sum += int(m.Pix[(y*m.Width+x)*m.Channels])
				n++
			}
		}
		return n > 0 && sum >= 240*n
	}
	w, h := m.Width, m.Height
	for _, r := range rs {
		for _, c := range rs {
			if r.Kind != KindSplit || c.Kind != KindSplit || r == c {
				continue
			}
			cr := c.Rect
			switch {
			case cr.Min == image.Point{} && cr.Max.Y == h && r.Rect == image.Rect(cr.Max.X, 0, w, h) && whiteAt(cr.Max.X, 0, cr.Max.X+1, h),
				cr.Max == image.Pt(w, h) && cr.Min.Y == 0 && r.Rect == image.Rect(0, 0, cr.Min.X, h) && whiteAt(cr.Min.X-1, 0, cr.Min.X, h),
				cr.Min == image.Point{} && cr.Max.X == w && r.Rect == image.Rect(0, cr.Max.Y, w, h) && whiteAt(0, cr.Max.Y, w, cr.Max.Y+1),
				cr.Max == image.Pt(w, h) && cr.Min.X == 0 && r.Rect == image.Rect(0, 0, w, cr.Min.Y) && whiteAt(0, cr.Min.Y-1, w, cr.Min.Y):
				return r, true
			}
		}
	}
	return Region{}, false
}
