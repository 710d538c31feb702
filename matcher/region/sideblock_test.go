package region

import (
	"image"
	"image/color"
	"testing"
)

// shortBubblesPost draws a chat whose photo bubble has a one-word text
// bubble ("lol") 20 pixels above it and one below, on the same side of the
// screen: across so thin a gap the working copy joins them to the photo's
// bubble, and a one-word bubble is too narrow for cutAtGaps's older cue.
func shortBubblesPost(o *image.RGBA, th chatTheme, sent bool, width float64) post {
	const W, H, m = 1080, 1920, 8
	dst := image.NewRGBA(image.Rect(0, 0, W, H))
	fill(dst, dst.Bounds(), th.bg)
	fill(dst, image.Rect(0, 0, W, 232), color.RGBA{0x07, 0x5e, 0x54, 255})
	drawText(dst, "Aylin", 220, 110, 46, pureWht)
	ow, oh := dims(o)
	pw := int(W * width)
	ph := oh * pw / ow
	bub := th.in
	x := 30
	if sent {
		x, bub = W-30-pw-2*m, th.out
	}
	word := func(y int, s string) {
		bw := textWidth(s, 40) + 60
		bx := x
		if sent {
			bx = W - 30 - bw
		}
		fill(dst, image.Rect(bx, y, bx+bw, y+90), bub)
		drawText(dst, s, bx+30, y+25, 40, th.ink)
	}
	word(280, "ok")
	word(390, "lol")
	y := 500
	fill(dst, image.Rect(x, y, x+pw+2*m, y+ph+2*m+44), bub)
	in := paste(dst, scale(o, pw, ph), image.Pt(x+m, y+m))
	drawText(dst, "12:04", in.Max.X-90, in.Max.Y+12, 28, th.ts)
	word(y+ph+2*m+44+20, "haha")
	fill(dst, image.Rect(20, 1780, 900, 1880), th.in)
	return post{img: dst, truth: []image.Rectangle{in}}
}

// TestChatPhotoBetweenShortBubbles finds a photo between one-word text
// bubbles on its own side, received and sent, in both themes, at the
// phone's size and resized to 720 pixels (the chat re-posts' commonest
// miss: Find proposed the chat from the header down, or nothing).
func TestChatPhotoBetweenShortBubbles(t *testing.T) {
	for _, th := range []chatTheme{chatLightTheme, chatDarkTheme} {
		for _, sent := range []bool{false, true} {
			// -short: a received photo in the light theme, a sent one in
			// the dark (each builds a dozen screenshots).
			if testing.Short() && sent != (th.name == "dark") {
				continue
			}
			what := "received"
			if sent {
				what = "sent"
			}
			chatCase(t, what+" photo between short bubbles, "+th.name+" chat", func(o original, i int) (post, *image.RGBA) {
				return shortBubblesPost(o.img, th, sent, 0.6+0.03*float64(i%5)), o.img
			})
		}
	}
}

// TestSideBlockNegatives: no part is cut off the content of pictures
// with a solid block at a side that are no chat — a roof in the top left
// corner over a sky paling to the white of the frame around the picture,
// a white wall with a dark door frame at the left, a document with a
// letterhead block at the left — and the wall gives no region. (The
// framed picture is also split at its horizon and the letterhead's text
// taken for padding by Find's other rules, as before this one: logged.)
func TestSideBlockNegatives(t *testing.T) {
	const W, H = 1000, 760
	framed := image.NewRGBA(image.Rect(0, 0, W, H))
	fill(framed, framed.Bounds(), pureWht)
	pic := image.Rect(60, 60, W-60, H-60)
	for y := pic.Min.Y; y < pic.Max.Y; y++ {
		for x := pic.Min.X; x < pic.Max.X; x++ {
			// A sky paling to white at the top, a field below.
			c := color.RGBA{uint8(255 - (y-60)/3), uint8(255 - (y-60)/4), 255, 255}
			if y > 420 {
				c = color.RGBA{uint8(60 + (x*y)%40), uint8(120 + (x+y)%50), 40, 255}
			}
			framed.SetRGBA(x, y, c)
		}
	}
	fill(framed, image.Rect(pic.Min.X, pic.Min.Y, pic.Min.X+200, pic.Min.Y+90), color.RGBA{70, 40, 30, 255})

	wall := image.NewRGBA(image.Rect(0, 0, W, H))
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			v := uint8(238 - 20*y/H)
			wall.SetRGBA(x, y, color.RGBA{v, v - 3, v - 8, 255})
		}
	}
	fill(wall, image.Rect(0, 0, 140, H), color.RGBA{90, 64, 40, 255})
	fill(wall, image.Rect(20, 0, 120, H), color.RGBA{150, 120, 90, 255})

	doc := image.NewRGBA(image.Rect(0, 0, W, H))
	fill(doc, doc.Bounds(), color.RGBA{246, 244, 238, 255})
	fill(doc, image.Rect(60, 50, 260, 130), color.RGBA{20, 60, 140, 255})
	for y := 180; y < H-40; y += 40 {
		drawText(doc, "we write to confirm the appointment on the date below", 60, y, 26, darkText)
	}

	for name, img := range map[string]*image.RGBA{"roof over a white sky, white frame": framed, "wall with a door frame": wall, "letterhead": doc} {
		m, _ := reencode(t, post{img: img}, false, 1, 85)
		k := newWork(m.Pix, m.Width, m.Height, m.Channels)
		for _, c := range k.components(k.w * k.h * 12 / 100) {
			if cut := k.cutAtGaps(c.b); cut != c.b {
				t.Errorf("%s: content %+v cut to %+v", name, c.b, cut)
			}
		}
		rs := Find(m.Pix, m.Width, m.Height, m.Channels)
		for _, r := range rs {
			t.Logf("%s: %s %v", name, r.Kind, r.Rect)
		}
		if name == "wall with a door frame" && len(rs) > 0 {
			t.Errorf("%s: regions %v", name, rects(rs))
		}
	}
}
