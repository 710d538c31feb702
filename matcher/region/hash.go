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
	xs, ys     []int     // the photo's column and row of each grid sample
	xm         []int     // the columns of the mirrored grid, in SquashedPair
	acc        []float32 // downFirst's column pass, a photo's row wide
	line       []float32 // a row's luma when the plane does not hold it
	cols       []int     // the columns of line computed
	rowW, colW [64]tent
	plane      lumaPlane
	// the row filter's taps at the grid's columns in the photo's rows
	// (atPlaneM: at the mirrored grid's)
	atPlane, atPlaneM rowTaps
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

// SquashedPair writes Squashed of r to out and SquashedMirrored of r to
// mirrored, the same values, for less work than the two calls: both read
// the same rows of the photo, each once while it is in the cache.
func (s *Sampler) SquashedPair(pix []byte, width, height, channels int, r image.Rectangle, out, mirrored []float32) bool {
	r, ok := s.grid(pix, width, height, channels, r, false, out)
	if !ok || len(mirrored) != 64*64 {
		return false
	}
	xm := grow(&s.xm, len(s.xs))
	for u := range xm {
		xm[u] = r.Max.X - 1 - (s.xs[u] - r.Min.X)
	}
	s.samples(pix, width, channels, r, true, out, mirrored)
	return true
}

func (s *Sampler) squashed(pix []byte, width, height, channels int, r image.Rectangle, mirrored bool, out []float32) bool {
	r, ok := s.grid(pix, width, height, channels, r, mirrored, out)
	if !ok {
		return false
	}
	s.samples(pix, width, channels, r, true, out, nil)
	return true
}

// grid sets the squash's grid of r (mirrored: of r flipped left to
// right) and returns r within the photo, or reports false when that is
// under pdq.MinSide a side.
func (s *Sampler) grid(pix []byte, width, height, channels int, r image.Rectangle, mirrored bool, out []float32) (image.Rectangle, bool) {
	r = r.Intersect(image.Rect(0, 0, width, height))
	cols, rows := r.Dx(), r.Dy()
	if cols > pdq.SquashSide || rows > pdq.SquashSide {
		cols, rows = pdq.SquashSide, pdq.SquashSide
	}
	if cols < pdq.MinSide || rows < pdq.MinSide || len(pix) != width*height*channels || len(out) != 64*64 {
		return r, false
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
	return r, true
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
	// One hash of the photo: the plane's rows are read where a region's
	// hashes filled them, not filled for it.
	s.samples(pix, width, channels, r, false, out, nil)
	return true
}

// samples filters the grid s.xs × s.ys of r into out (and, when mirrored
// is not nil, the grid s.xm × s.ys into mirrored), as downFirst says. A
// row's luma is read from the plane when it holds this photo and the
// row's columns of r, or when fill is set (the plane then computes them);
// else it is computed for the call alone. Either way the values and the
// order of the sums are the same, so are the samples.
func (s *Sampler) samples(pix []byte, width, channels int, r image.Rectangle, fill bool, out, mirrored []float32) {
	s.tents()
	held := s.plane.holds(pix, width, channels)
	fixed := s.atPlane.set(&s.colW, s.xs)
	if fixed && mirrored != nil {
		s.atPlaneM.set(&s.colW, s.xm)
	}
	if !held || !fill {
		// The photo's columns the row pass reads.
		s.cols = s.cols[:0]
		grids := [][]int{s.xs}
		if mirrored != nil {
			grids = append(grids, s.xm)
		}
		for _, xs := range grids {
			for _, t := range s.colW {
				for q := range t.w {
					s.cols = append(s.cols, xs[t.first+q])
				}
			}
		}
	}
	s.downFirst(pix, width, channels, r, held, fill, fixed, out, mirrored)
}

// downFirst runs the filter's two passes down the columns first, over the
// rows each kept row's tent reaches, then along each of the 64 filtered
// rows at the grid's columns (and at the mirrored grid's). The column pass
// is shared by a region and its mirror and runs eight columns a step
// (weighted.go); the row pass then filters 64 rows, not the 448 a squashed
// side's tents reach: a region's pair of hashes costs 0.6 of the other
// order's. The sums are taken in another order than pdq's running sums (as
// the other order's were too), so a sample may differ from the crop's in
// the last bits: over the 107,384 region hashes of the evaluation corpus's
// derived files, 4 of quality 50 or more moved, by 2 to 10 bits.
func (s *Sampler) downFirst(pix []byte, width, channels int, r image.Rectangle, held, fill, fixed bool, out, mirrored []float32) {
	p := &s.plane
	acc := grow(&s.acc, width)
	span := acc[r.Min.X:r.Max.X]
	line := grow(&s.line, width)
	stride := width * channels
	var taps [maxTaps][]float32
	for i, t := range s.rowW {
		planed := held && len(t.w) <= maxTaps
		for q := range t.w {
			if planed && !fill && !p.has(s.ys[t.first+q], r.Min.X, r.Max.X) {
				planed = false
			}
		}
		if planed {
			// Every tap's row from the plane: the column pass in one
			// sweep (weighted.go), the same sums as tap by tap.
			for q := range t.w {
				taps[q] = p.row(s.ys[t.first+q], r.Min.X, r.Max.X)[r.Min.X:r.Max.X]
			}
			weightedSum(span, &taps, t.w)
		} else {
			for q, wt := range t.w {
				var lumas []float32
				if y := s.ys[t.first+q]; held && (fill || p.has(y, r.Min.X, r.Max.X)) {
					lumas = p.row(y, r.Min.X, r.Max.X)[r.Min.X:r.Max.X]
				} else {
					// Only the columns the row pass reads; the others
					// are left as they were and never read.
					columnLuma(pix[y*stride:(y+1)*stride], channels, s.cols, line)
					lumas = line[r.Min.X:r.Max.X]
				}
				if q == 0 {
					scaleInto(span, lumas, wt)
				} else {
					addScaled(span, lumas, wt)
				}
			}
		}
		dst := out[i*64 : i*64+64]
		if fixed {
			s.atPlane.apply(acc, dst)
		} else {
			s.filterAt(acc, s.xs, dst)
		}
		if mirrored == nil {
			continue
		}
		dst = mirrored[i*64 : i*64+64]
		if fixed {
			s.atPlaneM.apply(acc, dst)
		} else {
			s.filterAt(acc, s.xm, dst)
		}
	}
}

// filterAt filters the luma of a photo's row, read at the grid's columns
// xs, into the 64 kept values of dst.
func (s *Sampler) filterAt(lumas []float32, xs []int, dst []float32) {
	for j, t := range s.colW {
		var sum float32
		for q, wt := range t.w {
			sum += wt * lumas[xs[t.first+q]]
		}
		dst[j] = sum
	}
}

// tents sets the filter's weights along both axes of the grid.
func (s *Sampler) tents() {
	tentWeights(&s.colW, len(s.xs), pdq.WindowSize(len(s.xs), 64))
	tentWeights(&s.rowW, len(s.ys), pdq.WindowSize(len(s.ys), 64))
}

// maxTaps is the number of taps rowTaps gives each kept sample: a side of
// up to 512 filters with a window of 4, whose composed tent has 7 taps.
const maxTaps = 7

// rowTaps is the row filter at a fixed number of taps, which the compiler
// unrolls: each kept column's weights padded with zeros, and the column
// each reads. A zero weight adds +0 to a sum of non-negative terms, which
// leaves it as it was, so the sums are bit for bit the loop's over the
// tent's own taps.
type rowTaps struct {
	col [64][maxTaps]int32
	w   [64][maxTaps]float32
	// The kept samples [lo, hi) share the weights shared: away from the
	// ends, where the boxes shrink, every tent of a side squashed to 512
	// is the same. apply keeps them in registers for those.
	lo, hi int
	shared [maxTaps]float32
}

// set fills t from the tents, reading the grid's column u at xs[u] (at u
// when xs is nil). It reports false, when a tent has over maxTaps taps.
func (t *rowTaps) set(tents *[64]tent, xs []int) bool {
	for j := range tents {
		tt := &tents[j]
		if len(tt.w) > maxTaps || len(tt.w) == 0 {
			return false
		}
		for q := range maxTaps {
			u, wt := tt.first+len(tt.w)-1, float32(0) // a padding tap
			if q < len(tt.w) {
				u, wt = tt.first+q, tt.w[q]
			}
			if xs != nil {
				u = xs[u]
			}
			t.col[j][q], t.w[j][q] = int32(u), wt
		}
	}
	// The longest run of equal weights around the middle.
	t.shared = t.w[32]
	t.lo, t.hi = 32, 33
	for t.lo > 0 && t.w[t.lo-1] == t.shared {
		t.lo--
	}
	for t.hi < 64 && t.w[t.hi] == t.shared {
		t.hi++
	}
	return true
}

// apply filters line into the 64 kept values of dst.
func (t *rowTaps) apply(line, dst []float32) {
	dst = dst[:64]
	for j := range t.lo {
		dst[j] = t.at(j, line)
	}
	w0, w1, w2, w3, w4, w5, w6 := t.shared[0], t.shared[1], t.shared[2], t.shared[3], t.shared[4], t.shared[5], t.shared[6]
	for j := t.lo; j < t.hi; j++ {
		c := &t.col[j]
		sum := w0 * line[c[0]]
		sum += w1 * line[c[1]]
		sum += w2 * line[c[2]]
		sum += w3 * line[c[3]]
		sum += w4 * line[c[4]]
		sum += w5 * line[c[5]]
		sum += w6 * line[c[6]]
		dst[j] = sum
	}
	for j := t.hi; j < 64; j++ {
		dst[j] = t.at(j, line)
	}
}

// at is kept sample j of line, with its own weights.
func (t *rowTaps) at(j int, line []float32) float32 {
	c, w := &t.col[j], &t.w[j]
	sum := w[0] * line[c[0]]
	sum += w[1] * line[c[1]]
	sum += w[2] * line[c[2]]
	sum += w[3] * line[c[3]]
	sum += w[4] * line[c[4]]
	sum += w[5] * line[c[5]]
	sum += w[6] * line[c[6]]
	return sum
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

// columnLuma computes the luma of a photo's row of pixels at the columns
// cols into line (indexed by column), as the plane does.
func columnLuma(row []byte, channels int, cols []int, line []float32) {
	if channels == 1 {
		for _, x := range cols {
			line[x] = float32(row[x])
		}
		return
	}
	for _, x := range cols {
		c := row[3*x : 3*x+3 : 3*x+3]
		line[x] = pdq.Luma(c[0], c[1], c[2])
	}
}
