package region

import (
	"image"
	"image/color"
	"math/rand"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

// calmEnded gives a picture a smooth sky over its top fifth and a smooth
// ground under its bottom fifth, each shading gently into the photo: over
// a stretched copy of itself, the copy's lines just outside the picture
// show the same sky and ground, so few samples jump at its edges.
func calmEnded(o *image.RGBA, rng *rand.Rand) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	copy(out.Pix, o.Pix)
	band := h / 5
	sky := color.RGBA{uint8(90 + rng.Intn(60)), uint8(140 + rng.Intn(60)), uint8(200 + rng.Intn(50)), 255}
	ground := color.RGBA{uint8(60 + rng.Intn(50)), uint8(50 + rng.Intn(40)), uint8(30 + rng.Intn(30)), 255}
	for y := 0; y < band; y++ {
		for x := 0; x < w; x++ {
			v := uint8(y * 20 / band)
			out.SetRGBA(x, y, color.RGBA{sky.R + v, sky.G, sky.B - v, 255})
			out.SetRGBA(x, h-1-y, color.RGBA{ground.R + v, ground.G + v, ground.B, 255})
		}
	}
	return out
}

// stretchPadded centres o on a 9:16 canvas (16:9 for a tall picture) over
// a copy of itself stretched to the whole canvas.
func stretchPadded(o *image.RGBA) post {
	aw, ah := canvasAspect(o)
	return barred(o, aw, ah, pureBlk, func(w, h int) *image.RGBA { return scale(o, w, h) })
}

// TestFindStretchedPaddingWithCalmEdges: a picture whose top and bottom
// are calm (a sky, a field) meets its stretched copy with few jumps, so the
// seams' test, which wants most samples to jump, found no band and Find
// returned nothing near the picture (stretch-pad-9x16 lost a quarter of its
// copies so). The padding's lines are the picture's lines at the same
// relative position: that proof finds it.
func TestFindStretchedPaddingWithCalmEdges(t *testing.T) {
	origs := loadOriginals(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	rng := rand.New(rand.NewSource(14))
	tried := 0
	for _, o := range origs {
		w, ht := dims(o.img)
		if w*10 < ht*11 || tried == 6 {
			continue // bars left and right, or enough cases
		}
		tried++
		pic := calmEnded(o.img, rng)
		want := hashRGBA(t, h, pic).Hash
		m, truth := reencode(t, stretchPadded(pic), false, 1, 80)
		ps := newLineProfiles(m.Pix, m.Width, m.Height, m.Channels)
		a, b, ok := ps.rows.stretchedPad()
		ps.release()
		if !ok || abs(a-truth[0].Min.Y) > 2 || abs(b-truth[0].Max.Y) > 2 {
			t.Errorf("%s: stretched band %d,%d (%v), truth %v", o.name, a, b, ok, truth[0])
		}
		rs := Find(m.Pix, m.Width, m.Height, m.Channels)
		if d, at := bestDistance(t, h, m, rs, want); d > matchThreshold {
			t.Errorf("%s: best region %v is %d bits away; truth %v, regions %v", o.name, at, d, truth[0], rects(rs))
		}
	}
	if tried < 3 {
		t.Fatalf("only %d landscape fixtures", tried)
	}
}

// TestStretchedPadNegatives: nothing that is not a stretched copy passes
// for one: natural photos, a caption's bars, an app's plain chrome around
// a photo, letterbox bars, stripes, a checkerboard, a gradient sky.
func TestStretchedPadNegatives(t *testing.T) {
	origs := loadOriginals(t)
	rng := rand.New(rand.NewSource(7))
	cases := map[string]*image.RGBA{}
	for i, o := range origs {
		cases[o.name] = o.img
		if i%3 == 0 {
			cases[o.name+" captioned"] = captioned(rng, o.img, true, true, pureWht, pureBlk).img
			cases[o.name+" in a screenshot"] = screenshot(rng, o.img).img
			cases[o.name+" letterboxed"] = barred(o.img, 9, 16, pureBlk, nil).img
		}
	}
	const W, H = 720, 1280
	pattern := func(f func(x, y int) uint8) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, W, H))
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				v := f(x, y)
				img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
			}
		}
		return img
	}
	cases["vertical stripes"] = pattern(func(x, _ int) uint8 { return uint8(60 + 120*(x/24%2)) })
	cases["horizontal stripes"] = pattern(func(_, y int) uint8 { return uint8(60 + 120*(y/24%2)) })
	cases["checkerboard"] = pattern(func(x, y int) uint8 { return uint8(40 + 170*((x/60+y/60)%2)) })
	cases["gradient sky"] = pattern(func(x, y int) uint8 { return uint8(90 + y/10 + x/60) })
	for name, img := range cases {
		m, _ := reencode(t, post{img: img}, false, 1, 85)
		ps := newLineProfiles(m.Pix, m.Width, m.Height, m.Channels)
		if a, b, ok := ps.rows.stretchedPad(); ok {
			t.Errorf("%s: rows %d,%d taken for a stretched copy's band", name, a, b)
		}
		if a, b, ok := ps.cols.stretchedPad(); ok {
			t.Errorf("%s: columns %d,%d taken for a stretched copy's band", name, a, b)
		}
		ps.release()
	}
}

func abs(v int) int { return max(v, -v) }

// skyTopped gives a picture a clear sky over its top quarter: over a
// blurred copy of itself, that edge meets the blurred sky without a jump.
func skyTopped(o *image.RGBA, rng *rand.Rand) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	copy(out.Pix, o.Pix)
	sky := color.RGBA{uint8(90 + rng.Intn(60)), uint8(140 + rng.Intn(60)), uint8(200 + rng.Intn(50)), 255}
	// The sky fades into the photo, as a real one does: no straight line
	// across the picture where it ends.
	band, fade := h/4, h/8
	for y := 0; y < band+fade; y++ {
		for x := 0; x < w; x++ {
			s := sky
			if y >= band {
				a := float64(y-band) / float64(fade)
				o := out.RGBAAt(x, y)
				mix := func(p, q uint8) uint8 { return uint8(float64(p)*(1-a) + float64(q)*a) }
				s = color.RGBA{mix(s.R, o.R), mix(s.G, o.G), mix(s.B, o.B), 255}
			}
			out.SetRGBA(x, y, s)
		}
	}
	return out
}

// TestFindBlurPaddingWithOneCalmEdge: a picture whose top is a smooth sky,
// centred on a phone's canvas over a blurred copy of itself, jumps across
// its bottom edge only. The seams' test wanted both edges to jump, and Find
// returned nothing near the picture; the calm padding on both sides and the
// strong edge's mirrored position bound it.
func TestFindBlurPaddingWithOneCalmEdge(t *testing.T) {
	origs := loadOriginals(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	rng := rand.New(rand.NewSource(3))
	tried := 0
	for _, o := range origs {
		w, ht := dims(o.img)
		if w*10 < ht*11 || tried == 6 {
			continue
		}
		tried++
		pic := skyTopped(o.img, rng)
		want := hashRGBA(t, h, pic).Hash
		p := barred(pic, 9, 16, pureBlk, func(cw, ch int) *image.RGBA { return blur(cover(pic, cw, ch), cw, ch) })
		m, truth := reencode(t, p, false, 1, 80)
		rs := Find(m.Pix, m.Width, m.Height, m.Channels)
		if d, at := bestDistance(t, h, m, rs, want); d > matchThreshold {
			t.Errorf("%s: best region %v is %d bits away; truth %v, regions %v", o.name, at, d, truth[0], rects(rs))
		}
	}
	if tried < 3 {
		t.Fatalf("only %d landscape fixtures", tried)
	}
}

// TestCalmCentredNegatives: calm lines outside a strong edge are not
// blurred padding when they are uniform bars (an uneven frame's far side
// is not the near side's mirror), a caption's text, an app's chrome, or a
// natural photo's sky over detailed ground.
func TestCalmCentredNegatives(t *testing.T) {
	origs := loadOriginals(t)
	rng := rand.New(rand.NewSource(9))
	cases := map[string]*image.RGBA{}
	for i, o := range origs {
		cases[o.name] = o.img
		if i%3 == 0 {
			cases[o.name+" captioned"] = captioned(rng, o.img, true, true, pureWht, pureBlk).img
			cases[o.name+" in a screenshot"] = screenshot(rng, o.img).img
			cases[o.name+" framed"] = framed(rng, o.img, pureBlk).img
			cases[o.name+" under a sky"] = skyTopped(o.img, rng)
		}
	}
	for name, img := range cases {
		m, _ := reencode(t, post{img: img}, false, 1, 85)
		ps := newLineProfiles(m.Pix, m.Width, m.Height, m.Channels)
		if a, b, ok := ps.rows.calmCentred(); ok {
			t.Errorf("%s: rows %d,%d taken for a picture over blurred padding", name, a, b)
		}
		if a, b, ok := ps.cols.calmCentred(); ok {
			t.Errorf("%s: columns %d,%d taken for a picture over blurred padding", name, a, b)
		}
		ps.release()
	}
}
