package region

import (
	"image"
	"image/color"
	"math/rand"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

// onPlain returns o cut to an ellipse on a plain background of colour bg,
// the ellipse reaching to within 3% of each side: a product or a
// silhouette photographed on white or black.
func onPlain(o *image.RGBA, bg color.RGBA) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	fill(out, out.Bounds(), bg)
	cx, cy, ax, ay := float64(w)/2, float64(h)/2, 0.47*float64(w), 0.47*float64(h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := (float64(x)+0.5-cx)/ax, (float64(y)+0.5-cy)/ay
			if dx*dx+dy*dy <= 1 {
				copy(out.Pix[out.PixOffset(x, y):out.PixOffset(x, y)+4], o.Pix[o.PixOffset(x, y):])
			}
		}
	}
	return out
}

// TestFindFrameOnPlainBackground finds a picture on a plain background
// inside a frame of the background's colour, mirrored and re-encoded: no
// edge shows between frame and picture, so only the guessed frames can
// propose it. Frames of the two guessed widths are hashed here; the
// hasher's insets cover the widths between.
func TestFindFrameOnPlainBackground(t *testing.T) {
	origs := loadOriginals(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	n := 0
	for i, o := range origs {
		if i%4 != 1 || n == 6 {
			continue
		}
		bg := color.RGBA{255, 255, 255, 255}
		if n%2 == 1 {
			bg = color.RGBA{0, 0, 0, 255}
		}
		guess := plainGuesses[n%len(plainGuesses)]
		n++
		pic := onPlain(o.img, bg)
		want := hashRGBA(t, h, pic).Hash
		w, ht := dims(pic)
		fw := int(guess*float64(min(w, ht))/(1-2*guess) + 0.5)
		dst := image.NewRGBA(image.Rect(0, 0, w+2*fw, ht+2*fw))
		fill(dst, dst.Bounds(), bg)
		r := paste(dst, pic, image.Pt(fw, fw))
		m, truth := reencode(t, post{img: dst, truth: []image.Rectangle{r}}, true, 0.8, 80)
		rs := Find(m.Pix, m.Width, m.Height, m.Channels)
		if d, at := bestDistance(t, h, m, rs, want); d > matchThreshold {
			t.Errorf("%s: best region %v is %d bits away; truth %v, regions %v", o.name, at, d, truth[0], rects(rs))
		}
	}
	if n < 4 {
		t.Fatalf("only %d fixtures", n)
	}
}

// nightSky returns a copy of o whose top 40% is one near-black colour.
func nightSky(o *image.RGBA) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	copy(out.Pix, o.Pix)
	fill(out, image.Rect(0, 0, w, h*40/100), color.RGBA{6, 6, 10, 255})
	return out
}

// whiteWallAbove returns a copy of o whose top, left and right tenths are
// one white: a subject against a white wall, the floor below.
func whiteWallAbove(o *image.RGBA) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	copy(out.Pix, o.Pix)
	white := color.RGBA{250, 250, 250, 255}
	fill(out, image.Rect(0, 0, w, h/10), white)
	fill(out, image.Rect(0, 0, w/10, h), white)
	fill(out, image.Rect(w-w/10, 0, w, h), white)
	return out
}

// TestPlainGroundNegatives: photos plain on some sides only (a night sky,
// a black wall with a lit floor, a white wall) or darkened towards their
// edges (a vignette) get no guessed frame: every side must be plain lines
// of one colour, at least as deep as the guess.
func TestPlainGroundNegatives(t *testing.T) {
	origs := loadOriginals(t)
	rng := rand.New(rand.NewSource(9))
	n := 0
	for i, o := range origs {
		if i%3 != 0 || n == 6 {
			continue
		}
		n++
		for name, img := range map[string]*image.RGBA{
			"night sky": nightSky(o.img), "black wall": darkSided(o.img, rng),
			"vignette": vignetted(o.img), "white wall": whiteWallAbove(o.img),
		} {
			m, _ := reencode(t, post{img: img}, false, 0.9, 80)
			ps := newLineProfiles(m.Pix, m.Width, m.Height, m.Channels)
			got := fromPlainGround(&ps.rows, &ps.cols, m.Width, m.Height)
			ps.release()
			if len(got) > 0 {
				t.Errorf("%s, %s: a frame guessed: %s", o.name, name, got[0].Explain())
			}
		}
	}
}

// phonePost centres pic, scaled to the canvas's width, on a 9:16 canvas of
// colour bg (a 16:9 one, scaled to its height, when wide).
func phonePost(pic *image.RGBA, bg color.RGBA, wide bool) post {
	w, h := dims(pic)
	cw, ch := 540, 960
	sw, sh := cw, int(float64(h)*float64(cw)/float64(w)+0.5)
	if wide {
		cw, ch = 960, 540
		sw, sh = int(float64(w)*float64(ch)/float64(h)+0.5), ch
	}
	dst := image.NewRGBA(image.Rect(0, 0, cw, ch))
	fill(dst, dst.Bounds(), bg)
	r := paste(dst, scale(pic, sw, sh), image.Pt((cw-sw)/2, (ch-sh)/2))
	return post{img: dst, truth: []image.Rectangle{r}}
}

// TestFindPlainBarsAroundPlainPicture finds a picture on a black (or
// white) background, letterboxed on a 9:16 canvas or pillarboxed on a
// 16:9 one in bars of its background's colour, mirrored and re-encoded:
// no step ends the bars, so only the guessed shapes propose it.
func TestFindPlainBarsAroundPlainPicture(t *testing.T) {
	origs := loadOriginals(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	n := 0
	for i, o := range origs {
		w, ht := dims(o.img)
		// The shapes an app is guessed to have been given.
		var shaped bool
		for _, a := range plainAspects {
			if d := float64(w)/float64(ht) - a; d < 0.01 && d > -0.01 {
				shaped = true
			}
		}
		if !shaped || i%2 != 0 || n == 6 {
			continue
		}
		bg := color.RGBA{0, 0, 0, 255}
		if n%3 == 2 {
			bg = color.RGBA{255, 255, 255, 255}
		}
		wide := w < ht
		n++
		pic := onPlain(o.img, bg)
		want := hashRGBA(t, h, pic).Hash
		m, truth := reencode(t, phonePost(pic, bg, wide), true, 0.9, 80)
		rs := Find(m.Pix, m.Width, m.Height, m.Channels)
		if d, at := bestDistance(t, h, m, rs, want); d > matchThreshold {
			t.Errorf("%s: best region %v is %d bits away; truth %v, regions %v", o.name, at, d, truth[0], rects(rs))
		}
	}
	if n < 4 {
		t.Fatalf("only %d fixtures of a usual shape", n)
	}
}

// TestPlainBarsNegatives: a 9:16 night photo (a plain black sky above, the
// lit ground below), a 9:16 photo of a subject against a black wall that
// ends on a lit floor, and photos of other shapes with plain dark or white
// sides get no guessed shape.
func TestPlainBarsNegatives(t *testing.T) {
	origs := loadOriginals(t)
	rng := rand.New(rand.NewSource(4))
	n := 0
	for i, o := range origs {
		if i%3 != 1 || n == 6 {
			continue
		}
		n++
		w, ht := dims(o.img)
		phone := scale(o.img, ht*9/16, ht) // stretched to 9:16
		if w > ht {
			phone = scale(o.img, w, w*16/9)
		}
		for name, img := range map[string]*image.RGBA{
			"9:16 night sky": nightSky(phone), "9:16 black wall": darkSided(phone, rng),
			"black wall": darkSided(o.img, rng), "white wall": whiteWallAbove(o.img), "vignette": vignetted(o.img),
		} {
			m, _ := reencode(t, post{img: img}, false, 0.9, 80)
			ps := newLineProfiles(m.Pix, m.Width, m.Height, m.Channels)
			got := fromPlainBars(&ps.rows, &ps.cols, m.Width, m.Height)
			ps.release()
			if len(got) > 0 {
				t.Errorf("%s, %s: a shape guessed: %s", o.name, name, got[0].Explain())
			}
		}
	}
}
