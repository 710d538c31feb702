package transform

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Text is drawn with the Go font (goregular) through opentype, at the
// sizes a post uses; the parsed font is shared, the faces are made per
// call (a font.Face is not safe for concurrent use).
var goRegular = sync.OnceValue(func() *sfnt.Font {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		panic("transform: the embedded Go font does not parse: " + err.Error())
	}
	return f
})

func face(size float64) font.Face {
	f, err := opentype.NewFace(goRegular(), &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		panic("transform: " + err.Error())
	}
	return f
}

// drawText writes s with its baseline at (x, y).
func drawText(dst *image.RGBA, s string, f font.Face, c color.Color, x, y int) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: f, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func textWidth(s string, f font.Face) int { return font.MeasureString(f, s).Ceil() }

var captions = []string{
	"when you finally see it", "nobody:", "me explaining this to my mom",
	"this is fine", "POV: you forgot to charge your phone", "they said it couldn't be done",
	"monday mood", "look at this", "can't unsee", "you had one job",
}

func captionLine(rng *rand.Rand) string { return captions[rng.IntN(len(captions))] }

// Caption adds white bars with black centred text above (top) and below
// (bottom) src, as a meme does; an empty string adds no bar. The bar is
// 12 to 20% of the picture's height, the text as large as fits.
func Caption(src *image.RGBA, top, bottom string, rng *rand.Rand) *image.RGBA {
	b := src.Bounds()
	barH := int(float64(b.Dy()) * (0.12 + 0.08*rng.Float64()))
	th, bh := 0, 0
	if top != "" {
		th = barH
	}
	if bottom != "" {
		bh = barH
	}
	dst := canvas(b.Dx(), b.Dy()+th+bh, color.RGBA{0xff, 0xff, 0xff, 0xff})
	draw.Draw(dst, b.Add(image.Pt(0, th)), src, image.Point{}, draw.Src)
	bar := func(s string, y0 int) {
		size := float64(barH) * 0.55
		f := face(size)
		if w := textWidth(s, f); w > b.Dx()*9/10 {
			size *= float64(b.Dx()*9/10) / float64(w)
			f = face(size)
		}
		w := textWidth(s, f)
		m := f.Metrics()
		base := y0 + (barH+m.Ascent.Ceil()-m.Descent.Ceil())/2
		drawText(dst, s, f, color.Black, (b.Dx()-w)/2, base)
	}
	if top != "" {
		bar(top, 0)
	}
	if bottom != "" {
		bar(bottom, th+b.Dy())
	}
	return dst
}

// chatTheme is the look of a messaging app.
type chatTheme struct {
	bg, status, header, headerText, in, out, text, muted color.RGBA
}

var (
	chatLight = chatTheme{
		bg: color.RGBA{0xec, 0xe5, 0xdd, 0xff}, status: color.RGBA{0x07, 0x5e, 0x54, 0xff},
		header: color.RGBA{0x07, 0x5e, 0x54, 0xff}, headerText: color.RGBA{0xff, 0xff, 0xff, 0xff},
		in: color.RGBA{0xff, 0xff, 0xff, 0xff}, out: color.RGBA{0xdc, 0xf8, 0xc6, 0xff},
		text: color.RGBA{0x11, 0x1b, 0x21, 0xff}, muted: color.RGBA{0x66, 0x77, 0x81, 0xff},
	}
	chatDark = chatTheme{
		bg: color.RGBA{0x0b, 0x14, 0x1a, 0xff}, status: color.RGBA{0x1f, 0x2c, 0x34, 0xff},
		header: color.RGBA{0x1f, 0x2c, 0x34, 0xff}, headerText: color.RGBA{0xe9, 0xed, 0xef, 0xff},
		in: color.RGBA{0x20, 0x2c, 0x33, 0xff}, out: color.RGBA{0x00, 0x5c, 0x4b, 0xff},
		text: color.RGBA{0xe9, 0xed, 0xef, 0xff}, muted: color.RGBA{0x8d, 0x9a, 0xa1, 0xff},
	}
	chatNames    = []string{"Sanne", "Mo", "Family group", "Jeroen de Vries", "Aylin", "Work"}
	chatMessages = []string{"did you see this?", "haha", "where is this from", "omg", "send it to Tom",
		"no way", "look what I found", "lol", "is this real?", "ok"}
)

// ChatScreenshot draws a 1080x1920 phone screenshot of a chat with src
// in a message bubble: a status bar, a header with a contact's name, text
// bubbles above and below, and the photo inside a bubble with a margin
// and rounded corners. Which side the photo is on, the texts and the
// photo's width (55-75% of the screen) are drawn from rng.
func ChatScreenshot(src *image.RGBA, th chatTheme, rng *rand.Rand) *image.RGBA {
	dst := canvas(phoneW, phoneH, th.bg)
	draw.Draw(dst, image.Rect(0, 0, phoneW, 72), &image.Uniform{C: th.status}, image.Point{}, draw.Src)
	small := face(34)
	drawText(dst, "9:41", small, th.headerText, 40, 50)
	draw.Draw(dst, image.Rect(phoneW-120, 26, phoneW-50, 52), &image.Uniform{C: th.headerText}, image.Point{}, draw.Src)
	draw.Draw(dst, image.Rect(72, 72, phoneW, 232), &image.Uniform{C: th.header}, image.Point{}, draw.Src)
	draw.Draw(dst, image.Rect(0, 72, 72, 232), &image.Uniform{C: th.header}, image.Point{}, draw.Src)
	disc(dst, 150, 152, 48, th.muted)
	drawText(dst, chatNames[rng.IntN(len(chatNames))], face(46), th.headerText, 220, 150)
	drawText(dst, "online", small, th.headerText, 220, 198)
	body := face(40)
	y := 280
	bubble := func(s string, out bool) {
		w := textWidth(s, body) + 60
		x := 30
		c := th.in
		if out {
			x, c = phoneW-30-w, th.out
		}
		roundRect(dst, image.Rect(x, y, x+w, y+90), 22, c)
		drawText(dst, s, body, th.text, x+30, y+58)
		y += 110
	}
	for range 1 + rng.IntN(3) {
		bubble(chatMessages[rng.IntN(len(chatMessages))], rng.IntN(2) == 1)
	}
	// The photo bubble: a margin of 8 px around the photo, rounded.
	out := rng.IntN(2) == 1
	b := src.Bounds()
	pw := int(float64(phoneW) * (0.55 + 0.2*rng.Float64()))
	ph := int(math.Round(float64(b.Dy()) * float64(pw) / float64(b.Dx())))
	if maxH := phoneH - y - 360; ph > maxH {
		ph = maxH
		pw = int(math.Round(float64(b.Dx()) * float64(ph) / float64(b.Dy())))
	}
	const m = 8
	x := 30
	c := th.in
	if out {
		x, c = phoneW-30-pw-2*m, th.out
	}
	roundRect(dst, image.Rect(x, y, x+pw+2*m, y+ph+2*m+44), 22, c)
	photo := Resize(src, pw, ph)
	r := image.Rect(x+m, y+m, x+m+pw, y+m+ph)
	draw.Draw(dst, r, photo, image.Point{}, draw.Src)
	roundCorners(dst, r, 16, c)
	drawText(dst, "12:0"+string(rune('0'+rng.IntN(10))), face(28), th.muted, r.Max.X-90, r.Max.Y+38)
	y += ph + 2*m + 44 + 20
	for range 1 + rng.IntN(2) {
		if y+110 > phoneH-170 {
			break
		}
		bubble(chatMessages[rng.IntN(len(chatMessages))], rng.IntN(2) == 1)
	}
	// The input bar.
	roundRect(dst, image.Rect(20, phoneH-140, phoneW-160, phoneH-40), 50, th.in)
	drawText(dst, "Message", body, th.muted, 70, phoneH-75)
	disc(dst, phoneW-90, phoneH-90, 50, th.header)
	return dst
}

// roundRect fills r with c, its corners rounded with radius rad.
func roundRect(dst *image.RGBA, r image.Rectangle, rad int, c color.RGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if inRounded(x, y, r, rad) {
				dst.SetRGBA(x, y, c)
			}
		}
	}
}

// roundCorners paints the corners of r outside a radius rad with c, so a
// picture drawn in r gets rounded corners.
func roundCorners(dst *image.RGBA, r image.Rectangle, rad int, c color.RGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		if y >= r.Min.Y+rad && y < r.Max.Y-rad {
			continue
		}
		for x := r.Min.X; x < r.Max.X; x++ {
			if !inRounded(x, y, r, rad) {
				dst.SetRGBA(x, y, c)
			}
		}
	}
}

func inRounded(x, y int, r image.Rectangle, rad int) bool {
	cx := min(max(x, r.Min.X+rad), r.Max.X-rad-1)
	cy := min(max(y, r.Min.Y+rad), r.Max.Y-rad-1)
	dx, dy := x-cx, y-cy
	return dx*dx+dy*dy <= rad*rad
}

// disc fills a circle of radius rad about (cx, cy).
func disc(dst *image.RGBA, cx, cy, rad int, c color.RGBA) {
	for y := cy - rad; y <= cy+rad; y++ {
		for x := cx - rad; x <= cx+rad; x++ {
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= rad*rad {
				dst.SetRGBA(x, y, c)
			}
		}
	}
}
