package region

import (
	"image"
	"math"
	"sort"
)

// A messaging app rounds the corners of a photo in a bubble by painting
// them in the bubble's colour. That is a few hundred pixels, yet measured
// on the chat re-posts it moved the exact crop's PDQ hash 30 to 90 bits
// from the original's on pictures whose DCT is sparse (stripes, a
// chessboard, a texture): most of their 256 coefficients lie close to
// the median that PDQ thresholds at, and the bright (or dark) corners tip
// them. Painting the corners back from the picture just inside the arc
// brought those crops within 4-28 bits. Insetting the rectangle instead
// does not help: a crop moves such pictures as far as the corners do.

// roundedCorner returns the radius of the rounded corners a chat bubble
// painted over the picture in r, or 0 when r's corners are not rounded
// that way. A corner is rounded when, walking its diagonal inward from
// the corner pixel, the first few pixels have the colour just outside
// both sides next to it (the bubble's) and the walk then steps into the
// picture; at least three corners must agree on how far it walked. The
// radius follows from that depth t: an arc of radius R leaves
// R(1-1/sqrt 2) pixels of the diagonal outside it.
func (f *fullLuma) roundedCorner(r image.Rectangle) int {
	short := min(r.Dx(), r.Dy())
	maxT := min(12, short/30)
	if maxT < 2 {
		return 0
	}
	var ts []int
	for _, c := range [4]struct{ x, y, sx, sy int }{
		{r.Min.X, r.Min.Y, 1, 1}, {r.Max.X - 1, r.Min.Y, -1, 1},
		{r.Min.X, r.Max.Y - 1, 1, -1}, {r.Max.X - 1, r.Max.Y - 1, -1, -1},
	} {
		if t := f.cornerDepth(c.x, c.y, c.sx, c.sy, maxT); t > 0 {
			ts = append(ts, t)
		}
	}
	if len(ts) < 3 {
		return 0
	}
	sort.Ints(ts)
	med := ts[len(ts)/2]
	agree := 0
	for _, t := range ts {
		if t-med <= 1 && med-t <= 1 {
			agree++
		}
	}
	if agree < 3 {
		return 0
	}
	return int(math.Round(float64(med) / (1 - 1/math.Sqrt2)))
}

// cornerDepth walks the diagonal from corner pixel (x, y) inward (sx, sy)
// and returns how many pixels have the bubble's colour, witnessed two
// pixels outside both sides next to the corner, before a clear step into
// the picture; 0 when there is no such colour, no step, or the walk runs
// past maxT (a picture whose corner has the bubble's colour anyway).
func (f *fullLuma) cornerDepth(x, y, sx, sy, maxT int) int {
	// Outside each side, maxT+2 along it from the corner: past the arc.
	ax, ay := x+sx*(maxT+2), y-2*sy
	bx, by := x-2*sx, y+sy*(maxT+2)
	if !f.inside(ax, ay) || !f.inside(bx, by) || !f.inside(x+sx*(maxT+3), y+sy*(maxT+3)) {
		return 0
	}
	la, lb := f.at(ax, ay), f.at(bx, by)
	if la-lb > colourTol || lb-la > colourTol {
		return 0
	}
	ref := (la + lb) / 2
	t := 0
	for ; t <= maxT; t++ {
		if v := f.at(x+sx*t, y+sy*t); v-ref > colourTol || ref-v > colourTol {
			break
		}
	}
	if t < 2 || t > maxT {
		return 0
	}
	// The step: one of the next two pixels differs clearly (resizing
	// blends one pixel of the arc).
	for d := t; d <= t+1; d++ {
		if v := f.at(x+sx*d, y+sy*d); v-ref > 2*colourTol || ref-v > 2*colourTol {
			return t
		}
	}
	return 0
}

func (f *fullLuma) inside(x, y int) bool { return x >= 0 && y >= 0 && x < f.width && y < f.height }

// FillCorners paints the corners of a w×h crop (layout as Find's input)
// outside an arc of radius rad with the picture just inside the arc on
// the line to the arc's centre: it undoes, as far as the picture allows,
// a chat bubble's rounding (Region.Corner) before the crop is hashed.
func FillCorners(pix []byte, w, h, channels, rad int) {
	if rad <= 0 || 2*rad >= min(w, h) || len(pix) < w*h*channels {
		return
	}
	R := float64(rad)
	for y := 0; y < h; y++ {
		if y >= rad && y < h-rad {
			continue
		}
		cy := R
		if y >= h-rad {
			cy = float64(h) - R
		}
		for _, xs := range [2][2]int{{0, rad}, {w - rad, w}} {
			cx := R
			if xs[0] > 0 {
				cx = float64(w) - R
			}
			for x := xs[0]; x < xs[1]; x++ {
				dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
				d := math.Hypot(dx, dy)
				// Pixels the arc passes through are blended with the
				// bubble's colour too.
				if d <= R-1 {
					continue
				}
				k := (R - 1.5) / d
				px := min(max(int(cx+dx*k), 0), w-1)
				py := min(max(int(cy+dy*k), 0), h-1)
				copy(pix[(y*w+x)*channels:(y*w+x+1)*channels], pix[(py*w+px)*channels:(py*w+px+1)*channels])
			}
		}
	}
}

// trimBlended moves each side of r, a picture whose corners a bubble
// rounded, in by one line when its outermost line is a blend of the
// bubble's margin outside it and the picture's next line: resizing a
// screenshot by 2/3 puts the photo's edge inside a pixel, and that line
// kept moved the filled crop's hash by up to 60 bits from the exact one's
// on the chat re-posts. A line counts as blended when, where the margin
// and the next line differ clearly, it lies strictly between them, a
// sixth of the way or more from the next line toward the margin, on four
// in five of those samples, and they are a fifth of the side or more.
func (f *fullLuma) trimBlended(r image.Rectangle) image.Rectangle {
	out := r
	if r.Dx() < 3 || r.Dy() < 3 || !r.In(image.Rect(0, 0, f.width, f.height)) {
		return r // no line inside to compare with (Find never asks)
	}
	for s := 0; s < 4; s++ {
		horizontal := s == top || s == bottom
		a, b := r.Min.X+r.Dx()/10, r.Max.X-r.Dx()/10
		if !horizontal {
			a, b = r.Min.Y+r.Dy()/10, r.Max.Y-r.Dy()/10
		}
		var p0, dir int
		switch s {
		case top:
			p0, dir = r.Min.Y, 1
		case bottom:
			p0, dir = r.Max.Y-1, -1
		case left:
			p0, dir = r.Min.X, 1
		default:
			p0, dir = r.Max.X-1, -1
		}
		po, p1 := p0-dir, p0+dir
		lim := f.width
		if horizontal {
			lim = f.height
		}
		if po < 0 || po >= lim || b-a < 10 {
			continue
		}
		at := func(p, i int) int {
			if horizontal {
				return f.at(i, p)
			}
			return f.at(p, i)
		}
		n, contrast, blended := 0, 0, 0
		for i := a; i < b; i++ {
			n++
			vo, v0, v1 := at(po, i), at(p0, i), at(p1, i)
			d := vo - v1
			if d <= 2*colourTol && -d <= 2*colourTol {
				continue
			}
			contrast++
			// v0 = v1 + k*(vo - v1) with 1/6 <= k < 1.
			k := float64(v0-v1) / float64(d)
			if k >= 1.0/6 && k < 1 {
				blended++
			}
		}
		if contrast*5 < n || blended*5 < 4*contrast {
			continue
		}
		switch s {
		case top:
			out.Min.Y++
		case bottom:
			out.Max.Y--
		case left:
			out.Min.X++
		default:
			out.Max.X--
		}
	}
	return out
}
