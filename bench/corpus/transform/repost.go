package transform

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
)

// The re-post transforms (issue 14, item 7): the picture as people post it
// again — framed, padded to a phone's screen, under a caption, inside a
// screenshot of a chat, mirrored, or next to another picture. Each family
// has several styles; every style ends, as a re-post does, with a resize
// to the size the post is shown at, and the file is a JPEG of quality 70
// to 90 (PNG for a screenshot saved as it was taken).

// Post shapes.
const (
	phoneW, phoneH = 1080, 1920
)

// repostTransforms returns the re-post transforms, in report order.
func repostTransforms() []Transform {
	var ts []Transform
	add := func(name, group string, q int, f func(*image.RGBA, *rand.Rand) *image.RGBA) {
		ts = append(ts, Transform{Name: name, Group: group, Quality: q, Apply: f})
	}
	pair := func(name, group string, q int, f func(src, other *image.RGBA, rng *rand.Rand) *image.RGBA) {
		ts = append(ts, Transform{Name: name, Group: group, Quality: q, Pair: f})
	}
	// Uniform borders: thin and thick, even and uneven, in several colours.
	add("frame-thin-white", "repost-frame", 85, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return fit(Frame(s, edges(s, 0.02, 0.04, r, false), color.RGBA{0xff, 0xff, 0xff, 0xff}), 1080)
	})
	add("frame-thick-black", "repost-frame", 80, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return fit(Frame(s, edges(s, 0.10, 0.20, r, false), color.RGBA{0, 0, 0, 0xff}), 1080)
	})
	add("frame-uneven-near-black", "repost-frame", 75, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return fit(Frame(s, edges(s, 0.03, 0.25, r, true), nearGrey(r, 4, 24)), 960)
	})
	add("frame-uneven-near-white", "repost-frame", 90, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return fit(Frame(s, edges(s, 0.03, 0.25, r, true), nearGrey(r, 232, 252)), 960)
	})
	add("frame-colour", "repost-frame", 80, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return fit(Frame(s, edges(s, 0.05, 0.15, r, true), randColour(r)), 1080)
	})
	// Letterbox and pillarbox.
	add("letterbox-9x16-black", "repost-letterbox", 80, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return Pad(s, phoneW, phoneH, color.RGBA{0, 0, 0, 0xff}, r.Float64()*0.2-0.1)
	})
	add("letterbox-9x16-colour", "repost-letterbox", 85, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return Pad(Scale(s, 0.75), 720, 1280, randColour(r), 0)
	})
	add("letterbox-9x16-white", "repost-letterbox", 75, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return Pad(s, phoneW, phoneH, color.RGBA{0xff, 0xff, 0xff, 0xff}, r.Float64()*0.3-0.15)
	})
	add("pillarbox-16x9-black", "repost-letterbox", 80, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		w, h := pillar(s, 16.0/9)
		return fit(Pad(s, w, h, color.RGBA{0, 0, 0, 0xff}, 0), 1280)
	})
	add("pillarbox-colour", "repost-letterbox", 85, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		w, h := pillar(s, 2)
		return fit(Pad(s, w, h, nearGrey(r, 20, 60), 0), 1280)
	})
	// Blurred and stretched padding.
	add("blur-pad-9x16", "repost-blur-pad", 80, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return BlurPad(s, phoneW, phoneH, 0.8+0.2*r.Float64())
	})
	add("blur-pad-1x1", "repost-blur-pad", 85, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		side := 1080
		if b := s.Bounds(); b.Dx() > b.Dy() {
			return BlurPad(s, side, side, 0.9)
		}
		return BlurPad(Scale(s, 0.9), side, side, 0.85)
	})
	add("stretch-pad-9x16", "repost-blur-pad", 75, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return StretchPad(s, 720, 1280)
	})
	// Meme captions.
	add("caption-top", "repost-caption", 80, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return fit(Caption(s, captionLine(r), "", r), 900)
	})
	add("caption-top-bottom", "repost-caption", 85, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return fit(Caption(s, captionLine(r), captionLine(r), r), 1080)
	})
	add("caption-bottom", "repost-caption", 75, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return fit(Caption(s, "", captionLine(r), r), 720)
	})
	// Messaging-app screenshots.
	add("chat-light", "repost-chat", 0, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return ChatScreenshot(s, chatLight, r)
	})
	add("chat-dark", "repost-chat", 80, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return Resize(ChatScreenshot(s, chatDark, r), 720, 1280)
	})
	add("chat-light-720", "repost-chat", 85, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return Resize(ChatScreenshot(s, chatLight, r), 720, 1280)
	})
	// Mirrored and framed.
	add("mirror-frame-white", "repost-mirror-frame", 85, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		m := ApplyDihedral(s, FlipH)
		return fit(Frame(m, edges(m, 0.04, 0.10, r, false), color.RGBA{0xff, 0xff, 0xff, 0xff}), 1080)
	})
	add("mirror-letterbox-9x16", "repost-mirror-frame", 80, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return Pad(ApplyDihedral(s, FlipH), phoneW, phoneH, color.RGBA{0, 0, 0, 0xff}, 0)
	})
	add("mirror-blur-pad", "repost-mirror-frame", 75, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return BlurPad(ApplyDihedral(s, FlipH), 720, 1280, 0.9)
	})
	// Two pictures in one post.
	pair("two-side-by-side", "repost-two", 85, func(s, o *image.RGBA, r *rand.Rand) *image.RGBA {
		return fit(TwoUp(s, o, false, r.IntN(2) == 1), 1280)
	})
	pair("two-stacked", "repost-two", 80, func(s, o *image.RGBA, r *rand.Rand) *image.RGBA {
		return fit(TwoUp(s, o, true, r.IntN(2) == 1), 1280)
	})
	return ts
}

// fit shrinks img so that its longer side is at most long, as a post is
// shown; smaller images are kept.
func fit(img *image.RGBA, long int) *image.RGBA {
	b := img.Bounds()
	if l := max(b.Dx(), b.Dy()); l > long {
		return Scale(img, float64(long)/float64(l))
	}
	return img
}

// edges draws a frame's four widths as fractions lo..hi of the picture's
// shorter side; uneven draws each side apart, otherwise all four are one.
func edges(src *image.RGBA, lo, hi float64, rng *rand.Rand, uneven bool) [4]int {
	b := src.Bounds()
	s := float64(min(b.Dx(), b.Dy()))
	one := func() int { return max(1, int(math.Round(s*(lo+(hi-lo)*rng.Float64())))) }
	if !uneven {
		w := one()
		return [4]int{w, w, w, w}
	}
	return [4]int{one(), one(), one(), one()}
}

func nearGrey(rng *rand.Rand, lo, hi int) color.RGBA {
	v := uint8(lo + rng.IntN(hi-lo+1))
	return color.RGBA{v, v, uint8(min(255, int(v)+rng.IntN(4))), 0xff}
}

func randColour(rng *rand.Rand) color.RGBA {
	return color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 0xff}
}

// Frame surrounds src with a uniform colour, w[0..3] pixels on the left,
// top, right and bottom.
func Frame(src *image.RGBA, w [4]int, c color.RGBA) *image.RGBA {
	b := src.Bounds()
	dst := canvas(b.Dx()+w[0]+w[2], b.Dy()+w[1]+w[3], c)
	draw.Draw(dst, b.Add(image.Pt(w[0], w[1])), src, image.Point{}, draw.Src)
	return dst
}

// Pad scales src to fit a w x h canvas of colour c and centres it, moved
// off centre vertically by shift times the free height (as apps place a
// picture a little above the middle).
func Pad(src *image.RGBA, w, h int, c color.RGBA, shift float64) *image.RGBA {
	dst := canvas(w, h, c)
	place(dst, src, 1, shift)
	return dst
}

// place draws src scaled to frac of the largest size that fits dst,
// centred, moved vertically by shift times the free height.
func place(dst, src *image.RGBA, frac, shift float64) image.Rectangle {
	d, b := dst.Bounds(), src.Bounds()
	f := frac * math.Min(float64(d.Dx())/float64(b.Dx()), float64(d.Dy())/float64(b.Dy()))
	sw, sh := max(1, int(math.Round(float64(b.Dx())*f))), max(1, int(math.Round(float64(b.Dy())*f)))
	scaled := src
	if sw != b.Dx() || sh != b.Dy() {
		scaled = Resize(src, sw, sh)
	}
	free := d.Dy() - sh
	y := free/2 + int(math.Round(shift*float64(free)))
	y = min(max(y, 0), free)
	r := image.Rect((d.Dx()-sw)/2, y, (d.Dx()-sw)/2+sw, y+sh)
	draw.Draw(dst, r, scaled, image.Point{}, draw.Src)
	return r
}

// pillar is the canvas that puts bars left and right of src: aspect
// (width / height) when that is wider than src, else 40% wider than src.
func pillar(src *image.RGBA, aspect float64) (int, int) {
	b := src.Bounds()
	w := int(math.Round(float64(b.Dy()) * aspect))
	if w < b.Dx()*115/100 {
		w = b.Dx() * 140 / 100
	}
	return w, b.Dy()
}

// BlurPad puts src, at frac of the size that fits, over a blurred,
// slightly darkened copy of itself enlarged to cover a w x h canvas.
func BlurPad(src *image.RGBA, w, h int, frac float64) *image.RGBA {
	// Blur at an eighth of the size: the same look for a fraction of the
	// work.
	small := cover(src, max(1, w/8), max(1, h/8))
	small = Levels(Blur(small, 2.5), 0.85, -15)
	dst := Resize(small, w, h)
	place(dst, src, frac, 0)
	return dst
}

// StretchPad puts src over a copy of itself stretched (aspect ratio
// ignored) to the w x h canvas.
func StretchPad(src *image.RGBA, w, h int) *image.RGBA {
	dst := Resize(src, w, h)
	place(dst, src, 1, 0)
	return dst
}

// cover scales src to cover w x h and crops the middle.
func cover(src *image.RGBA, w, h int) *image.RGBA {
	b := src.Bounds()
	f := math.Max(float64(w)/float64(b.Dx()), float64(h)/float64(b.Dy()))
	s := Resize(src, max(w, int(math.Ceil(float64(b.Dx())*f))), max(h, int(math.Ceil(float64(b.Dy())*f))))
	x, y := (s.Rect.Dx()-w)/2, (s.Rect.Dy()-h)/2
	return sub(s, image.Rect(x, y, x+w, y+h))
}

// TwoUp shows src and other in one picture, side by side (scaled to one
// height) or stacked (scaled to one width), with a thin white gap; first
// puts other first.
func TwoUp(src, other *image.RGBA, stacked, otherFirst bool) *image.RGBA {
	a, b := src, other
	if otherFirst {
		a, b = other, src
	}
	ab, bb := a.Bounds(), b.Bounds()
	gap := 8
	if stacked {
		w := min(ab.Dx(), bb.Dx())
		a = Resize(a, w, max(1, ab.Dy()*w/ab.Dx()))
		b = Resize(b, w, max(1, bb.Dy()*w/bb.Dx()))
		dst := canvas(w, a.Rect.Dy()+gap+b.Rect.Dy(), color.RGBA{0xff, 0xff, 0xff, 0xff})
		draw.Draw(dst, a.Rect, a, image.Point{}, draw.Src)
		draw.Draw(dst, b.Rect.Add(image.Pt(0, a.Rect.Dy()+gap)), b, image.Point{}, draw.Src)
		return dst
	}
	h := min(ab.Dy(), bb.Dy())
	a = Resize(a, max(1, ab.Dx()*h/ab.Dy()), h)
	b = Resize(b, max(1, bb.Dx()*h/bb.Dy()), h)
	dst := canvas(a.Rect.Dx()+gap+b.Rect.Dx(), h, color.RGBA{0xff, 0xff, 0xff, 0xff})
	draw.Draw(dst, a.Rect, a, image.Point{}, draw.Src)
	draw.Draw(dst, b.Rect.Add(image.Pt(a.Rect.Dx()+gap, 0)), b, image.Point{}, draw.Src)
	return dst
}
