package region

import (
	"image"
	"image/color"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

// chatTheme is the look of a constructed messaging app.
type chatTheme struct {
	name                 string
	bg, in, out, ink, ts color.RGBA
}

var (
	chatLightTheme = chatTheme{"light", color.RGBA{0xec, 0xe5, 0xdd, 255}, pureWht,
		color.RGBA{0xdc, 0xf8, 0xc6, 255}, darkText, color.RGBA{0x66, 0x77, 0x81, 255}}
	chatDarkTheme = chatTheme{"dark", color.RGBA{0x0b, 0x14, 0x1a, 255}, color.RGBA{0x20, 0x2c, 0x33, 255},
		color.RGBA{0x00, 0x5c, 0x4b, 255}, color.RGBA{0xe9, 0xed, 0xef, 255}, color.RGBA{0x8d, 0x9a, 0xa1, 255}}
)

// chatPost draws a phone's chat with photo o in a bubble on the left
// (received) or the right (sent), width the share of the screen's width it
// takes: a margin of m pixels of the bubble's colour on three sides, a
// strip below with the time in its corner, a message above and below.
func chatPost(o *image.RGBA, th chatTheme, sent bool, width float64) post {
	const W, H, m = 1080, 1920, 8
	dst := image.NewRGBA(image.Rect(0, 0, W, H))
	fill(dst, dst.Bounds(), th.bg)
	fill(dst, image.Rect(0, 0, W, 232), color.RGBA{0x1f, 0x2c, 0x34, 255})
	drawText(dst, "Mo", 220, 110, 46, pureWht)
	fill(dst, image.Rect(30, 300, 420, 390), th.in)
	drawText(dst, "where is this from", 60, 320, 40, th.ink)
	ow, oh := dims(o)
	pw := int(W * width)
	ph := oh * pw / ow
	x, y, bub := 30, 420, th.in
	if sent {
		x, bub = W-30-pw-2*m, th.out
	}
	fill(dst, image.Rect(x, y, x+pw+2*m, y+ph+2*m+44), bub)
	in := paste(dst, scale(o, pw, ph), image.Pt(x+m, y+m))
	drawText(dst, "12:07", in.Max.X-90, in.Max.Y+12, 28, th.ts)
	ny := y + ph + 2*m + 44 + 20
	fill(dst, image.Rect(W-330, ny, W-30, ny+90), th.out)
	drawText(dst, "no way", W-300, ny+25, 40, th.ink)
	fill(dst, image.Rect(20, 1780, 900, 1880), th.in)
	return post{img: dst, truth: []image.Rectangle{in}}
}

// darkEdged gives o the dark top rows and right columns of a cheap
// camera's sensor: the picture's own edge, one colour, next to the
// bubble's margin.
func darkEdged(o *image.RGBA) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	copy(out.Pix, o.Pix)
	fill(out, image.Rect(0, 0, w, max(3, h/60)), color.RGBA{4, 4, 4, 255})
	fill(out, image.Rect(w-max(2, w/200), 0, w, h), color.RGBA{6, 6, 6, 255})
	return out
}

// chatCase finds the photo of each landscape fixture in the chat made by
// make, at the phone's full width and resized to 720 pixels, and fails
// for any whose best region is more than PDQ's match distance from the
// original.
func chatCase(t *testing.T, what string, make func(o original, i int) (post, *image.RGBA)) {
	origs := loadOriginals(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	n := 0
	for i, o := range origs {
		w, ht := dims(o.img)
		if w*10 < ht*12 || n == 6 {
			continue
		}
		n++
		p, src := make(o, i)
		want := hashRGBA(t, pdq.NewHasher(pdq.Options{}), src).Hash
		for _, f := range []float64{1, 2.0 / 3} {
			m, truth := reencode(t, p, false, f, 85)
			rs := Find(m.Pix, m.Width, m.Height, m.Channels)
			d, at := bestDistance(t, h, m, rs, want)
			if d > matchThreshold {
				t.Errorf("%s, %s at %.2f: best region %v is %d bits away; truth %v, regions %v", o.name, what, f, at, d, truth[0], rects(rs))
				continue
			}
			t.Logf("%s, %s at %.2f: %v at %d bits (truth %v)", o.name, what, f, at, d, truth[0])
		}
	}
	if n < 4 {
		t.Fatalf("only %d landscape fixtures", n)
	}
}

// TestChatPhotoWithDarkEdge finds a received photo whose own top rows and
// right columns are near black, in a white bubble: an earlier Find took
// the bubble's white margin and the photo's black rows for one margin,
// cut into the photo, and then knew no witness of the bubble's colour to
// cut the strip with the time off.
func TestChatPhotoWithDarkEdge(t *testing.T) {
	chatCase(t, "dark-edged photo, light chat", func(o original, i int) (post, *image.RGBA) {
		src := darkEdged(o.img)
		return chatPost(src, chatLightTheme, false, 0.62+0.02*float64(i%5)), src
	})
}

// TestChatSentPhotoResized finds a sent photo in either theme with the
// screenshot resized: an earlier Find kept the strip with the time when
// the bubble's last line blended into the chat's colour.
func TestChatSentPhotoResized(t *testing.T) {
	for _, th := range []chatTheme{chatLightTheme, chatDarkTheme} {
		chatCase(t, "sent photo, "+th.name+" chat", func(o original, i int) (post, *image.RGBA) {
			return chatPost(o.img, th, true, 0.6+0.03*float64(i%5)), o.img
		})
	}
}

// TestTrimMarginsKeepsTwoToneEdge keeps a picture's own edge rows of two
// plain colours that run on past a bubble's margin width: a margin of one
// colour ends where the colour changes, but the rows as a whole are the
// picture's (an earlier change trimmed the first colour's rows of a
// screenshot's picture away, and its hash with them).
func TestTrimMarginsKeepsTwoToneEdge(t *testing.T) {
	const W, H = 1000, 1000
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	fill(img, img.Bounds(), color.RGBA{128, 128, 128, 255})
	r := image.Rect(100, 100, 900, 900)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			v := uint8((x*7 + y*13 + (x*y)%23*9) % 256)
			img.SetRGBA(x, y, color.RGBA{v, v / 2, 255 - v, 255})
		}
	}
	// Black rows, then dark grey ones: 20 plain rows, more than a
	// margin's reach (12 here). The bottom's thin black rows witness
	// black.
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+10), color.RGBA{2, 2, 2, 255})
	fill(img, image.Rect(r.Min.X, r.Min.Y+10, r.Max.X, r.Min.Y+20), color.RGBA{70, 70, 70, 255})
	fill(img, image.Rect(r.Min.X, r.Max.Y-6, r.Max.X, r.Max.Y), color.RGBA{2, 2, 2, 255})
	f := newFullLuma(rgbPix(img), W, H, 3)
	sides := [4]bool{true, true, true, true}
	if got := f.trimMargins(r, sides, true); got.Min.Y != r.Min.Y {
		t.Errorf("trimmed the picture's own top rows: %v, want the top at %d", got, r.Min.Y)
	}
	// A white margin of 5 rows on the bubble's sides, then the picture's
	// own black rows: only the margin goes.
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+5), pureWht)
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+5, r.Max.Y), pureWht)
	fill(img, image.Rect(r.Min.X, r.Min.Y+5, r.Max.X, r.Min.Y+10), color.RGBA{2, 2, 2, 255})
	fill(img, image.Rect(r.Min.X, r.Min.Y+10, r.Max.X, r.Min.Y+20), color.RGBA{120, 40, 200, 255})
	for y := r.Min.Y + 10; y < r.Min.Y+20; y++ {
		for x := r.Min.X + 5; x < r.Max.X; x++ {
			v := uint8((x*7 + y*13 + (x*y)%23*9) % 256)
			img.SetRGBA(x, y, color.RGBA{v, v / 2, 255 - v, 255})
		}
	}
	f = newFullLuma(rgbPix(img), W, H, 3)
	if got := f.trimMargins(r, sides, true); got.Min.Y != r.Min.Y+5 {
		t.Errorf("top at %d, want %d: past the white margin, not the picture's black rows", got.Min.Y, r.Min.Y+5)
	}
}

// greyBottom gives o a bottom tenth of plain textured grey of luma near
// the dark theme's green bubble: a dark foreground, in another colour.
func greyBottom(o *image.RGBA) *image.RGBA {
	w, h := dims(o)
	out := image.NewRGBA(o.Bounds())
	copy(out.Pix, o.Pix)
	for y := h - h/10; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(60 + (x*7+y*3)%7)
			out.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	return out
}

// TestChatSentPhotoGreyBottom finds a sent photo whose bottom rows have
// the dark bubble's luma but not its colour: an earlier Find read the
// bubble's band on into the photo, found no step where it ended, and
// kept the strip with the time.
func TestChatSentPhotoGreyBottom(t *testing.T) {
	chatCase(t, "grey-bottomed photo, dark chat", func(o original, i int) (post, *image.RGBA) {
		src := greyBottom(o.img)
		return chatPost(src, chatDarkTheme, true, 0.6+0.03*float64(i%5)), src
	})
}

// TestTrimBandsPastStopShort trims the strip under a photo when the side
// found stops inside the bubble, a few lines before its edge: the band
// still stands out of the chat past those lines.
func TestTrimBandsPastStopShort(t *testing.T) {
	const W, H = 720, 1280
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	fill(img, img.Bounds(), chatLightTheme.bg)
	bub := image.Rect(270, 300, 700, 700)
	fill(img, bub, chatLightTheme.out)
	photo := image.Rect(bub.Min.X+5, bub.Min.Y+5, bub.Max.X-5, bub.Max.Y-35)
	for y := photo.Min.Y; y < photo.Max.Y; y++ {
		for x := photo.Min.X; x < photo.Max.X; x++ {
			v := uint8((x*5 + y*11 + (x*y)%31*7) % 200)
			img.SetRGBA(x, y, color.RGBA{v, v / 2, 200 - v, 255})
		}
	}
	drawText(img, "12:07", photo.Max.X-60, photo.Max.Y+8, 19, chatLightTheme.ts)
	f := newFullLuma(rgbPix(img), W, H, 3)
	// The region's bottom stops 8 lines short of the bubble's edge.
	r := image.Rect(photo.Min.X, photo.Min.Y, photo.Max.X, bub.Max.Y-8)
	got := f.trimBands(r, [4]bool{true, true, true, true})
	if d := got.Max.Y - photo.Max.Y; d < -1 || d > 1 {
		t.Errorf("bottom at %d, want %d (the photo's edge)", got.Max.Y, photo.Max.Y)
	}
}

// TestTrimBandsChromaBlend trims the strip under a photo whose last two
// rows JPEG's halved chroma blended with the bubble: half their pixels
// keep the bubble's colour, so neither the band nor the photo's step
// seems to start there; the step is a line or two on.
func TestTrimBandsChromaBlend(t *testing.T) {
	const W, H = 720, 1280
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	th := chatDarkTheme
	fill(img, img.Bounds(), th.bg)
	bub := image.Rect(270, 300, 700, 700)
	fill(img, bub, th.out)
	photo := image.Rect(bub.Min.X+5, bub.Min.Y+5, bub.Max.X-5, bub.Max.Y-35)
	for y := photo.Min.Y; y < photo.Max.Y; y++ {
		for x := photo.Min.X; x < photo.Max.X; x++ {
			v := uint8(60 + (x*7+y*3)%7) // the bubble's luma, in grey
			if y < photo.Max.Y-40 {
				v = uint8((x*5 + y*11 + (x*y)%31*7) % 200)
			}
			img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
			if y >= photo.Max.Y-2 && x%2 == 0 {
				img.SetRGBA(x, y, th.out)
			}
		}
	}
	drawText(img, "12:07", photo.Max.X-60, photo.Max.Y+8, 19, th.ts)
	f := newFullLuma(rgbPix(img), W, H, 3)
	r := image.Rect(photo.Min.X, photo.Min.Y, photo.Max.X, bub.Max.Y)
	got := f.trimBands(r, [4]bool{true, true, true, true})
	if d := got.Max.Y - photo.Max.Y; d < -2 || d > 1 {
		t.Errorf("bottom at %d, want %d (the photo's edge)", got.Max.Y, photo.Max.Y)
	}
}

// TestTrimBandsKeepsLightGradient keeps a picture's own light top rows in
// an image viewer's light grey window: they end in a gradient, not a step
// of colour, so they are no bubble's band (a search for a step two lines
// on, meant for a band blended by JPEG's chroma, trimmed them).
func TestTrimBandsKeepsLightGradient(t *testing.T) {
	const W, H = 1280, 800
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	fill(img, img.Bounds(), color.RGBA{0xee, 0xee, 0xec, 255})
	fill(img, image.Rect(0, 0, W, 32), color.RGBA{0x30, 0x30, 0x34, 255})
	photo := image.Rect(276, 185, 1003, 646)
	for y := photo.Min.Y; y < photo.Max.Y; y++ {
		for x := photo.Min.X; x < photo.Max.X; x++ {
			v := uint8((x*5 + y*11 + (x*y)%31*7) % 200)
			img.SetRGBA(x, y, color.RGBA{v, v / 2, 200 - v, 255})
		}
	}
	fill(img, image.Rect(photo.Min.X, photo.Min.Y, photo.Max.X, photo.Min.Y+4), color.RGBA{228, 225, 228, 255})
	for i := 1; i <= 3; i++ {
		v := uint8(4 * i)
		fill(img, image.Rect(photo.Min.X, photo.Min.Y+3+i, photo.Max.X, photo.Min.Y+4+i), color.RGBA{228 - v, 225 - v, 228 - v, 255})
	}
	f := newFullLuma(rgbPix(img), W, H, 3)
	got := f.trimBands(photo, [4]bool{true, true, true, true})
	if got.Min.Y != photo.Min.Y {
		t.Errorf("top at %d, want %d: the light rows are the picture's", got.Min.Y, photo.Min.Y)
	}
}
