package region

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

// roundPicture paints the corners of r outside an arc of radius rad with
// c, as a messaging app rounds a photo in a bubble.
func roundPicture(dst *image.RGBA, r image.Rectangle, rad int, c color.RGBA) {
	R := float64(rad)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cx := math.Min(math.Max(float64(x)+0.5, float64(r.Min.X)+R), float64(r.Max.X)-R)
			cy := math.Min(math.Max(float64(y)+0.5, float64(r.Min.Y)+R), float64(r.Max.Y)-R)
			if math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy) > R {
				dst.SetRGBA(x, y, c)
			}
		}
	}
}

// cornerCrop hashes the part r of m, with its corners filled back when rad
// is over 0.
func cornerCrop(t *testing.T, h *pdq.Hasher, pix []byte, w, ht, ch int, r image.Rectangle, rad int) pdq.Hash {
	t.Helper()
	crop := Crop(pix, w, ht, ch, r)
	FillCorners(crop, r.Dx(), r.Dy(), ch, rad)
	res, err := h.Hash(crop, r.Dx(), r.Dy(), ch)
	if err != nil {
		t.Fatal(err)
	}
	return res.Hash
}

// TestFindRoundedCorners builds chat posts whose photo's corners the app
// rounded in the bubble's colour, at the phone's size and resized to 720
// pixels: Find must report the rounding with about its radius, and the
// crop filled back must be within PDQ's match distance of the original and
// no farther than the crop as it is. A brick wall is a texture of sparse
// DCT, which the painted corners move by 26-36 bits.
func TestFindRoundedCorners(t *testing.T) {
	origs := loadOriginals(t)
	pics := map[string]*image.RGBA{}
	for _, o := range origs {
		if o.name == "brick.png" || o.name == "aero3.jpg" {
			pics[o.name] = o.img
		}
	}
	h := pdq.NewHasher(pdq.Options{})
	cases := []struct {
		name  string
		th    chatTheme
		scale float64
	}{
		{"brick.png", chatLightTheme, 1}, {"brick.png", chatLightTheme, 2.0 / 3},
		{"brick.png", chatDarkTheme, 1}, {"brick.png", chatDarkTheme, 2.0 / 3},
		{"aero3.jpg", chatDarkTheme, 1},
	}
	for _, c := range cases {
		name, pic, th, f := c.name, pics[c.name], c.th, c.scale
		if pic == nil {
			t.Fatalf("fixture %s missing", name)
		}
		want := hashRGBA(t, h, pic).Hash
		p := chatPost(pic, th, false, 0.6)
		const rad = 16
		roundPicture(p.img, p.truth[0], rad, th.in)
		m, truth := reencode(t, p, false, f, 85)
		rs := Find(m.Pix, m.Width, m.Height, m.Channels)
		var got *Region
		for i := range rs {
			if near(rs[i].Rect, truth[0], 2) {
				got = &rs[i]
				break
			}
		}
		if got == nil {
			t.Errorf("%s %s x%.2f: no region at %v: %v", name, th.name, f, truth[0], rs)
			continue
		}
		if r := float64(rad) * f; float64(got.Corner) < r-3 || float64(got.Corner) > r+5 {
			t.Errorf("%s %s x%.2f: corner radius %d, want about %.0f", name, th.name, f, got.Corner, r)
		}
		filled := cornerCrop(t, h, m.Pix, m.Width, m.Height, m.Channels, got.Rect, got.Corner).Distance(want)
		as := cornerCrop(t, h, m.Pix, m.Width, m.Height, m.Channels, got.Rect, 0).Distance(want)
		t.Logf("%s %s x%.2f: %v radius %d: filled %d bits, as found %d", name, th.name, f, got.Rect, got.Corner, filled, as)
		if filled > 31 || filled > as+4 {
			t.Errorf("%s %s x%.2f: filled corners %d bits from the original (as found %d)", name, th.name, f, filled, as)
		}
	}
}

// TestSquareCornersNotFilled: a photo in a bubble whose corners are not
// rounded, and one whose own corners are the bubble's colour (a white
// background in a white bubble), get no corner radius: nothing is painted
// over the picture.
func TestSquareCornersNotFilled(t *testing.T) {
	origs := loadOriginals(t)
	for _, o := range origs {
		if o.name != "aero3.jpg" && (o.name != "brick.png" || testing.Short()) {
			continue
		}
		for _, th := range []chatTheme{chatLightTheme, chatDarkTheme} {
			m, _ := reencode(t, chatPost(o.img, th, true, 0.6), false, 1, 85)
			for _, r := range Find(m.Pix, m.Width, m.Height, m.Channels) {
				if r.Corner != 0 {
					t.Errorf("%s %s: square corners reported rounded (radius %d) at %v", o.name, th.name, r.Corner, r.Rect)
				}
			}
		}
	}
	// A white picture with a dark shape in its middle, in a white bubble.
	pic := image.NewRGBA(image.Rect(0, 0, 500, 400))
	fill(pic, pic.Bounds(), pureWht)
	fill(pic, image.Rect(120, 80, 380, 320), color.RGBA{20, 20, 20, 255})
	p := chatPost(pic, chatLightTheme, false, 0.6)
	roundPicture(p.img, p.truth[0], 16, pureWht)
	m, _ := reencode(t, p, false, 1, 85)
	for _, r := range Find(m.Pix, m.Width, m.Height, m.Channels) {
		if r.Corner != 0 {
			t.Errorf("white picture in a white bubble: corners reported rounded (radius %d) at %v", r.Corner, r.Rect)
		}
	}
}

// TestFillCornersOnlyTouchesCorners: filling leaves every pixel inside the
// arcs as it was, and a radius too large for the crop changes nothing.
func TestFillCornersOnlyTouchesCorners(t *testing.T) {
	const w, h, rad = 60, 40, 8
	pix := make([]byte, w*h)
	for i := range pix {
		pix[i] = byte(i * 7)
	}
	orig := append([]byte(nil), pix...)
	FillCorners(pix, w, h, 1, rad)
	changed := 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			inCorner := (x < rad || x >= w-rad) && (y < rad || y >= h-rad)
			if pix[y*w+x] != orig[y*w+x] {
				changed++
				if !inCorner {
					t.Fatalf("pixel %d,%d outside the corners changed", x, y)
				}
			}
		}
	}
	if changed == 0 {
		t.Fatal("no corner pixel was filled")
	}
	big := append([]byte(nil), orig...)
	FillCorners(big, w, h, 1, h/2)
	for i := range big {
		if big[i] != orig[i] {
			t.Fatal("a radius of half the crop changed pixels")
		}
	}
}

// TestRoundedCornersNegatives: pictures with rounded or light shapes that
// are not a photo in a chat bubble — a white wall, a document scan, a
// screenshot of a web page with rounded buttons, a photo of a phone (its
// screen has rounded corners), a natural photo with a strong straight
// edge — get no corners filled. (Find proposes the picture on the phone's
// screen, and the phone itself between pillars of the table it lies on:
// regions of Find's other rules, logged here.)
func TestRoundedCornersNegatives(t *testing.T) {
	origs := loadOriginals(t)
	var photo *image.RGBA
	for _, o := range origs {
		if o.name == "aero3.jpg" {
			photo = o.img
		}
	}
	if photo == nil {
		t.Fatal("fixture aero3.jpg missing")
	}
	const W, H = 1080, 1440
	noisy := func(c color.RGBA, x, y int) color.RGBA {
		n := uint8((x*7 + y*13) % 5)
		return color.RGBA{c.R - n, c.G - n, c.B - n, 255}
	}
	cases := map[string]*image.RGBA{}

	wall := image.NewRGBA(image.Rect(0, 0, W, H))
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			v := uint8(235 - 30*x/W - 10*y/H)
			wall.SetRGBA(x, y, noisy(color.RGBA{v, v - 2, v - 6, 255}, x, y))
		}
	}
	// A light switch with rounded corners on the wall.
	roundPicture(wall, image.Rect(480, 600, 600, 780), 0, wall.RGBAAt(470, 590))
	fill(wall, image.Rect(490, 610, 590, 770), color.RGBA{250, 250, 248, 255})
	roundPicture(wall, image.Rect(490, 610, 590, 770), 16, wall.RGBAAt(470, 590))
	cases["white wall"] = wall

	doc := image.NewRGBA(image.Rect(0, 0, W, H))
	fill(doc, doc.Bounds(), color.RGBA{244, 242, 236, 255})
	for y := 120; y < H-120; y += 48 {
		drawText(doc, "the committee notes that the figures in the annex were revised", 90, y, 30, darkText)
	}
	cases["document scan"] = doc

	web := image.NewRGBA(image.Rect(0, 0, W, H))
	fill(web, web.Bounds(), pureWht)
	fill(web, image.Rect(0, 0, W, 120), color.RGBA{0x24, 0x29, 0x2f, 255})
	drawText(web, "example.org  news  sport  weather", 40, 40, 34, pureWht)
	for i := 0; i < 3; i++ {
		b := image.Rect(60+i*330, 180, 360+i*330, 260)
		fill(web, b, color.RGBA{0x1a, 0x73, 0xe8, 255})
		roundPicture(web, b, 20, pureWht)
		drawText(web, "read more", b.Min.X+70, b.Min.Y+22, 30, pureWht)
	}
	for y := 320; y < H-60; y += 46 {
		drawText(web, "a paragraph of the article goes on about the town's new bridge", 60, y, 30, darkText)
	}
	cases["web page"] = web

	phone := image.NewRGBA(image.Rect(0, 0, W, H))
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			phone.SetRGBA(x, y, noisy(color.RGBA{120, 96, 70, 255}, x, y))
		}
	}
	body := image.Rect(260, 200, 820, 1240)
	fill(phone, body, color.RGBA{18, 18, 20, 255})
	roundPicture(phone, body, 60, phone.RGBAAt(100, 100))
	screen := image.Rect(290, 240, 790, 1200)
	paste(phone, scale(photo, screen.Dx(), screen.Dy()), screen.Min)
	roundPicture(phone, screen, 40, color.RGBA{18, 18, 20, 255})
	cases["photo of a phone"] = phone

	edge := scale(photo, W, H)
	for y := 0; y < H*2/5; y++ {
		for x := 0; x < W; x++ {
			v := uint8(150 + 80*y/H)
			edge.SetRGBA(x, y, noisy(color.RGBA{v, v + 10, 245, 255}, x, y))
		}
	}
	cases["straight edge"] = edge

	for name, img := range cases {
		m, _ := reencode(t, post{img: img}, false, 1, 85)
		for _, r := range Find(m.Pix, m.Width, m.Height, m.Channels) {
			if r.Corner != 0 {
				t.Errorf("%s: corners filled (radius %d) in %v", name, r.Corner, r.Rect)
			}
			t.Logf("%s: %s %v", name, r.Kind, r.Rect)
		}
	}
}

// TestTrimBlended: a picture's outermost line that resizing blended with
// the bubble's margin is trimmed, one line a side at most; a picture whose
// outermost line is its own (a texture, or a smooth edge near the margin's
// colour) keeps it.
func TestTrimBlended(t *testing.T) {
	const W, H = 200, 160
	margin := color.RGBA{0x20, 0x2c, 0x33, 255}
	r := image.Rect(20, 20, 180, 140)
	texture := func(x, y int) color.RGBA {
		v := uint8(120 + (x*37+y*53)%120)
		return color.RGBA{v, 255 - v, v / 2, 255}
	}
	build := func(pic func(x, y int) color.RGBA, blend bool) *fullLuma {
		img := image.NewRGBA(image.Rect(0, 0, W, H))
		fill(img, img.Bounds(), margin)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				img.SetRGBA(x, y, pic(x, y))
			}
		}
		if blend {
			// The outermost lines: half the margin, half the next line in.
			mix := func(x, y, nx, ny int) {
				c := img.RGBAAt(nx, ny)
				img.SetRGBA(x, y, color.RGBA{uint8((int(c.R) + int(margin.R)) / 2), uint8((int(c.G) + int(margin.G)) / 2),
					uint8((int(c.B) + int(margin.B)) / 2), 255})
			}
			for x := r.Min.X; x < r.Max.X; x++ {
				mix(x, r.Min.Y, x, r.Min.Y+1)
				mix(x, r.Max.Y-1, x, r.Max.Y-2)
			}
			for y := r.Min.Y + 1; y < r.Max.Y-1; y++ {
				mix(r.Min.X, y, r.Min.X+1, y)
				mix(r.Max.X-1, y, r.Max.X-2, y)
			}
		}
		return newFullLuma(rgbPix(img), W, H, 3)
	}
	if got, want := build(texture, true).trimBlended(r), r.Inset(1); got != want {
		t.Errorf("blended edge lines: got %v, want %v", got, want)
	}
	if got := build(texture, false).trimBlended(r); got != r {
		t.Errorf("a texture's own edge lines trimmed: got %v, want %v", got, r)
	}
	smooth := func(x, y int) color.RGBA {
		v := uint8(0x30 + (x+y)/8)
		return color.RGBA{v, v + 8, v + 12, 255}
	}
	if got := build(smooth, false).trimBlended(r); got != r {
		t.Errorf("a smooth edge near the margin's colour trimmed: got %v, want %v", got, r)
	}
}

// TestTrimBlendedThinOrOutside: a rectangle too thin to have a line inside
// it, or reaching past the image, comes back as it is instead of reading
// outside the image.
func TestTrimBlendedThinOrOutside(t *testing.T) {
	const w, h = 924, 32
	pix := make([]byte, w*h)
	f := newFullLuma(pix, w, h, 1)
	for _, r := range []image.Rectangle{
		image.Rect(0, 0, 2, h), image.Rect(w-2, 0, w, h), image.Rect(0, 0, w, 1),
		image.Rect(-5, 0, 100, h), image.Rect(100, 0, w+3, h),
	} {
		if got := f.trimBlended(r); got != r {
			t.Errorf("%v: %v", r, got)
		}
	}
}
