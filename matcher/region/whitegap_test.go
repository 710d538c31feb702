package region

import (
	"image"
	"image/color"
	"math/rand"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

// TestFindAcrossBlendedWhiteGap finds both pictures of collages whose
// white gap, resized and re-encoded, is blended and rings at its edges:
// split and gapSplit missed every one of these posts.
func TestFindAcrossBlendedWhiteGap(t *testing.T) {
	byName := originalsByName(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	for _, c := range []struct {
		a, b    string
		stacked bool
	}{
		{"apple.jpg", "left05.jpg", true},
		{"camera.png", "right05.jpg", true},
		{"basketball2.png", "leuvenA.jpg", true},
		{"aloeL.jpg", "brick.png", false},
	} {
		t.Run(c.a+"+"+c.b, func(t *testing.T) {
			a, b := byName[c.a], byName[c.b]
			if a == nil || b == nil {
				t.Fatalf("fixture %s or %s missing", c.a, c.b)
			}
			pa := scale(a.img, 480, 480*a.img.Rect.Dy()/a.img.Rect.Dx())
			pb := scale(b.img, 480, 480*b.img.Rect.Dy()/b.img.Rect.Dx())
			p := gapPost(pa, pb, c.stacked)
			m, truth := reencode(t, p, false, 0.85, 75)
			rs := Find(m.Pix, m.Width, m.Height, m.Channels)
			if d, at := bestDistance(t, h, m, rs, hashRGBA(t, h, pa).Hash); d > matchThreshold {
				t.Errorf("first picture: best region %v is %d bits away; truth %v, regions %v", at, d, truth[0], rects(rs))
			}
			// The brick wall is a tiling whose PDQ hash is fragile: only
			// the first picture is asked for beside it.
			if c.b == "brick.png" {
				return
			}
			if d, at := bestDistance(t, h, m, rs, hashRGBA(t, h, pb).Hash); d > matchThreshold {
				t.Errorf("second picture: best region %v is %d bits away; truth %v, regions %v", at, d, truth[1], rects(rs))
			}
		})
	}
}

// TestWhiteGapLookalikes: a white pole or a window's frame across a photo,
// lit unevenly along its length as such things are, a document's gutter
// between two columns of text and a thin white haze band over a horizon
// are no collage gap.
func TestWhiteGapLookalikes(t *testing.T) {
	src := fixture(t, "baboon.jpg")
	const W, H = 640, 480
	a := scale(src, W, H)
	rng := rand.New(rand.NewSource(11))
	paint := func(f func(x, y int) (int, bool)) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, W, H))
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				c := a.RGBAAt(x, y)
				if v, ok := f(x, y); ok {
					n := uint8(min(255, max(0, v+rng.Intn(7)-3)))
					c = color.RGBA{n, n, n, 255}
				}
				img.SetRGBA(x, y, c)
			}
		}
		return img
	}
	doc := image.NewRGBA(image.Rect(0, 0, W, H))
	fill(doc, doc.Bounds(), pureWht)
	for y := 30; y+14 < H-30; y += 22 {
		drawText(doc, sentence(rng, 4), 24, y, 13, darkText)
		drawText(doc, sentence(rng, 4), W/2+16, y, 13, darkText)
	}
	// Haze fades in and out over a few lines: it has no straight edge.
	haze := image.NewRGBA(image.Rect(0, 0, W, H))
	for y := 0; y < H; y++ {
		d := abs(y - H*40/100)
		alpha := min(1, max(0, float64(14-d)/10))
		for x := 0; x < W; x++ {
			c := a.RGBAAt(x, y)
			mix := func(v uint8) uint8 { return uint8(float64(v)*(1-alpha) + 250*alpha) }
			haze.SetRGBA(x, y, color.RGBA{mix(c.R), mix(c.G), mix(c.B), 255})
		}
	}
	cases := map[string]*image.RGBA{
		// Lit from above: white at the top, shaded grey at the foot.
		"white pole": paint(func(x, y int) (int, bool) { return 255 - 50*y/H, x >= W*45/100 && x < W*45/100+7 }),
		// Lit from the left, through the window.
		"window frame":                  paint(func(x, y int) (int, bool) { return 250 - 45*x/W, y >= H/2 && y < H/2+6 }),
		"document in two columns":       doc,
		"thin haze band over a horizon": haze,
	}
	for name, img := range cases {
		for _, f := range []float64{1, 0.8} {
			m, _ := reencode(t, post{img: img}, false, f, 85)
			ps := newLineProfiles(m.Pix, m.Width, m.Height, m.Channels)
			if e, s, ok := ps.rows.whiteGap(); ok {
				t.Errorf("%s at %.1f: white gap across rows %d-%d", name, f, e, s)
			}
			if e, s, ok := ps.cols.whiteGap(); ok {
				t.Errorf("%s at %.1f: white gap across columns %d-%d", name, f, e, s)
			}
			ps.release()
		}
	}
}
