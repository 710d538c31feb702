package region

import (
	"image"
	"image/color"
	"math/rand"
	"testing"

	"github.com/atkm/herken/bench/corpus/transform"
	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
)

// flatEdged returns a copy of o whose bottom fifth is one dark, slightly
// noisy colour: night ground, a table in shadow. In a post it runs to the
// image's left and right edges.
func flatEdged(o *image.RGBA, rng *rand.Rand) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	copy(out.Pix, o.Pix)
	for y := h * 4 / 5; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(14 + rng.Intn(3))
			out.SetRGBA(x, y, color.RGBA{v, v, v + 2, 255})
		}
	}
	return out
}

// TestFindBarsAroundFlatEdge finds pictures between bars whose own flat
// edge runs to the image's sides: the working copy's background flood
// enters the picture there and leaves a component without the picture's
// bottom, which an earlier Find then kept whole down to the image's edge.
// The bars, read at full resolution, still end at the picture's edges.
func TestFindBarsAroundFlatEdge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds re-posts of many fixture photos")
	}
	origs := loadOriginals(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	rng := rand.New(rand.NewSource(3))
	n := 0
	for i, o := range origs {
		w, ht := dims(o.img)
		if w < ht || i%4 != 0 || n == 4 {
			continue
		}
		n++
		img := flatEdged(o.img, rng)
		want := hashRGBA(t, h, img).Hash
		for _, p := range []struct {
			name string
			post post
		}{
			{"white letterbox", barred(img, 9, 16, pureWht, nil)},
			{"caption above", captioned(rng, img, true, false, pureWht, pureBlk)},
		} {
			m, truth := reencode(t, p.post, false, 0.8, 80)
			rs := Find(m.Pix, m.Width, m.Height, m.Channels)
			if d, at := bestDistance(t, h, m, rs, want); d > matchThreshold {
				t.Errorf("%s, %s: best region %v is %d bits away; truth %v, regions %v", o.name, p.name, at, d, truth[0], rects(rs))
			}
		}
	}
	if n < 3 {
		t.Fatalf("only %d landscape fixtures", n)
	}
}

// TestFindBarsNegatives: a photo whose top and bottom rows are one colour
// is not trimmed when the colour does not end in a straight step across
// the whole line (a skyline).
func TestFindBarsNegatives(t *testing.T) {
	src := fixture(t, "baboon.jpg")
	const W, H = 640, 480
	rng := rand.New(rand.NewSource(9))
	texture := scale(src, W, H)
	skyline := make([]int, W)
	for x := 0; x < W; x += 40 {
		hgt := 100 + rng.Intn(120)
		for i := x; i < min(W, x+40); i++ {
			skyline[i] = hgt
		}
	}
	paint := func(f func(x, y int) (color.RGBA, bool)) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, W, H))
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				c, ok := f(x, y)
				if !ok {
					c = texture.RGBAAt(x, y)
				}
				img.SetRGBA(x, y, c)
			}
		}
		return img
	}
	dark := func() color.RGBA { v := uint8(6 + rng.Intn(3)); return color.RGBA{v, v, v + 3, 255} }
	cases := map[string]*image.RGBA{
		// Night: a dark sky over a skyline, and the dark street below.
		"dark sky and street": paint(func(x, y int) (color.RGBA, bool) {
			return dark(), y < skyline[x] || y >= H-skyline[W-1-x]/3
		}),
	}
	for name, img := range cases {
		m, _ := reencode(t, post{img: img}, false, 1, 85)
		for _, r := range Find(m.Pix, m.Width, m.Height, m.Channels) {
			t.Errorf("%s: trimmed: %s: %s", name, r.Kind, r.Explain())
		}
	}
}

// TestFindGapSplit finds two pictures stacked across the corpus's thin
// white gap where the seam finder refused to split (the jumps at the
// gap's edges are not the only such lines): the gap, one run of plain
// lines, is evidence of its own.
func TestFindGapSplit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds re-posts of many fixture photos")
	}
	byName := originalsByName(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	tr, ok := transform.ByName("two-stacked")
	if !ok {
		t.Fatal("transform two-stacked missing")
	}
	for _, c := range [][2]string{{"q0291.jpg", "q0746.jpg"}, {"q0746.jpg", "q1050.jpg"}} {
		a, b := byName[c[0]], byName[c[1]]
		if a == nil || b == nil {
			t.Fatalf("fixture %s or %s missing", c[0], c[1])
		}
		out := tr.Pair(a.img, b.img, transform.Rand(1, tr.Name, a.name))
		data, err := transform.Encode(out, tr.Quality)
		if err != nil {
			t.Fatal(err)
		}
		m, _, err := media.Decode(data, media.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		rs := Find(m.Pix, m.Width, m.Height, m.Channels)
		for _, o := range []*original{a, b} {
			if d, at := bestDistance(t, h, m, rs, o.hash); d > matchThreshold {
				t.Errorf("%s stacked with %s: best region %v is %d bits away; regions %v", o.name, c, at, d, rects(rs))
			}
		}
	}
}

// TestFindGapSplitNegatives: a plain band wider than a gap (a door in a
// wall) does not split a photo.
func TestFindGapSplitNegatives(t *testing.T) {
	src := fixture(t, "baboon.jpg")
	const W, H = 640, 480
	texture := scale(src, W, H)
	paint := func(f func(x, y int) (color.RGBA, bool)) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, W, H))
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				c, ok := f(x, y)
				if !ok {
					c = texture.RGBAAt(x, y)
				}
				img.SetRGBA(x, y, c)
			}
		}
		return img
	}
	cases := map[string]*image.RGBA{
		"door": paint(func(x, y int) (color.RGBA, bool) {
			return color.RGBA{240, 240, 236, 255}, x >= 280 && x < 360
		}),
	}
	for name, img := range cases {
		m, _ := reencode(t, post{img: img}, false, 1, 85)
		for _, r := range Find(m.Pix, m.Width, m.Height, m.Channels) {
			t.Errorf("%s: trimmed: %s: %s", name, r.Kind, r.Explain())
		}
	}
}

// darkSided returns a copy of o whose left, right and bottom margins, a
// tenth to a fifth of its width, are one near-black colour: a night
// scene's dark edges.
func darkSided(o *image.RGBA, rng *rand.Rand) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	copy(out.Pix, o.Pix)
	// Ragged inner edges: the dark ends nowhere in a straight line.
	m := w / 10
	inL, inR, inB := make([]int, h), make([]int, h), make([]int, w)
	for y := range inL {
		inL[y], inR[y] = m+rng.Intn(m), m+rng.Intn(m)
	}
	for x := range inB {
		inB[x] = m + rng.Intn(m)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if x < inL[y] || x >= w-inR[y] || y >= h-inB[x] {
				v := uint8(3 + rng.Intn(3))
				out.SetRGBA(x, y, color.RGBA{v, v, v, 255})
			}
		}
	}
	return out
}

// TestFindEvenFrameNegative: a black banner across the top of a photo
// whose dark sides are narrower than the banner is no border.
func TestFindEvenFrameNegative(t *testing.T) {
	origs := loadOriginals(t)
	rng := rand.New(rand.NewSource(4))
	for i, o := range origs {
		w, ht := dims(o.img)
		if w < ht || i%5 != 1 {
			continue
		}
		img := darkSided(o.img, rng) // dark sides up to a fifth of the width
		bw := w * 30 / 100
		dst := image.NewRGBA(image.Rect(0, 0, w, ht+bw))
		fill(dst, dst.Bounds(), pureBlk)
		paste(dst, img, image.Pt(0, bw))
		m, _ := reencode(t, post{img: dst}, false, 0.9, 80)
		for _, r := range Find(m.Pix, m.Width, m.Height, m.Channels) {
			if r.Kind == KindBorder {
				t.Errorf("%s: trimmed as a border: %s", o.name, r.Explain())
			}
		}
		return
	}
}

// TestFindSignOnWallNegative: a sign's text on a light wall at the top of a
// photo, the wall fading into the scene, is no caption bar: only a pure white
// or black bar is ended by its text's place when no step ends it.
func TestFindSignOnWallNegative(t *testing.T) {
	src := fixture(t, "baboon.jpg")
	const W, H = 640, 480
	img := scale(src, W, H)
	wall := color.RGBA{236, 234, 228, 255}
	// The wall fades into the scene below it, in no straight line.
	fill(img, image.Rect(0, 0, W, 180), wall)
	for y := 180; y < 300; y++ {
		f := float64(y-180) / 120
		for x := 0; x < W; x++ {
			c := img.RGBAAt(x, y)
			mix := func(a, b uint8) uint8 { return uint8(float64(a)*(1-f) + float64(b)*f) }
			img.SetRGBA(x, y, color.RGBA{mix(wall.R, c.R), mix(wall.G, c.G), mix(wall.B, c.B), 255})
		}
	}
	drawText(img, "OPEN DAILY", 200, 30, 40, darkText)
	m, _ := reencode(t, post{img: img}, false, 1, 85)
	// The bars alone: the blend's own faint line is a matter for the
	// working copy's rules.
	ps := newLineProfiles(m.Pix, m.Width, m.Height, m.Channels)
	defer ps.release()
	for _, r := range fromBars(&ps.rows, &ps.cols, m.Width, m.Height) {
		t.Errorf("trimmed: %s: %s", r.Kind, r.Explain())
	}
}

// nightBottom returns a copy of o whose bottom, up to frac of its height
// and ending raggedly, is black as a night ground in shadow.
func nightBottom(o *image.RGBA, frac float64, rng *rand.Rand) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	copy(out.Pix, o.Pix)
	deep := int(frac * float64(h))
	for x := 0; x < w; x++ {
		top := h - deep/2 - rng.Intn(deep/2+1)
		for y := top; y < h; y++ {
			v := uint8(rng.Intn(3))
			out.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	return out
}

// TestFindCentredBars finds a picture centred between black bars whose
// own bottom is black too, ending in no straight line: the top bar's step
// gives the bars' height, and the bottom bar runs at least as far.
func TestFindCentredBars(t *testing.T) {
	if testing.Short() {
		t.Skip("builds re-posts of many fixture photos")
	}
	origs := loadOriginals(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	rng := rand.New(rand.NewSource(6))
	n := 0
	for i, o := range origs {
		w, ht := dims(o.img)
		if w < ht || i%4 != 2 || n == 3 {
			continue
		}
		n++
		img := nightBottom(o.img, 0.2, rng)
		want := hashRGBA(t, h, img).Hash
		m, truth := reencode(t, barred(img, 9, 16, pureBlk, nil), false, 0.8, 80)
		rs := Find(m.Pix, m.Width, m.Height, m.Channels)
		if d, at := bestDistance(t, h, m, rs, want); d > matchThreshold {
			t.Errorf("%s: best region %v is %d bits away; truth %v, regions %v", o.name, at, d, truth[0], rects(rs))
		}
	}
	if n < 3 {
		t.Fatalf("only %d landscape fixtures", n)
	}
}

// TestFindCentredBarsNegative: a black banner above a photo whose black
// ground below is lower than the banner is no pair of centred bars.
func TestFindCentredBarsNegative(t *testing.T) {
	origs := loadOriginals(t)
	rng := rand.New(rand.NewSource(6))
	n := 0
	for i, o := range origs {
		w, ht := dims(o.img)
		if w < ht || i%4 != 2 || n == 3 {
			continue
		}
		n++
		img := nightBottom(o.img, 0.1, rng)
		dst := image.NewRGBA(image.Rect(0, 0, w, ht+ht/4))
		fill(dst, dst.Bounds(), pureBlk)
		paste(dst, img, image.Pt(0, ht/4))
		m, _ := reencode(t, post{img: dst}, false, 0.8, 80)
		ps := newLineProfiles(m.Pix, m.Width, m.Height, m.Channels)
		for _, r := range fromBars(&ps.rows, &ps.cols, m.Width, m.Height) {
			t.Errorf("%s: trimmed: %s: %s", o.name, r.Kind, r.Explain())
		}
		ps.release()
	}
}
