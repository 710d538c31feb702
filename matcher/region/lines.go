package region

import (
	"image"
	"math"
	"sync"
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
	n, m  int       // n lines of m samples
	lum   []uint8   // the samples: line l's at lum[l*m : l*m+m]
	step  []float32 // mean |L(l) - L(l-1)| over the samples: the jump into line l
	wide  []float32 // share of samples where that jump is at least bigStep
	along []float32 // mean |L(l, q) - L(l, q+1)|: the detail along the line
	mean  []float32 // mean luma
	flat  []float32 // share of samples within colourTol of the mean
	// dom is the share of samples where the jump across lines l-2..l
	// clearly exceeds the jumps across the two lines before and after it:
	// at a seam between two pictures nearly every sample does, inside a
	// picture about a third by chance.
	dom []float32
}

// abs32 is branch-free: the sign of a jump between samples is as good as
// random, and a mispredicted branch costs more than the arithmetic.
func abs32(v int32) int32 {
	return (v ^ (v >> 31)) - (v >> 31)
}

// newLineProfiles measures the rows and the columns of the input in one
// read of the sampled pixels each. The profiles come from profilePool:
// give them back with release once the regions they found are copied out.
func newLineProfiles(pix []byte, width, height, channels int) *profilePair {
	return measureLines(pix, width, height, channels, width*channels, bothAxes)
}

// Which lines measureLines measures.
const (
	rowsOnly = 1 << iota
	colsOnly
	bothAxes = rowsOnly | colsOnly
)

// measureLines is newLineProfiles for the rows, the columns or both
// (axes) of a width x height picture whose rows start stride bytes apart
// in pix: a band of a larger image, read in place. A profile not asked for
// is left as it was and must not be read.
func measureLines(pix []byte, width, height, channels, stride, axes int) *profilePair {
	span := width * channels
	ps := profilePool.Get().(*profilePair)
	if axes&rowsOnly != 0 {
		ps.measureRows(pix, width, height, channels, stride)
	}
	if axes&colsOnly != 0 {
		ps.measureCols(pix, width, height, channels, stride, span)
	}
	return ps
}

// measureRows fills ps.rows (measureLines).
func (ps *profilePair) measureRows(pix []byte, width, height, channels, stride int) {
	xs := spread(width-1, lineSamples)
	rows := ps.rows.reset(height, len(xs))
	offs := grow(&ps.offs, len(xs))
	for i, x := range xs {
		offs[i] = int32(3 * x)
	}
	for y := 0; y < height; y++ {
		row := pix[y*stride : y*stride+width*channels]
		out := rows.lum[y*rows.m : y*rows.m+rows.m]
		out = out[:len(xs)]
		var along int32
		if channels == 3 {
			// A sample and the pixel after it (xs stop short of the last
			// pixel): rowsamples.go.
			along = sampledRow(pix, y*stride, offs, out)
		} else {
			for i, x := range xs {
				p := row[x : x+2 : x+2]
				v := int32(p[0])
				out[i] = uint8(v)
				along += abs32(v - int32(p[1]))
			}
		}
		rows.along[y] = float32(along)
	}
	rows.finish(&ps.j2)
}

// measureCols fills ps.cols (measureLines) from whole sampled rows, read
// in memory order. A column's samples are stored together, so the rows'
// values are gathered eight rows at a time and stored eight bytes a column
// (one store to the column's line, not eight far apart).
func (ps *profilePair) measureCols(pix []byte, width, height, channels, stride, span int) {
	ys := spread(height-1, lineSamples)
	cols := ps.cols.reset(width, len(ys))
	acc := grow(&ps.acc, width)
	clear(acc)
	m := cols.m
	rows := grow(&ps.rows8, 8*width)
	next := grow(&ps.next, width)
	for i0 := 0; i0 < len(ys); i0 += 8 {
		k := min(8, len(ys)-i0)
		for j, y := range ys[i0 : i0+k] {
			a := rows[j*width : (j+1)*width]
			rowLuma8(a, pix[y*stride:y*stride+span], channels)
			rowLuma8(next, pix[(y+1)*stride:(y+1)*stride+span], channels)
			addAbsDiff(acc, a, next) // steps.go
		}
		if k == 8 {
			transpose8(cols.lum[i0:], m, rows, width) // steps.go
			continue
		}
		for j := range k {
			for x, v := range rows[j*width : (j+1)*width] {
				cols.lum[x*m+i0+j] = v
			}
		}
	}
	for x, a := range acc {
		cols.along[x] = float32(a)
	}
	cols.finish(&ps.j2)
}

// rowLuma8 writes the luma of a row of pixels to dst.
func rowLuma8(dst []byte, row []byte, channels int) {
	if channels == 3 {
		luma8Row(dst, row)
		return
	}
	copy(dst, row[:len(dst)])
}

// profilePair holds one Find's line profiles and scratch, reused across
// calls through profilePool: a 1 MP photo's profiles are half a megabyte.
type profilePair struct {
	rows, cols lineProfile
	acc        []int32
	offs       []int32 // measureRows' samples' byte offsets in a row
	rows8      []byte  // measureCols' eight rows' luma
	next       []byte  // and the row after one of them
	j2         []uint8
}

var profilePool = sync.Pool{New: func() any { return new(profilePair) }}

// release returns the profiles to the pool; they must not be used after.
func (ps *profilePair) release() { profilePool.Put(ps) }

// grow returns (*s)[:n], reallocating only when the capacity is short.
func grow[T any](s *[]T, n int) []T {
	if cap(*s) < n {
		*s = make([]T, n)
	}
	*s = (*s)[:n]
	return *s
}

// reset sizes the profile for n lines of m samples, reusing its memory.
// Every figure is written afresh by newLineProfiles and finish, except
// dom's first and last lines, which are cleared here.
func (p *lineProfile) reset(n, m int) *lineProfile {
	p.n, p.m = n, m
	grow(&p.lum, n*m)
	for _, f := range []*[]float32{&p.step, &p.wide, &p.along, &p.mean, &p.flat, &p.dom} {
		grow(f, n)
	}
	clear(p.dom)
	return p
}

// samples returns line l's samples.
func (p *lineProfile) samples(l int) []uint8 { return p.lum[l*p.m : l*p.m+p.m] }

// domMargin is how much a jump must exceed its neighbours' to count: more
// than JPEG noise on a flat area.
const domMargin = 6

// finish derives every line's figures from the samples (along holds sums).
// It works in integers over the samples, with each sample's jump across two
// lines computed once: dom compares every such jump with two others.
func (p *lineProfile) finish(scratch *[]uint8) {
	if p.m%8 == 0 && p.m > 0 {
		p.finishWords(scratch) // the same figures, eight samples a step (linesum.go)
		return
	}
	p.finishSamples(scratch)
}

// finishSamples is finish one sample at a time.
func (p *lineProfile) finishSamples(scratch *[]uint8) {
	if p.m == 0 {
		return
	}
	n, m := p.n, p.m
	fm := float32(m)
	// j2[l*m+i] is |L(l, i) - L(l-2, i)|, the jump dom counts (its first
	// two lines are never read).
	j2 := grow(scratch, n*m)
	for l := 2; l < n; l++ {
		cur, back, out := p.lum[l*m:l*m+m], p.lum[(l-2)*m:(l-2)*m+m], j2[l*m:l*m+m]
		for i := range out {
			d := int32(cur[i]) - int32(back[i])
			out[i] = uint8((d ^ (d >> 31)) - (d >> 31))
		}
	}
	for l := 0; l < n; l++ {
		cur := p.lum[l*m : l*m+m]
		p.along[l] /= fm
		var sum, step int32
		wide := 0
		if l > 0 {
			prev := p.lum[(l-1)*m : l*m]
			prev = prev[:len(cur)]
			for i, v := range cur {
				sum += int32(v)
				d := int32(v) - int32(prev[i])
				d = (d ^ (d >> 31)) - (d >> 31)
				step += d
				// Branch-free: whether a sample jumps is as good as random.
				wide += int(uint32(bigStep-1-d) >> 31)
			}
		} else {
			for _, v := range cur {
				sum += int32(v)
			}
		}
		// Within colourTol of the mean: |v*m - sum| <= colourTol*m.
		lo := max((sum-colourTol*int32(m)+int32(m)-1)/int32(m), 0)
		hi := (sum + colourTol*int32(m)) / int32(m)
		near := 0
		for _, v := range cur {
			if uint32(int32(v)-lo) <= uint32(hi-lo) {
				near++
			}
		}
		p.step[l], p.wide[l] = float32(step)/fm, float32(wide)/fm
		p.mean[l], p.flat[l] = float32(sum)/fm, float32(near)/fm
		if l >= 4 && l+2 < n {
			a, c, e := j2[(l-2)*m:(l-1)*m], j2[l*m:l*m+m], j2[(l+2)*m:(l+3)*m]
			a, e = a[:len(c)], e[:len(c)]
			hits := 0
			for i, j := range c {
				// Branch-free: 1 when j > max(a, e) + domMargin.
				jj := int32(j) - domMargin
				hits += int(uint32((int32(a[i])-jj)&(int32(e[i])-jj)) >> 31)
			}
			p.dom[l] = float32(hits) / fm
		}
	}
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

// uniformEnds reports whether the outermost lines at both ends are one
// colour: a frame on this axis too.
func (p *lineProfile) uniformEnds() bool {
	return p.n > 4 && min(p.flat[0], p.flat[1]) >= 0.9 && min(p.flat[p.n-1], p.flat[p.n-2]) >= 0.9
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
func (p *lineProfile) padded(weak float32) (a, b int, ok bool) {
	if a, b, ok := p.centred(weak); ok {
		return a, b, true
	}
	n := p.n
	a = p.bestSeam(n*2/100, n*45/100, 3)
	b = p.bestSeam(n*55/100, n*98/100, 3)
	if a < 0 || b < 0 {
		return p.calmCentred() // calm.go
	}
	a, b = p.edgeOf(a), p.edgeOf(b)
	if a < 4 || n-b < 4 || b-a < n/5 {
		return p.calmCentred()
	}
	inA := meanOf(p.along, a+2, b-2)
	inS := meanOf(p.step, a+3, b-2)
	if inA < 3 {
		return p.calmCentred()
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
		return p.calmCentred()
	}
	return a, b, true
}

// centred finds a picture centred over padding on both ends of this axis
// (how apps pad a picture to a phone's screen): two lines at mirrored
// positions where most samples jump more than just before and after them,
// calmer lines outside them than inside, and no line between them that
// jumps as widely (a striped or tiled picture has many).
func (p *lineProfile) centred(weak float32) (a, b int, ok bool) {
	n := p.n
	slack := 2 + n/100
	best := float32(0)
	a, b = -1, -1
	// One edge may jump less widely (the picture's own flat edge meets
	// the padding there) when the other jumps like a split.
	for x := max(4, n*2/100); x < n*45/100; x++ {
		dx := p.domNear(x)
		if dx < weak {
			continue
		}
		for y := n - x - slack; y <= n-x+slack; y++ {
			if y < n*55/100 || y >= n-3 {
				continue
			}
			dy := p.domNear(y)
			v := min(dx, dy)
			if v < weak || (v < padDom && max(dx, dy) < splitDom) {
				continue
			}
			if v >= best || (a < 0) {
				a, b, best = x, y, v
			}
		}
	}
	if a < 0 {
		return 0, 0, false
	}
	// The lines whose dom spans the jump, either way: ties above pick the
	// last line that sees it.
	a, b = p.largestStep(a-3, a+3), p.largestStep(b-3, b+3)
	for l := a + 4; l < b-4; l++ {
		if p.dom[l] >= best {
			return 0, 0, false
		}
	}
	inA, inS := meanOf(p.along, a+2, b-2), meanOf(p.step, a+3, b-2)
	outA := (meanOf(p.along, 0, a-1)*float32(a) + meanOf(p.along, b+1, n)*float32(n-b)) / float32(a+n-b)
	outS := (meanOf(p.step, 1, a-1)*float32(a) + meanOf(p.step, b+2, n)*float32(n-b)) / float32(a+n-b)
	if outA > 0.6*inA && outS > 0.8*inS {
		return 0, 0, false
	}
	return a, b, true
}

// padDom is the share of samples that must jump at both edges of a
// centred picture: mirrored positions are evidence of their own.
const padDom = 0.5

// padWeak is the least share at the weaker edge when the other is strong.
const padWeak = 0.3

// crossWeak is padWeak within the band of a picture already found padded
// on the other axis: the picture's own calm edge (a smooth sky) meets
// the blurred copy of itself with few jumps, and the padding on the
// first axis is evidence of its own.
const crossWeak = 0.15

// domNear is the largest dom among the lines whose jumps span the boundary
// into line l.
func (p *lineProfile) domNear(l int) float32 {
	d := float32(0)
	for k := max(l-1, 0); k <= min(l+2, p.n-1); k++ {
		d = max(d, p.dom[k])
	}
	return d
}

// padScore ranks a padded picture over [a, b): above the working copy's
// candidates, unless the padding is uniform bars, which the working copy
// places on all four sides: then after them, so that theirs is kept.
func (p *lineProfile) padScore(a, b int) float64 {
	if p.bars(a, b) {
		return 0.95
	}
	return 1.5
}

// bars reports whether the lines outside [a, b) are uniform.
func (p *lineProfile) bars(a, b int) bool {
	return meanOf(p.flat, 0, a-1) >= 0.8 || meanOf(p.flat, b+1, p.n) >= 0.8
}

// split finds where two pictures meet across the middle of this axis: a
// line across the whole image where nearly every sample jumps more than it
// does just before and after it (the pictures touch there or at the edges
// of a thin uniform gap), with content on both sides. It returns the end of
// the first picture and the start of the second.
func (p *lineProfile) split() (end, start int, ok bool) {
	n := p.n
	e, ok := p.splitLine()
	if !ok {
		return 0, 0, false
	}
	end, start = e, e
	// A thin uniform gap after or before the boundary, past a line or two
	// that resizing blended. Its far edge is the largest step at or just
	// past the end of the uniform lines when that step crosses most of the
	// line (a picture's own flat margin may continue the gap), else where
	// the uniform lines end.
	gap := max(3, n/40) + 2
	for off := 0; off < 3; off++ {
		if g := e + off; p.flatRun(g, 1, gap) > g {
			r := p.flatRun(g, 1, gap)
			start = p.largestStep(r, r+2)
			if f := p.largestStep(g+1, r+2); p.wide[f] >= 0.5 {
				start = f
			}
			break
		}
		if g := e - 1 - off; p.flatRun(g, -1, gap) < g {
			l := p.flatRun(g, -1, gap)
			end = p.largestStep(l, l+2)
			if f := p.largestStep(l, g+1); p.wide[f] >= 0.5 {
				end = f
			}
			break
		}
	}
	a, b := end-3, start+2
	if a < 0 || b >= n {
		return 0, 0, false
	}
	// Two pictures that touch must both have content at the seam: a flat
	// sky over a straight horizon jumps like that too. Across a thin gap
	// one side may be flat: a horizon has no gap.
	if start-end < 2 && (p.flat[a] > 0.8 || p.flat[b] > 0.8) {
		return 0, 0, false
	}
	// A checkerboard's or a tiled pattern's edge flips the pattern: the
	// lines either side are mirror images in luma. Two unrelated pictures
	// are not.
	if start-end < 2 && correlation(p.samples(a), p.samples(b)) < -0.7 {
		return 0, 0, false
	}
	return end, start, true
}

// splitLine finds the one line across the middle half of this axis where
// nearly every sample jumps, and returns the first line past the jump.
func (p *lineProfile) splitLine() (int, bool) {
	n := p.n
	lo, hi := max(n*25/100, 4), min(n*75/100, n-3)
	best := -1
	for l := lo; l < hi; l++ {
		if best < 0 || p.dom[l] > p.dom[best] {
			best = l
		}
	}
	if best < 0 || p.dom[best] < splitDom {
		return 0, false
	}
	// A tiled pattern (stripes, a grid, shelves) has many such lines; two
	// pictures meet once. The edges of a gap lie within reach.
	reach := max(3, n/40) + 4
	for l := lo; l < hi; l++ {
		if (l < best-reach || l > best+reach) && p.dom[l] >= 0.8*p.dom[best] {
			return 0, false
		}
	}
	// The jump runs the whole length, not a strong edge along part of it.
	if p.weakestQuarter(best) < 0.35 {
		return 0, false
	}
	// The boundary is the largest step among the lines the jump spans.
	e := best
	for _, l := range [2]int{best - 1, best + 1} {
		if p.step[l] > p.step[e] {
			e = l
		}
	}
	return e, true
}

// splitDom is the share of samples that must jump at a split.
const splitDom = 0.6

// weakestQuarter is the smallest share of jumping samples (as dom counts
// them) over the four quarters of line l.
func (p *lineProfile) weakestQuarter(l int) float32 {
	a, b, c, e := p.samples(l-4), p.samples(l-2), p.samples(l), p.samples(l+2)
	var hits [4]int
	for i := range c {
		j := abs32(int32(c[i]) - int32(b[i]))
		if j > max(abs32(int32(b[i])-int32(a[i])), abs32(int32(e[i])-int32(c[i])))+domMargin {
			hits[i*4/len(c)]++
		}
	}
	weakest := float32(1)
	for q, h := range hits {
		size := (q+1)*len(c)/4 - q*len(c)/4
		weakest = min(weakest, float32(h)/float32(max(size, 1)))
	}
	return weakest
}

// largestStep is the line in [a, b) with the largest jump into it.
func (p *lineProfile) largestStep(a, b int) int {
	a, b = max(a, 1), min(b, p.n)
	best := a
	for l := a; l < b; l++ {
		if p.step[l] > p.step[best] {
			best = l
		}
	}
	return best
}

// flatRun follows uniform lines of one colour from l in direction dir (at
// most limit of them) and returns the first line after them, or l when l is
// not uniform or the run goes on: a gap, not a margin. A uniform line of
// another colour ends the run: a picture's flat sky next to the gap.
func (p *lineProfile) flatRun(l, dir, limit int) int {
	if l < 0 || l >= p.n || p.flat[l] < 0.97 {
		return l
	}
	for r := l + dir; r >= 0 && r < p.n && (r-l)*dir <= limit; r += dir {
		d := p.mean[r] - p.mean[r-dir]
		// The first line may be blended with the content before it.
		if p.flat[r] < 0.97 || (r != l+dir && (d > gapTol || d < -gapTol)) {
			return r
		}
	}
	return l
}

// gapTol is the largest change of mean luma between two lines of one gap.
const gapTol = 3

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
	// Uniform bars with a uniform edge across them too are a border: the
	// working copy's box has all four sides, this one two.
	if a, b, ok := rows.padded(padWeak); ok && !(rows.bars(a, b) && cols.uniformEnds()) {
		add(0, a, width, b, KindPadding, "padding above and below", rows.padScore(a, b))
	}
	if a, b, ok := cols.padded(padWeak); ok && !(cols.bars(a, b) && rows.uniformEnds()) {
		add(a, 0, b, height, KindPadding, "padding left and right", cols.padScore(a, b))
	}
	// A stretched copy of the picture as padding (stretch.go).
	if a, b, ok := rows.stretchedPad(); ok {
		add(0, a, width, b, KindPadding, "a stretched copy above and below", 1.5)
	}
	if a, b, ok := cols.stretchedPad(); ok {
		add(a, 0, b, height, KindPadding, "a stretched copy left and right", 1.5)
	}
	if e, s, ok := rows.split(); ok {
		add(0, 0, width, e, KindSplit, "", 1.4)
		add(0, s, width, height, KindSplit, "", 1.4)
	} else if e, s, ok := rows.gapSplit(); ok {
		add(0, 0, width, e, KindSplit, "", 1.4)
		add(0, s, width, height, KindSplit, "", 1.4)
	} else if a, b, ok := rows.oneSided(); ok {
		add(0, a, width, b, KindSplit, "", 1.3)
	}
	if e, s, ok := cols.split(); ok {
		add(0, 0, e, height, KindSplit, "", 1.4)
		add(s, 0, width, height, KindSplit, "", 1.4)
	} else if e, s, ok := cols.gapSplit(); ok {
		add(0, 0, e, height, KindSplit, "", 1.4)
		add(s, 0, width, height, KindSplit, "", 1.4)
	} else if a, b, ok := cols.oneSided(); ok {
		add(a, 0, b, height, KindSplit, "", 1.3)
	}
	return out
}

// correlation is Pearson's correlation of a and b, 0 when either is flat.
func correlation(a, b []uint8) float64 {
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
