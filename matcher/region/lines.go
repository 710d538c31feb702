package region

import (
	"image"
	"math"
)

// Line profiles read the input at full resolution, at a fixed number of
// positions along every row and every column. They are cheap (a few hundred
// thousand reads on a 1 MP photo) and serve twice: as the early exit (a
// photo whose edges are neither uniform nor padded, and which has no seam
// across it, is not a re-post Find can help with) and to find what the
// downscaled copy cannot: padding too detailed to be background, and two
// pictures that touch. A seam is a sharp one- or two-pixel line at full
// resolution, but smeared over a working pixel at 320.

// lineSamples is how many positions along a line are read.
const lineSamples = 128

// lineProfile describes each line of one axis: rows (horizontal lines,
// giving the top and bottom sides) or columns.
type lineProfile struct {
	n int
	// samples reads the luma of line l at the profile's positions.
	samples func(l int) []int32
	step    []float32 // mean |L(l) - L(l-1)| over the samples: the jump into line l
	wide    []float32 // share of samples where that jump is at least bigStep
	along   []float32 // mean |L(l, q) - L(l, q+1)|: the detail along the line
	mean    []float32 // mean luma
	flat    []float32 // share of samples within colourTol of the mean
}

// lumaAt is a fast integer luma of the pixel at byte offset o.
func lumaAt(pix []byte, o, channels int) int32 {
	if channels == 1 {
		return int32(pix[o])
	}
	return (77*int32(pix[o]) + 150*int32(pix[o+1]) + 29*int32(pix[o+2])) >> 8
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// newLineProfiles measures the rows and the columns of the input.
func newLineProfiles(pix []byte, width, height, channels int) (rows, cols *lineProfile) {
	stride := width * channels
	rows = newLineProfile(height)
	xs := spread(width-1, lineSamples)
	ys := spread(height-1, lineSamples)
	rows.samples = func(l int) []int32 {
		out := make([]int32, len(xs))
		for i, x := range xs {
			out[i] = lumaAt(pix, l*stride+x*channels, channels)
		}
		return out
	}
	var cur, prev [lineSamples]int32
	for y := 0; y < height; y++ {
		row := pix[y*stride:]
		var along, sum int32
		for i, x := range xs {
			v := lumaAt(row, x*channels, channels)
			cur[i] = v
			sum += v
			along += abs32(v - lumaAt(row, (x+1)*channels, channels))
		}
		rows.fill(y, cur[:len(xs)], prev[:len(xs)], sum, along)
		prev = cur
	}
	// Columns: whole sampled rows, read in memory order.
	cols = newLineProfile(width)
	cols.samples = func(l int) []int32 {
		out := make([]int32, len(ys))
		for i, y := range ys {
			out[i] = lumaAt(pix, y*stride+l*channels, channels)
		}
		return out
	}
	stepSum := make([]int32, width)
	wideN := make([]int32, width)
	alongSum := make([]int32, width)
	sums := make([]int32, width)
	for _, y := range ys {
		row, next := pix[y*stride:], pix[(y+1)*stride:]
		last := int32(0)
		for x := 0; x < width; x++ {
			v := lumaAt(row, x*channels, channels)
			sums[x] += v
			alongSum[x] += abs32(v - lumaAt(next, x*channels, channels))
			if x > 0 {
				d := abs32(v - last)
				stepSum[x] += d
				if d >= bigStep {
					wideN[x]++
				}
			}
			last = v
		}
	}
	m := float32(len(ys))
	for x := 0; x < width; x++ {
		cols.step[x] = float32(stepSum[x]) / m
		cols.wide[x] = float32(wideN[x]) / m
		cols.along[x] = float32(alongSum[x]) / m
		cols.mean[x] = float32(sums[x]) / m
	}
	// The share near each column's mean takes a second pass over the
	// same rows: cheaper than holding them.
	near := make([]int32, width)
	for _, y := range ys {
		row := pix[y*stride:]
		for x := 0; x < width; x++ {
			if d := float32(lumaAt(row, x*channels, channels)) - cols.mean[x]; d <= colourTol && d >= -colourTol {
				near[x]++
			}
		}
	}
	for x := 0; x < width; x++ {
		cols.flat[x] = float32(near[x]) / m
	}
	return rows, cols
}

func newLineProfile(n int) *lineProfile {
	return &lineProfile{n: n, step: make([]float32, n), wide: make([]float32, n),
		along: make([]float32, n), mean: make([]float32, n), flat: make([]float32, n)}
}

// fill records line l from its samples (cur) and the previous line's.
func (p *lineProfile) fill(l int, cur, prev []int32, sum, along int32) {
	m := float32(len(cur))
	mean := float32(sum) / m
	near := 0
	var step int32
	wide := 0
	for i, v := range cur {
		if d := float32(v) - mean; d <= colourTol && d >= -colourTol {
			near++
		}
		if l > 0 {
			d := abs32(v - prev[i])
			step += d
			if d >= bigStep {
				wide++
			}
		}
	}
	p.step[l], p.wide[l], p.along[l] = float32(step)/m, float32(wide)/m, float32(along)/m
	p.mean[l], p.flat[l] = mean, float32(near)/m
}

// spread returns up to k positions evenly over [0, n).
func spread(n, k int) []int {
	if n <= 0 {
		return nil
	}
	k = min(k, n)
	out := make([]int, k)
	for i := range out {
		out[i] = (2*i + 1) * n / (2 * k)
	}
	return out
}

// uniformEdge reports whether the outermost lines at either end are one
// colour: a border, bars, a caption bar or an app's chrome.
func (p *lineProfile) uniformEdge() bool {
	return p.n > 4 && (min(p.flat[0], p.flat[1]) >= 0.9 || min(p.flat[p.n-1], p.flat[p.n-2]) >= 0.9)
}

// seam scores a jump into line l (or smeared over l and l+1 by resizing)
// against the jumps a few lines away, or 0 when it is no seam: it must
// cross most of the line.
func (p *lineProfile) seam(l int) float32 {
	if l < 5 || l > p.n-6 {
		return 0
	}
	s := p.step[l] + max(p.step[l-1], p.step[l+1])
	w := max(p.wide[l], p.wide[l+1], p.wide[l-1])
	if w < 0.5 || s < 8 {
		return 0
	}
	ref := (p.step[l-4] + p.step[l-3] + p.step[l+3] + p.step[l+4]) / 4
	return s / (2*ref + 2)
}

// edgeOf moves a seam found at l onto the first line of the new content:
// the larger of the two jumps at l and l+1.
func (p *lineProfile) edgeOf(l int) int {
	if l+1 < p.n && p.step[l+1] > p.step[l] {
		return l + 1
	}
	return l
}

// bestSeam is the strongest seam in [a, b) with a score of at least min.
func (p *lineProfile) bestSeam(a, b int, least float32) int {
	best, score := -1, least
	for l := max(a, 0); l < min(b, p.n); l++ {
		if s := p.seam(l); s >= score {
			best, score = l, s
		}
	}
	return best
}

func meanOf(v []float32, a, b int) float32 {
	if b <= a {
		return 0
	}
	var s float32
	for _, x := range v[a:b] {
		s += x
	}
	return s / float32(b-a)
}

// padded finds a picture over padding on both ends of this axis: a seam
// near each end with calmer lines outside than inside, either less detail
// along them (a blur) or smaller jumps across them relative to the detail
// along them (a copy stretched across the lines). It returns the first and
// last+1 lines of the picture, or ok false.
func (p *lineProfile) padded() (a, b int, ok bool) {
	n := p.n
	a = p.bestSeam(n*2/100, n*45/100, 3)
	b = p.bestSeam(n*55/100, n*98/100, 3)
	if a < 0 || b < 0 {
		return 0, 0, false
	}
	a, b = p.edgeOf(a), p.edgeOf(b)
	if a < 4 || n-b < 4 || b-a < n/5 {
		return 0, 0, false
	}
	inA := meanOf(p.along, a+2, b-2)
	inS := meanOf(p.step, a+3, b-2)
	if inA < 3 {
		return 0, 0, false // a flat picture: nothing to compare
	}
	calm := func(lo, hi int) bool {
		if meanOf(p.flat, lo, hi) >= 0.8 {
			return false // uniform bars: the working copy finds those exactly
		}
		oa, os := meanOf(p.along, lo, hi), meanOf(p.step, lo+1, hi)
		blur := oa <= 0.45*inA
		stretch := os <= 0.6*inS*oa/inA && oa >= 0.5*inA
		return blur || stretch
	}
	if !calm(0, a-1) || !calm(b+1, n) {
		return 0, 0, false
	}
	return a, b, true
}

// split finds where two pictures meet across the middle of this axis: a
// seam across the whole image, or a thin uniform gap, with content on both
// sides. It returns the end of the first picture and the start of the
// second.
func (p *lineProfile) split() (end, start int, ok bool) {
	n := p.n
	lo, hi := n*25/100, n*75/100
	// A thin gap first: a run of uniform lines.
	for l := lo; l < hi; l++ {
		if p.flat[l] < 0.97 {
			continue
		}
		r := l
		for r < n && p.flat[r] >= 0.97 {
			r++
		}
		if r-l <= max(3, n/40) && l > 2 && r < n-2 && p.flat[l-2] < 0.7 && p.flat[r+1] < 0.7 {
			return l, r, true
		}
		l = r
	}
	s := p.bestSeam(lo, hi, 5)
	if s < 0 {
		return 0, 0, false
	}
	s = p.edgeOf(s)
	// Both sides must be pictures, not a flat sky over a horizon.
	if p.along[s-3] < 2 || p.along[s+2] < 2 || p.flat[s-3] > 0.8 || p.flat[s+2] > 0.8 {
		return 0, 0, false
	}
	// A checkerboard's or a tiled pattern's edge flips the pattern: the
	// lines either side are mirror images in luma. Two unrelated pictures
	// are not.
	if correlation(p.samples(s-3), p.samples(s+2)) < -0.3 {
		return 0, 0, false
	}
	return s, s, true
}

// fromLines proposes the padded pictures and the halves of splits the line
// profiles show, in input coordinates.
func fromLines(rows, cols *lineProfile, width, height int) []scored {
	size := image.Pt(width, height)
	var out []scored
	add := func(x0, y0, x1, y1 int, kind Kind, margin string, score float64) {
		r := Region{Rect: image.Rect(x0, y0, x1, y1), Kind: kind, Size: size, Margin: margin}
		// The same rules as for the working copy's candidates.
		w, h := x1-x0, y1-y0
		if w*h*100 < 15*width*height || w*h*100 > 94*width*height || w > 5*h || h > 5*w {
			return
		}
		out = append(out, scored{r, score})
	}
	if a, b, ok := rows.padded(); ok {
		add(0, a, width, b, KindPadding, "padding above and below", 1.5)
	}
	if a, b, ok := cols.padded(); ok {
		add(a, 0, b, height, KindPadding, "padding left and right", 1.5)
	}
	if e, s, ok := rows.split(); ok {
		add(0, 0, width, e, KindSplit, "", 1.4)
		add(0, s, width, height, KindSplit, "", 1.4)
	}
	if e, s, ok := cols.split(); ok {
		add(0, 0, e, height, KindSplit, "", 1.4)
		add(s, 0, width, height, KindSplit, "", 1.4)
	}
	return out
}

// correlation is Pearson's correlation of a and b, 0 when either is flat.
func correlation(a, b []int32) float64 {
	var sa, sb float64
	for i := range a {
		sa, sb = sa+float64(a[i]), sb+float64(b[i])
	}
	n := float64(len(a))
	ma, mb := sa/n, sb/n
	var ab, aa, bb float64
	for i := range a {
		da, db := float64(a[i])-ma, float64(b[i])-mb
		ab, aa, bb = ab+da*db, aa+da*da, bb+db*db
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
