package region

import (
	"image"
	"image/color"
	"math/rand"
)

// A family builds a re-post of picture o (and, for splits, of o2).
type family struct {
	name  string
	build func(rng *rand.Rand, o, o2 *image.RGBA) post
}

var (
	black    = color.RGBA{10, 10, 12, 255}
	white    = color.RGBA{246, 246, 246, 255}
	pureBlk  = color.RGBA{0, 0, 0, 255}
	pureWht  = color.RGBA{255, 255, 255, 255}
	darkText = color.RGBA{20, 20, 20, 255}
)

func dims(o *image.RGBA) (int, int) { return o.Bounds().Dx(), o.Bounds().Dy() }

// framed puts o in a frame of colour c, each side 3-15% of the picture.
func framed(rng *rand.Rand, o *image.RGBA, c color.RGBA) post {
	w, h := dims(o)
	l, t := w*(3+rng.Intn(13))/100, h*(3+rng.Intn(13))/100
	r, b := w*(3+rng.Intn(13))/100, h*(3+rng.Intn(13))/100
	dst := image.NewRGBA(image.Rect(0, 0, l+w+r, t+h+b))
	fill(dst, dst.Bounds(), c)
	return post{img: dst, truth: []image.Rectangle{paste(dst, o, image.Pt(l, t))}}
}

// barred pads o with bars of colour c, or with bg when given, to the
// aspect aw:ah, centred.
func barred(o *image.RGBA, aw, ah int, c color.RGBA, bg func(w, h int) *image.RGBA) post {
	w, h := dims(o)
	cw, ch := w, h
	if w*ah > h*aw { // wider than the canvas: bars above and below
		ch = w * ah / aw
	} else {
		cw = h * aw / ah
	}
	dst := image.NewRGBA(image.Rect(0, 0, cw, ch))
	if bg != nil {
		draw := bg(cw, ch)
		copy(dst.Pix, draw.Pix)
	} else {
		fill(dst, dst.Bounds(), c)
	}
	return post{img: dst, truth: []image.Rectangle{paste(dst, o, image.Pt((cw-w)/2, (ch-h)/2))}}
}

// cover scales o to cover w x h keeping its aspect, centred and cut.
func cover(o *image.RGBA, w, h int) *image.RGBA {
	ow, oh := dims(o)
	f := max(float64(w)/float64(ow), float64(h)/float64(oh))
	sw, sh := int(float64(ow)*f+0.5), int(float64(oh)*f+0.5)
	big := scale(o, sw, sh)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	paste(dst, big, image.Pt((w-sw)/2, (h-sh)/2))
	return dst
}

// portraitCanvas is 9:16 for a picture wider than it, else 16:9.
func canvasAspect(o *image.RGBA) (int, int) {
	w, h := dims(o)
	if w*16 > h*9 {
		return 9, 16
	}
	return 16, 9
}

// captioned adds a caption bar with one or two lines of text above (top),
// below, or both.
func captioned(rng *rand.Rand, o *image.RGBA, above, below bool, bar, ink color.RGBA) post {
	w, h := dims(o)
	bh := h * (14 + rng.Intn(10)) / 100
	t, b := 0, 0
	if above {
		t = bh
	}
	if below {
		b = bh
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, t+h+b))
	fill(dst, dst.Bounds(), bar)
	r := paste(dst, o, image.Pt(0, t))
	write := func(y0 int) {
		lines := 1 + rng.Intn(2)
		px := float64(bh) * 0.7 / float64(lines) / 1.2
		for i := 0; i < lines; i++ {
			s := sentence(rng, 3+rng.Intn(4))
			for textWidth(s, px) > w*9/10 && len(s) > 4 {
				s = s[:len(s)-3]
			}
			x := (w - textWidth(s, px)) / 2
			y := y0 + int(float64(bh)*0.15) + int(float64(i)*px*1.2)
			drawText(dst, s, x, y, px, ink)
		}
	}
	if above {
		write(0)
	}
	if below {
		write(t + h)
	}
	return post{img: dst, truth: []image.Rectangle{r}}
}

// screenshot draws a messaging app's chat on a 720x1280 phone screen with o
// as a photo in a bubble, rounded corners and a time stamp over it.
func screenshot(rng *rand.Rand, o *image.RGBA) post {
	const W, H = 720, 1280
	dst := image.NewRGBA(image.Rect(0, 0, W, H))
	chatBg := []color.RGBA{{236, 229, 221, 255}, {255, 255, 255, 255}, {17, 27, 33, 255}}[rng.Intn(3)]
	dark := chatBg.R < 128
	inkc := darkText
	bubbleIn, bubbleOut := color.RGBA{255, 255, 255, 255}, color.RGBA{220, 248, 198, 255}
	if dark {
		inkc = color.RGBA{230, 230, 230, 255}
		bubbleIn, bubbleOut = color.RGBA{32, 44, 51, 255}, color.RGBA{0, 92, 75, 255}
	}
	fill(dst, dst.Bounds(), chatBg)
	fill(dst, image.Rect(0, 0, W, 40), color.RGBA{7, 80, 70, 255})
	drawText(dst, "12:34", 16, 10, 22, pureWht)
	drawText(dst, "5G 87%", W-110, 10, 22, pureWht)
	fill(dst, image.Rect(0, 40, W, 130), color.RGBA{7, 94, 84, 255})
	drawText(dst, "Alex", 110, 65, 36, pureWht)
	fill(dst, image.Rect(20, 55, 80, 115), color.RGBA{180, 190, 200, 255})
	fill(dst, image.Rect(0, 1180, W, H), color.RGBA{240, 240, 240, 255})
	fill(dst, image.Rect(20, 1195, W-110, 1265), pureWht)
	drawText(dst, "Message", 40, 1215, 30, color.RGBA{150, 150, 150, 255})
	y := 150
	bubble := func(x, w int, c color.RGBA, lines int) {
		fill(dst, image.Rect(x, y, x+w, y+20+lines*34), c)
		for i := 0; i < lines; i++ {
			s := sentence(rng, 4)
			for textWidth(s, 24) > w-30 && len(s) > 4 {
				s = s[:len(s)-3]
			}
			drawText(dst, s, x+14, y+10+i*34, 24, inkc)
		}
		y += 20 + lines*34 + 16
	}
	bubble(20, 460, bubbleIn, 1+rng.Intn(2))
	bubble(W-500, 480, bubbleOut, 1)
	// The photo bubble, on the right as a sent photo.
	ow, oh := dims(o)
	pw := 540
	ph := pw * oh / ow
	if maxH := 1160 - y - 140; ph > maxH {
		ph = maxH
		pw = ph * ow / oh
	}
	const m = 6
	bx := W - 20 - pw - 2*m
	fill(dst, image.Rect(bx, y, bx+pw+2*m, y+ph+2*m), bubbleOut)
	photo := scale(o, pw, ph)
	r := paste(dst, photo, image.Pt(bx+m, y+m))
	const rad = 14
	for cy := 0; cy < rad; cy++ {
		for cx := 0; cx < rad; cx++ {
			if (rad-cx)*(rad-cx)+(rad-cy)*(rad-cy) > rad*rad {
				for _, p := range [4]image.Point{{r.Min.X + cx, r.Min.Y + cy}, {r.Max.X - 1 - cx, r.Min.Y + cy},
					{r.Min.X + cx, r.Max.Y - 1 - cy}, {r.Max.X - 1 - cx, r.Max.Y - 1 - cy}} {
					dst.SetRGBA(p.X, p.Y, bubbleOut)
				}
			}
		}
	}
	drawText(dst, "12:35", r.Max.X-80, r.Max.Y-30, 20, pureWht)
	y += ph + 2*m + 16
	if y+60 < 1170 {
		bubble(20, 400, bubbleIn, 1)
	}
	return post{img: dst, truth: []image.Rectangle{r}}
}

// together shows o and o2 side by side (or stacked) at a common height
// (width), touching or with a thin gap.
func together(rng *rand.Rand, o, o2 *image.RGBA, stacked bool) post {
	w, h := dims(o)
	w2, h2 := dims(o2)
	gap := 0
	if rng.Intn(2) == 0 {
		gap = 8
	}
	if !stacked {
		H := min(h, 600)
		a, b := scale(o, w*H/h, H), scale(o2, w2*H/h2, H)
		dst := image.NewRGBA(image.Rect(0, 0, a.Rect.Dx()+gap+b.Rect.Dx(), H))
		fill(dst, dst.Bounds(), pureWht)
		return post{img: dst, truth: []image.Rectangle{paste(dst, a, image.Pt(0, 0)), paste(dst, b, image.Pt(a.Rect.Dx()+gap, 0))}}
	}
	W := min(w, 600)
	a, b := scale(o, W, h*W/w), scale(o2, W, h2*W/w2)
	dst := image.NewRGBA(image.Rect(0, 0, W, a.Rect.Dy()+gap+b.Rect.Dy()))
	fill(dst, dst.Bounds(), pureWht)
	return post{img: dst, truth: []image.Rectangle{paste(dst, a, image.Pt(0, 0)), paste(dst, b, image.Pt(0, a.Rect.Dy()+gap))}}
}

// families are the re-post kinds issue 14 names.
var families = []family{
	{"border-black", func(rng *rand.Rand, o, _ *image.RGBA) post { return framed(rng, o, black) }},
	{"border-white", func(rng *rand.Rand, o, _ *image.RGBA) post { return framed(rng, o, white) }},
	{"border-colour", func(rng *rand.Rand, o, _ *image.RGBA) post {
		return framed(rng, o, color.RGBA{uint8(rng.Intn(256)), uint8(rng.Intn(256)), uint8(rng.Intn(256)), 255})
	}},
	{"border-edge", func(rng *rand.Rand, o, _ *image.RGBA) post { return framed(rng, o, edgeColour(o)) }},
	{"letterbox", func(_ *rand.Rand, o, _ *image.RGBA) post { return barred(o, 9, 16, pureBlk, nil) }},
	{"pillarbox", func(_ *rand.Rand, o, _ *image.RGBA) post { return barred(o, 16, 9, pureBlk, nil) }},
	{"blurred-padding", func(_ *rand.Rand, o, _ *image.RGBA) post {
		aw, ah := canvasAspect(o)
		return barred(o, aw, ah, pureBlk, func(w, h int) *image.RGBA { return blur(cover(o, w, h), w, h) })
	}},
	{"stretched-padding", func(_ *rand.Rand, o, _ *image.RGBA) post {
		aw, ah := canvasAspect(o)
		return barred(o, aw, ah, pureBlk, func(w, h int) *image.RGBA { return scale(o, w, h) })
	}},
	{"caption-top", func(rng *rand.Rand, o, _ *image.RGBA) post { return captioned(rng, o, true, false, pureWht, pureBlk) }},
	{"caption-bottom", func(rng *rand.Rand, o, _ *image.RGBA) post { return captioned(rng, o, false, true, pureBlk, pureWht) }},
	{"caption-both", func(rng *rand.Rand, o, _ *image.RGBA) post { return captioned(rng, o, true, true, pureWht, pureBlk) }},
	{"screenshot", func(rng *rand.Rand, o, _ *image.RGBA) post { return screenshot(rng, o) }},
	{"side-by-side", func(rng *rand.Rand, o, o2 *image.RGBA) post { return together(rng, o, o2, false) }},
	{"stacked", func(rng *rand.Rand, o, o2 *image.RGBA) post { return together(rng, o, o2, true) }},
}
