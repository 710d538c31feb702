package transform

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
)

// The media-bank transforms (issue 14, item 3): copies a bank that holds
// the known file itself should find — a crop of up to 10% of the width
// and of the height, a logo or a text watermark in a corner, a small
// rotation — each re-encoded as a re-post is, with its JPEG quality and
// a resize drawn from the generator.

// mediaBankTransforms returns the media-bank transforms, in report order.
func mediaBankTransforms() []Transform {
	var ts []Transform
	add := func(name, group string, q int, f func(*image.RGBA, *rand.Rand) *image.RGBA) {
		ts = append(ts, Transform{Name: name, Group: group, Quality: q, Apply: f})
	}
	add("crop-random-10", "media-crop", 80, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return reencodeSize(CropRandom(s, 0.10, r), r)
	})
	add("crop-random-10-b", "media-crop", 88, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return reencodeSize(CropRandom(s, 0.10, r), r)
	})
	add("corner-logo", "media-watermark", 85, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return reencodeSize(CornerLogo(s, 0.02+0.03*r.Float64(), r), r)
	})
	add("corner-watermark-text", "media-watermark", 80, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		return reencodeSize(CornerText(s, watermarks[r.IntN(len(watermarks))], 0.02+0.03*r.Float64(), r), r)
	})
	add("rot-random-5deg", "media-rotation", 85, func(s *image.RGBA, r *rand.Rand) *image.RGBA {
		deg := 1 + 4*r.Float64()
		if r.IntN(2) == 1 {
			deg = -deg
		}
		return RotateSmall(s, deg)
	})
	return ts
}

var watermarks = []string{"@newsdaily", "example.org", "(c) photo agency", "via chan", "SAMPLE", "t.me/channel"}

// reencodeSize resizes img by a factor of 0.6 to 1 drawn from rng, as a
// re-post is shown smaller; the caller's transform sets the JPEG quality.
func reencodeSize(img *image.RGBA, rng *rand.Rand) *image.RGBA {
	return Scale(img, 0.6+0.4*rng.Float64())
}

// CropRandom removes up to maxFrac of the width and, independently, up to
// maxFrac of the height, each split at random between the two sides.
func CropRandom(src *image.RGBA, maxFrac float64, rng *rand.Rand) *image.RGBA {
	b := src.Bounds()
	cw := int(math.Round(float64(b.Dx()) * maxFrac * rng.Float64()))
	ch := int(math.Round(float64(b.Dy()) * maxFrac * rng.Float64()))
	x0, y0 := rng.IntN(cw+1), rng.IntN(ch+1)
	return sub(src, image.Rect(x0, y0, b.Dx()-(cw-x0), b.Dy()-(ch-y0)))
}

// corner returns a w x h rectangle in a corner of b drawn from rng, a
// margin of 2% of the width away from its edges.
func corner(b image.Rectangle, w, h int, rng *rand.Rand) image.Rectangle {
	m := b.Dx() / 50
	x, y := m, m
	if rng.IntN(2) == 1 {
		x = b.Dx() - w - m
	}
	if rng.IntN(2) == 1 {
		y = b.Dy() - h - m
	}
	return image.Rect(x, y, x+w, y+h)
}

// CornerLogo draws an opaque logo covering frac of the picture's area in
// a corner: a rounded badge of a colour drawn from rng with a white ring
// and initials, as channels stamp their re-posts.
func CornerLogo(src *image.RGBA, frac float64, rng *rand.Rand) *image.RGBA {
	b := src.Bounds()
	side := max(8, int(math.Sqrt(frac*float64(b.Dx()*b.Dy()))))
	r := corner(b, side, side, rng)
	dst := clone(src)
	fill := color.RGBA{uint8(rng.IntN(200)), uint8(rng.IntN(200)), uint8(rng.IntN(200)), 0xff}
	roundRect(dst, r, side/5, color.RGBA{0xff, 0xff, 0xff, 0xff})
	roundRect(dst, r.Inset(max(1, side/14)), side/6, fill)
	f := face(float64(side) * 0.42)
	s := string(rune('A'+rng.IntN(26))) + string(rune('A'+rng.IntN(26)))
	w := textWidth(s, f)
	m := f.Metrics()
	drawText(dst, s, f, color.White, r.Min.X+(side-w)/2, r.Min.Y+(side+m.Ascent.Ceil()-m.Descent.Ceil())/2)
	return dst
}

// CornerText writes s in a corner over a half-transparent dark block that
// covers about frac of the picture's area, as a watermark.
func CornerText(src *image.RGBA, s string, frac float64, rng *rand.Rand) *image.RGBA {
	b := src.Bounds()
	area := frac * float64(b.Dx()*b.Dy())
	// The block is four times as wide as high.
	bh := max(6, int(math.Sqrt(area/4)))
	bw := min(b.Dx()-b.Dx()/25, 4*bh)
	r := corner(b, bw, bh, rng)
	dst := clone(src)
	draw.DrawMask(dst, r, image.Black, image.Point{}, image.NewUniform(color.Alpha{0x90}), image.Point{}, draw.Over)
	size := float64(bh) * 0.6
	f := face(size)
	if w := textWidth(s, f); w > bw*9/10 {
		f = face(size * float64(bw*9/10) / float64(w))
	}
	w := textWidth(s, f)
	m := f.Metrics()
	drawText(dst, s, f, color.RGBA{0xff, 0xff, 0xff, 0xe0}, r.Min.X+(bw-w)/2, r.Min.Y+(bh+m.Ascent.Ceil()-m.Descent.Ceil())/2)
	return dst
}
