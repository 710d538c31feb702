package transform

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Every operation returns a new opaque image whose bounds start at (0, 0).

// FromPixels builds an opaque RGBA image from 8-bit samples with 1 (grey)
// or 3 (RGB) channels, as herken's decoder returns them.
func FromPixels(pix []byte, w, h, channels int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i, j := 0, 0; j < len(img.Pix); i, j = i+channels, j+4 {
		if channels == 1 {
			img.Pix[j], img.Pix[j+1], img.Pix[j+2] = pix[i], pix[i], pix[i]
		} else {
			img.Pix[j], img.Pix[j+1], img.Pix[j+2] = pix[i], pix[i+1], pix[i+2]
		}
		img.Pix[j+3] = 0xff
	}
	return img
}

// Resize returns src resampled to w x h with the Catmull-Rom kernel (which
// x/image/draw widens when shrinking, so downscales are antialiased).
func Resize(src *image.RGBA, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, max(w, 1), max(h, 1)))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), xdraw.Src, nil)
	return dst
}

// Scale resizes src by factor f on both sides, rounding to whole pixels.
func Scale(src *image.RGBA, f float64) *image.RGBA {
	b := src.Bounds()
	return Resize(src, int(math.Round(float64(b.Dx())*f)), int(math.Round(float64(b.Dy())*f)))
}

// Crop removes pct percent of the width and pct percent of the height; how
// the removed columns (rows) split between left and right (top and bottom)
// is drawn from rng. A W x H image becomes round(W*(100-pct)/100) x
// round(H*(100-pct)/100).
func Crop(src *image.RGBA, pct int, rng *rand.Rand) *image.RGBA {
	b := src.Bounds()
	w := int(math.Round(float64(b.Dx()) * float64(100-pct) / 100))
	h := int(math.Round(float64(b.Dy()) * float64(100-pct) / 100))
	x0 := rng.IntN(b.Dx() - w + 1)
	y0 := rng.IntN(b.Dy() - h + 1)
	return sub(src, image.Rect(x0, y0, x0+w, y0+h))
}

func sub(src *image.RGBA, r image.Rectangle) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(dst, dst.Bounds(), src, r.Min, draw.Src)
	return dst
}

// Border adds a solid frame, pct percent of the width (height) on the left
// and right (top and bottom), in a colour drawn from rng.
func Border(src *image.RGBA, pct int, rng *rand.Rand) *image.RGBA {
	b := src.Bounds()
	bx, by := b.Dx()*pct/100, b.Dy()*pct/100
	c := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 0xff}
	dst := canvas(b.Dx()+2*bx, b.Dy()+2*by, c)
	draw.Draw(dst, b.Add(image.Pt(bx, by)), src, image.Point{}, draw.Src)
	return dst
}

// Letterbox pads src with black bars to a square, as feeds that show every
// picture square do.
func Letterbox(src *image.RGBA) *image.RGBA {
	b := src.Bounds()
	s := max(b.Dx(), b.Dy())
	dst := canvas(s, s, color.RGBA{0, 0, 0, 0xff})
	off := image.Pt((s-b.Dx())/2, (s-b.Dy())/2)
	draw.Draw(dst, b.Add(off), src, image.Point{}, draw.Src)
	return dst
}

func canvas(w, h int, c color.RGBA) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), &image.Uniform{C: c}, image.Point{}, draw.Src)
	return dst
}

// Dihedral is one of the exact flips and quarter-turn rotations.
type Dihedral int

// The dihedral operations. Rotations are clockwise.
const (
	FlipH  Dihedral = iota // mirror left-right
	FlipV                  // mirror top-bottom
	Rot90                  // quarter turn clockwise
	Rot180                 // half turn
	Rot270                 // quarter turn anticlockwise
)

// ApplyDihedral flips or rotates src exactly (no resampling). A W x H image
// becomes H x W under Rot90 and Rot270.
func ApplyDihedral(src *image.RGBA, op Dihedral) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if op == Rot90 || op == Rot270 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch op {
			case FlipH:
				dx, dy = w-1-x, y
			case FlipV:
				dx, dy = x, h-1-y
			case Rot90:
				dx, dy = h-1-y, x
			case Rot180:
				dx, dy = w-1-x, h-1-y
			case Rot270:
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dy*dst.Stride+4*dx:dy*dst.Stride+4*dx+4], src.Pix[y*src.Stride+4*x:y*src.Stride+4*x+4])
		}
	}
	return dst
}

// RotateSmall rotates src by deg degrees clockwise about its centre,
// keeping its size; corners that come from outside the picture are black.
// Pixels are interpolated bilinearly.
func RotateSmall(src *image.RGBA, deg float64) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := canvas(w, h, color.RGBA{0, 0, 0, 0xff})
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(w-1)/2, float64(h-1)/2
	for y := range h {
		for x := range w {
			// Inverse mapping: the source point that lands on (x, y).
			fx, fy := float64(x)-cx, float64(y)-cy
			sx := cos*fx + sin*fy + cx
			sy := -sin*fx + cos*fy + cy
			if sx < 0 || sy < 0 || sx > float64(w-1) || sy > float64(h-1) {
				continue
			}
			x0, y0 := int(sx), int(sy)
			x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
			ax, ay := sx-float64(x0), sy-float64(y0)
			o := y*dst.Stride + 4*x
			for c := range 3 {
				p00 := float64(src.Pix[y0*src.Stride+4*x0+c])
				p10 := float64(src.Pix[y0*src.Stride+4*x1+c])
				p01 := float64(src.Pix[y1*src.Stride+4*x0+c])
				p11 := float64(src.Pix[y1*src.Stride+4*x1+c])
				v := (p00*(1-ax)+p10*ax)*(1-ay) + (p01*(1-ax)+p11*ax)*ay
				dst.Pix[o+c] = clamp(v)
			}
		}
	}
	return dst
}

// Grey replaces each pixel by its luma (ITU-R BT.601 weights).
func Grey(src *image.RGBA) *image.RGBA {
	dst := clone(src)
	for i := 0; i < len(dst.Pix); i += 4 {
		y := clamp(0.299*float64(dst.Pix[i]) + 0.587*float64(dst.Pix[i+1]) + 0.114*float64(dst.Pix[i+2]))
		dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2] = y, y, y
	}
	return dst
}

// Levels maps each sample v to (v-128)*contrast + 128 + brightness.
func Levels(src *image.RGBA, contrast, brightness float64) *image.RGBA {
	var lut [256]uint8
	for v := range lut {
		lut[v] = clamp((float64(v)-128)*contrast + 128 + brightness)
	}
	dst := clone(src)
	for i := 0; i < len(dst.Pix); i += 4 {
		dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2] = lut[dst.Pix[i]], lut[dst.Pix[i+1]], lut[dst.Pix[i+2]]
	}
	return dst
}

// blurSigma is a visible but moderate blur: 0.3% of the longer side, at
// least 1 pixel (3 pixels at 1024).
func blurSigma(src *image.RGBA) float64 {
	b := src.Bounds()
	return math.Max(1, 0.003*float64(max(b.Dx(), b.Dy())))
}

// Blur applies a Gaussian blur of standard deviation sigma pixels,
// separably, with edges clamped.
func Blur(src *image.RGBA, sigma float64) *image.RGBA {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	var sum float64
	for i := range k {
		d := float64(i - r)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	tmp := make([]float64, w*h*3)
	for y := range h {
		for x := range w {
			for c := range 3 {
				var v float64
				for i, kv := range k {
					xx := min(max(x+i-r, 0), w-1)
					v += kv * float64(src.Pix[y*src.Stride+4*xx+c])
				}
				tmp[(y*w+x)*3+c] = v
			}
		}
	}
	dst := clone(src)
	for y := range h {
		for x := range w {
			for c := range 3 {
				var v float64
				for i, kv := range k {
					yy := min(max(y+i-r, 0), h-1)
					v += kv * tmp[(yy*w+x)*3+c]
				}
				dst.Pix[y*dst.Stride+4*x+c] = clamp(v)
			}
		}
	}
	return dst
}

// Sharpen applies an unsharp mask: v + amount*(v - blur(v)).
func Sharpen(src *image.RGBA, sigma, amount float64) *image.RGBA {
	bl := Blur(src, sigma)
	dst := clone(src)
	for i := 0; i < len(dst.Pix); i += 4 {
		for c := range 3 {
			v := float64(src.Pix[i+c])
			dst.Pix[i+c] = clamp(v + amount*(v-float64(bl.Pix[i+c])))
		}
	}
	return dst
}

// TextOverlay writes s across the lower part of src in white on a dark
// shadow, with basicfont scaled up to about 70% of the width; the line's
// vertical position is drawn from rng.
func TextOverlay(src *image.RGBA, s string, rng *rand.Rand) *image.RGBA {
	face := basicfont.Face7x13
	tw := font.MeasureString(face, s).Ceil()
	th := face.Height
	text := image.NewAlpha(image.Rect(0, 0, tw, th))
	d := font.Drawer{Dst: text, Src: image.Opaque, Face: face, Dot: fixed.P(0, face.Ascent)}
	d.DrawString(s)
	b := src.Bounds()
	scale := max(1, b.Dx()*7/10/tw)
	mask := image.NewAlpha(image.Rect(0, 0, tw*scale, th*scale))
	xdraw.NearestNeighbor.Scale(mask, mask.Bounds(), text, text.Bounds(), xdraw.Src, nil)
	x := (b.Dx() - mask.Rect.Dx()) / 2
	y := b.Dy()*6/10 + rng.IntN(max(1, b.Dy()*3/10-mask.Rect.Dy()))
	dst := clone(src)
	sh := max(1, scale/2)
	draw.DrawMask(dst, mask.Bounds().Add(image.Pt(x+sh, y+sh)), image.Black, image.Point{}, mask, image.Point{}, draw.Over)
	draw.DrawMask(dst, mask.Bounds().Add(image.Pt(x, y)), image.White, image.Point{}, mask, image.Point{}, draw.Over)
	return dst
}

// LogoOverlay draws an opaque "logo" (a framed rectangle with a bar) of
// 15% of the width in a corner, with its corner and colour drawn from rng.
func LogoOverlay(src *image.RGBA, rng *rand.Rand) *image.RGBA {
	b := src.Bounds()
	lw := max(8, b.Dx()*15/100)
	lh := max(4, lw/2)
	m := max(2, b.Dx()/50)
	x, y := m, m
	if rng.IntN(2) == 1 {
		x = b.Dx() - lw - m
	}
	if rng.IntN(2) == 1 {
		y = b.Dy() - lh - m
	}
	fill := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 0xff}
	dst := clone(src)
	r := image.Rect(x, y, x+lw, y+lh)
	draw.Draw(dst, r, image.White, image.Point{}, draw.Src)
	e := max(1, lh/10)
	draw.Draw(dst, r.Inset(e), &image.Uniform{C: fill}, image.Point{}, draw.Src)
	bar := image.Rect(r.Min.X+lw/6, r.Min.Y+lh*2/5, r.Max.X-lw/6, r.Min.Y+lh*3/5)
	draw.Draw(dst, bar, image.White, image.Point{}, draw.Src)
	return dst
}

// Screenshot places src, scaled to fit frac of a w x h window's content
// area, centred in a light-grey window with a dark title bar that carries
// a title, as a screen capture of an image viewer looks.
func Screenshot(src *image.RGBA, w, h int, frac float64) *image.RGBA {
	const bar = 32
	dst := canvas(w, h, color.RGBA{0xee, 0xee, 0xec, 0xff})
	draw.Draw(dst, image.Rect(0, 0, w, bar), &image.Uniform{C: color.RGBA{0x30, 0x30, 0x34, 0xff}}, image.Point{}, draw.Src)
	d := font.Drawer{Dst: dst, Src: image.White, Face: basicfont.Face7x13, Dot: fixed.P(12, bar/2+5)}
	d.DrawString("photo.jpg - Image Viewer")
	b := src.Bounds()
	f := math.Min(frac*float64(w)/float64(b.Dx()), frac*float64(h-bar)/float64(b.Dy()))
	sw, sh := int(math.Round(float64(b.Dx())*f)), int(math.Round(float64(b.Dy())*f))
	scaled := Resize(src, sw, sh)
	off := image.Pt((w-sw)/2, bar+(h-bar-sh)/2)
	draw.Draw(dst, scaled.Bounds().Add(off), scaled, image.Point{}, draw.Src)
	return dst
}

func clone(src *image.RGBA) *image.RGBA {
	return sub(src, src.Bounds())
}

func clamp(v float64) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}
