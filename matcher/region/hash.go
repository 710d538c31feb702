package region

import (
	"image"

	"github.com/atkm/herken/matcher/pdq"
)

// Squashed returns the pixels of region r ready for a PDQ hash that
// squashes (pdq.Options without FullResolution), in the layout of pix, and
// their size. A region larger than pdq.SquashSide on a side is sampled to
// SquashSide x SquashSide at exactly the pixels PDQ's own squash would
// take from the crop, so its hash is bit for bit the crop's while the copy
// is a quarter of a 1 MP crop's. (Hashing from a smaller, averaged copy was
// measured at 8-28 bits from the crop's hash: too far to spend on speed.)
func Squashed(pix []byte, width, height, channels int, r image.Rectangle) ([]byte, int, int) {
	r = r.Intersect(image.Rect(0, 0, width, height))
	if r.Dx() <= pdq.SquashSide && r.Dy() <= pdq.SquashSide || len(pix) < width*height*channels {
		return Crop(pix, width, height, channels, r), r.Dx(), r.Dy()
	}
	const n = pdq.SquashSide
	var xo [n]int
	for x := range n {
		xo[x] = (r.Min.X + x*r.Dx()/n) * channels
	}
	stride := width * channels
	out := make([]byte, n*n*channels)
	for y := range n {
		row := pix[(r.Min.Y+y*r.Dy()/n)*stride:]
		o := out[y*n*channels : (y+1)*n*channels]
		if channels == 1 {
			for x := range n {
				o[x] = row[xo[x]]
			}
			continue
		}
		for x := range n {
			copy(o[3*x:3*x+3], row[xo[x]:xo[x]+3])
		}
	}
	return out, n, n
}

// Sampler computes the 64x64 samples PDQ's Jarosz filter keeps of a part
// of a photo straight from its pixels, for pdq.Hasher.HashLuma: the same
// hash as the part copied out and hashed (up to float rounding: the two box
// filters are applied as one set of weights, not as running sums), for the
// filter's work only where decimation samples and without the copy. Hashing
// each region that way cost as much as all the other signals of the photo
// together. A Sampler reuses its buffers and is not safe for concurrent use.
type Sampler struct {
	xs, ys     []int // the photo's column and row of each grid sample
	tmp, line  []float32
	needR, nC  []bool
	rowW, colW [64]tent
	plane      lumaPlane
}

// lumaPlane holds the luma of a rectangle of a photo, row by row as first
// read: a region is sampled six times (as found and at two insets, each
// also mirrored), mostly at the same pixels, and computing each pixel's
// luma again for each was most of the Sampler's time.
type lumaPlane struct {
	pix             []byte // the photo, to tell it from another
	width, channels int
	r               image.Rectangle
	luma            []float32 // r.Dx() values a row
	done            []bool    // each row of r, whether its luma is in luma
	xo              []int     // a grid column's offset in a row of luma
}

// maxPlaneSide bounds the width of a held rectangle: a row's luma is
// computed whole, and six hashes read at most 6*pdq.SquashSide of its
// columns.
const maxPlaneSide = 4 * pdq.SquashSide

// Load makes the next Squashed and SquashedMirrored calls of rectangles
// inside r of this photo read each pixel's luma from a plane of r filled
// as first needed, until the next Load: the samples are the same, for the
// luma of each pixel computed once. A rectangle wider than maxPlaneSide
// is not held.
func (s *Sampler) Load(pix []byte, width, height, channels int, r image.Rectangle) {
	p := &s.plane
	r = r.Intersect(image.Rect(0, 0, width, height))
	if r.Empty() || r.Dx() > maxPlaneSide || len(pix) != width*height*channels || channels != 1 && channels != 3 {
		*p = lumaPlane{luma: p.luma[:0], done: p.done[:0], xo: p.xo}
		return
	}
	p.pix, p.width, p.channels, p.r = pix, width, channels, r
	grow(&p.luma, r.Dx()*r.Dy())
	clear(grow(&p.done, r.Dy()))
}

// holds reports whether the plane holds the luma of r of pix.
func (p *lumaPlane) holds(pix []byte, width, channels int, r image.Rectangle) bool {
	return len(p.done) > 0 && len(pix) > 0 && len(p.pix) == len(pix) && &p.pix[0] == &pix[0] &&
		p.width == width && p.channels == channels && r.In(p.r)
}

// row returns the luma of the photo's row y across the plane, computing
// it the first time.
func (p *lumaPlane) row(y int) []float32 {
	dx, i := p.r.Dx(), y-p.r.Min.Y
	out := p.luma[i*dx : i*dx+dx : i*dx+dx]
	if p.done[i] {
		return out
	}
	p.done[i] = true
	start := (y*p.width + p.r.Min.X) * p.channels
	src := p.pix[start : start+dx*p.channels]
	if p.channels == 1 {
		for x, v := range src[:len(out)] {
			out[x] = float32(v)
		}
		return out
	}
	for x := range out {
		c := src[3*x : 3*x+3 : 3*x+3]
		out[x] = pdq.Luma(c[0], c[1], c[2])
	}
	return out
}

// Squashed writes to out (64*64 values) the samples of r as pdq.Hasher
// (without FullResolution) filters the crop of r: squashed to 512x512 by
// nearest neighbour when a side is over 512, else at its own size. It
// reports false, writing nothing, when r is under pdq.MinSide a side.
func (s *Sampler) Squashed(pix []byte, width, height, channels int, r image.Rectangle, out []float32) bool {
	return s.squashed(pix, width, height, channels, r, false, out)
}

// SquashedMirrored is Squashed of r flipped left to right: the samples
// PDQ's filter keeps of the mirrored crop. They are not the mirror of r's
// own samples (the filter's window is not symmetric, and the squash picks
// other columns), and the difference was measured at up to 52 bits on
// regions of mirrored re-posts: hashing these is what finds them.
func (s *Sampler) SquashedMirrored(pix []byte, width, height, channels int, r image.Rectangle, out []float32) bool {
	return s.squashed(pix, width, height, channels, r, true, out)
}

func (s *Sampler) squashed(pix []byte, width, height, channels int, r image.Rectangle, mirrored bool, out []float32) bool {
	r = r.Intersect(image.Rect(0, 0, width, height))
	cols, rows := r.Dx(), r.Dy()
	if cols > pdq.SquashSide || rows > pdq.SquashSide {
		cols, rows = pdq.SquashSide, pdq.SquashSide
	}
	if cols < pdq.MinSide || rows < pdq.MinSide || len(pix) != width*height*channels || len(out) != 64*64 {
		return false
	}
	xs, ys := grow(&s.xs, cols), grow(&s.ys, rows)
	for u := range xs {
		// pdq's (CImg's) nearest neighbour; mirrored, the column u of the
		// mirrored crop.
		xs[u] = r.Min.X + u*r.Dx()/cols
		if mirrored {
			xs[u] = r.Max.X - 1 - u*r.Dx()/cols
		}
	}
	for v := range ys {
		ys[v] = r.Min.Y + v*r.Dy()/rows
	}
	if s.plane.holds(pix, width, channels, r) {
		s.planeSamples(out)
		return true
	}
	s.samples(pix, width, channels, out)
	return true
}

// Centred writes to out the samples of r sampled by nearest neighbour at
// the centres of at most side cells a side (each side on its own), as if
// that copy were hashed by pdq.Hasher at its size. It reports false when
// r is under pdq.MinSide a side.
func (s *Sampler) Centred(pix []byte, width, height, channels int, r image.Rectangle, side int, out []float32) bool {
	r = r.Intersect(image.Rect(0, 0, width, height))
	cols, rows := min(r.Dx(), side), min(r.Dy(), side)
	if cols < pdq.MinSide || rows < pdq.MinSide || len(pix) != width*height*channels || len(out) != 64*64 {
		return false
	}
	xs, ys := grow(&s.xs, cols), grow(&s.ys, rows)
	for u := range xs {
		xs[u] = r.Min.X + (2*u+1)*r.Dx()/(2*cols)
	}
	for v := range ys {
		ys[v] = r.Min.Y + (2*v+1)*r.Dy()/(2*rows)
	}
	s.samples(pix, width, channels, out)
	return true
}

// samples filters the grid s.xs × s.ys of the photo into out: along each
// row only at the 64 kept columns, on the rows the kept rows' filters
// reach, then down those 64 columns.
func (s *Sampler) samples(pix []byte, width, channels int, out []float32) {
	needR := s.tents()
	cols, rows := len(s.xs), len(s.ys)
	needC := grow(&s.nC, cols)
	clear(needC)
	for _, t := range s.colW {
		for q := range t.w {
			needC[t.first+q] = true
		}
	}
	tmp, line := grow(&s.tmp, rows*64), grow(&s.line, cols)
	stride := width * channels
	for v, y := range s.ys {
		if !needR[v] {
			continue
		}
		dst := tmp[v*64 : v*64+64]
		if v > 0 && y == s.ys[v-1] && needR[v-1] {
			// A row repeated by the squash (a side under 512 stretched
			// to it) filters to the same values.
			copy(dst, tmp[(v-1)*64:v*64])
			continue
		}
		row := pix[y*stride : y*stride+stride]
		for u, x := range s.xs {
			if !needC[u] {
				continue
			}
			if channels == 3 {
				p := row[3*x : 3*x+3 : 3*x+3]
				line[u] = pdq.Luma(p[0], p[1], p[2])
			} else {
				line[u] = float32(row[x])
			}
		}
		for j, t := range s.colW {
			var sum float32
			for q, wt := range t.w {
				sum += wt * line[t.first+q]
			}
			dst[j] = sum
		}
	}
	s.down(out)
}

// planeSamples is samples reading the luma from s.plane, which holds the
// grid: the same values in the same order, so the same samples.
func (s *Sampler) planeSamples(out []float32) {
	needR := s.tents()
	p := &s.plane
	xo := grow(&p.xo, len(s.xs))
	for u, x := range s.xs {
		xo[u] = x - p.r.Min.X
	}
	tmp := grow(&s.tmp, len(s.ys)*64)
	for v, y := range s.ys {
		if !needR[v] {
			continue
		}
		dst := tmp[v*64 : v*64+64]
		if v > 0 && y == s.ys[v-1] && needR[v-1] {
			copy(dst, tmp[(v-1)*64:v*64])
			continue
		}
		line := p.row(y)
		for j, t := range s.colW {
			var sum float32
			for q, wt := range t.w {
				sum += wt * line[xo[t.first+q]]
			}
			dst[j] = sum
		}
	}
	s.down(out)
}

// tents sets the filter's weights along both axes of the grid and
// returns which of its rows they reach.
func (s *Sampler) tents() []bool {
	cols, rows := len(s.xs), len(s.ys)
	tentWeights(&s.colW, cols, pdq.WindowSize(cols, 64))
	tentWeights(&s.rowW, rows, pdq.WindowSize(rows, 64))
	needR := grow(&s.needR, rows)
	clear(needR)
	for _, t := range s.rowW {
		for q := range t.w {
			needR[t.first+q] = true
		}
	}
	return needR
}

// down filters the rows' 64 kept columns (s.tmp) down to the 64 kept rows
// in out.
func (s *Sampler) down(out []float32) {
	tmp := s.tmp
	for i, t := range s.rowW {
		dst := out[i*64 : i*64+64]
		clear(dst)
		for q, wt := range t.w {
			src := tmp[(t.first+q)*64 : (t.first+q)*64+64]
			for j := range dst {
				dst[j] += wt * src[j]
			}
		}
	}
}

// tent is the weights of one kept sample over the inputs from first on.
type tent struct {
	first int
	w     []float32
}

// tentWeights sets, for each of the 64 samples PDQ keeps along an axis of
// n values, the weights of the inputs in its value: two box filters of the
// window (each shrinking at the ends, as pdq's box1D does) composed, then
// read at the kept position.
func tentWeights(out *[64]tent, n, window int) {
	half := (window + 2) / 2
	a, b := window-half, half-1 // a box output o averages inputs [o-a, o+b]
	span := func(o int) (int, int) { return max(0, o-a), min(n-1, o+b) }
	var w [64]float64 // 2*window-1 taps at most; window is at most 4 for n <= 512
	for i := range out {
		k := int((float64(i) + 0.5) * float64(n) / 64)
		lo, hi := span(k)
		first, last := max(0, lo-a), min(n-1, hi+b)
		taps := w[:last-first+1]
		clear(taps)
		for p := lo; p <= hi; p++ {
			plo, phi := span(p)
			wp := 1 / float64((hi-lo+1)*(phi-plo+1))
			for q := plo; q <= phi; q++ {
				taps[q-first] += wp
			}
		}
		t := &out[i]
		t.first = first
		t.w = t.w[:0]
		for _, v := range taps {
			t.w = append(t.w, float32(v))
		}
	}
}
