package region

import (
	"image"
	"math"
)

// A picture centred over a blurred copy of itself enlarged to cover the
// canvas may meet that copy with no seam at all: a sky at the picture's
// edge continues into the blurred sky, so the line rules see nothing on
// that side, or nothing anywhere. The padding proves itself instead, by
// its geometry: outside the picture, each point shows the picture's point
// on the same ray from the canvas's centre, nearer the centre by the zoom
// that makes the picture cover the canvas (max(W/w, H/h) for a w x h
// picture in a W x H canvas), blurred and often darkened. fromCover
// scores every centred rectangle on a coarse grid of cell means by how
// well the cells outside it follow that mapping of the cells inside it
// (a straight-line fit, so a gain and an offset are free). Further out
// than the picture's edge a rectangle still fits (the blur is smooth, and
// enlarged a little it resembles itself); further in it does not, since
// the picture's sharp lines then fall outside. So the picture is the
// rectangle that leaves the most cells outside among those that fit
// closely while the ones two cells further in fit clearly worse (a photo
// whose middle, enlarged, happens to resemble its edges, or a flat or
// evenly graded sky, fits them all about as well), and whose padding has
// shapes of its own to fit. Its edges are then placed at full resolution
// where the picture meets the padding with the largest step on both
// mirrored sides together. It runs only when the lines at two opposite
// edges carry little detail along them, as a blur does, the grid's outer
// ring is not plain, and the line rules found no picture centred with a
// margin on all four sides: a plain photo costs next to nothing more.

// coverCells is the number of grid cells along the canvas's longer side.
const coverCells = 96

// coverEdge is the share of lines, per thousand, at each end of an axis
// whose detail decides whether fromCover runs.
const coverEdge = 25

// coverCalmAlong is the most mean detail along a line (mean luma
// difference between neighbouring samples) of the lines at an edge for
// them to count as blurred.
const coverCalmAlong = 1.5

// coverCalmRatio is the most detail at an edge as a share of the detail
// of the middle half's lines.
const coverCalmRatio = 0.35

// coverFit is the largest share of the padding's variance its best
// straight-line fit to the mapped picture leaves unexplained.
const coverFit = 0.08

// coverSharp is the largest ratio of the picture's unexplained share to
// that of the rectangle two cells further in on the axis that tells.
const coverSharp = 0.5

// coverLeast is the least margin, in cells, on at least one axis: a
// rectangle nearly the whole canvas maps the edge's cells onto cells a
// little further in, which any smooth picture fits.
const coverLeast = 3

// coverOff is the least unexplained share of the rectangle two cells
// further in on the axis that tells: a smooth photo fits them all nearly
// perfectly.
const coverOff = 0.02

// coverMinSide is the shortest side of a canvas searched: apps pad to a
// phone's or a feed's canvas, and on a thumbnail the grid's cells are a
// few pixels, finer than the blur.
const coverMinSide = 400

// coverPeak is the least ratio of the step across the picture's edge (on
// both mirrored sides together) to the mean step of the lines around it.
const coverPeak = 3

// coverStepMin is the least mean luma step, per side, across the
// picture's edge on an axis that shows it: JPEG's block edges in a plain
// wall stand out of the steps nearby too, by a level or two.
const coverStepMin = 3

// coverSpread is the least standard deviation, in luma levels, of the
// padding's cells: a padding with no shapes fits any mapping.
const coverSpread = 6

// coverGain bounds the slope of the fit: the padding is the picture
// darkened or lightened a little, not inverted, flattened or amplified.
const coverGainMin, coverGainMax = 0.5, 1.4

// coverCalm reports whether the lines at both ends of the axis carry
// little detail along them compared with the lines in its middle.
func (p *lineProfile) coverCalm() bool {
	n := p.n
	e := max(2, n*coverEdge/1000)
	if n < 64 || p.m < 16 {
		return false
	}
	mid := meanOf(p.along, n/4, n*3/4) / float32(p.m)
	for _, r := range [2][2]int{{0, e}, {n - e, n}} {
		a := meanOf(p.along, r[0], r[1]) / float32(p.m)
		if a > coverCalmAlong || a > coverCalmRatio*mid {
			return false
		}
	}
	return true
}

// coverGrid is the input as a grid of luma cell means, plain and blurred
// once and twice.
type coverGrid struct {
	nx, ny int
	cw, ch float64 // input pixels per cell
	// levels[0] is the plain grid, levels[1] blurred once, levels[2]
	// twice.
	levels [3][]float32
	maps   []*zoomMap // mapped's sums so far
}

// newCoverGrid averages 4 x 4 samples per cell.
func newCoverGrid(pix []byte, width, height, channels int) *coverGrid {
	cs := float64(max(width, height)) / coverCells
	g := &coverGrid{nx: max(8, int(float64(width)/cs+0.5)), ny: max(8, int(float64(height)/cs+0.5))}
	g.cw, g.ch = float64(width)/float64(g.nx), float64(height)/float64(g.ny)
	val := make([]float32, g.nx*g.ny)
	// The four sample columns of every cell, computed once for all the
	// rows; a sampled row's luma is converted whole (luma8Row: a step
	// converts eight pixels for less than the four samples' reads cost).
	xo := make([]int, 4*g.nx)
	for i := 0; i < g.nx; i++ {
		for s := range 4 {
			xo[4*i+s] = min(width-1, int((float64(i)+(float64(s)+0.5)/4)*g.cw))
		}
	}
	sums := make([]int32, g.nx)
	lum := make([]byte, width)
	for j := 0; j < g.ny; j++ {
		clear(sums)
		for s := range 4 {
			y := min(height-1, int((float64(j)+(float64(s)+0.5)/4)*g.ch))
			rowLuma8(lum, pix[y*width*channels:(y+1)*width*channels], channels)
			for i := range sums {
				o := xo[4*i : 4*i+4 : 4*i+4]
				sums[i] += int32(lum[o[0]]) + int32(lum[o[1]]) + int32(lum[o[2]]) + int32(lum[o[3]])
			}
		}
		for i, sum := range sums {
			val[j*g.nx+i] = float32(sum) / 16
		}
	}
	g.levels[0] = val
	g.levels[1] = boxBlur(val, g.nx, g.ny)
	g.levels[2] = boxBlur(g.levels[1], g.nx, g.ny)
	return g
}

// boxBlur averages each cell with its eight neighbours (clamped at the
// grid's edges).
func boxBlur(v []float32, nx, ny int) []float32 {
	tmp := make([]float32, len(v))
	for j := 0; j < ny; j++ {
		for i := 0; i < nx; i++ {
			a, b := max(0, i-1), min(nx-1, i+1)
			tmp[j*nx+i] = (v[j*nx+a] + v[j*nx+i] + v[j*nx+b]) / 3
		}
	}
	out := make([]float32, len(v))
	for j := 0; j < ny; j++ {
		a, b := max(0, j-1), min(ny-1, j+1)
		for i := 0; i < nx; i++ {
			out[j*nx+i] = (tmp[a*nx+i] + tmp[j*nx+i] + tmp[b*nx+i]) / 3
		}
	}
	return out
}

// at samples grid v bilinearly at cell coordinates (x, y), where cell
// (i, j)'s centre is (i+0.5, j+0.5); the point is inside the grid.
func (g *coverGrid) at(v []float32, x, y float64) float64 {
	i, fx := cell(x, g.nx)
	j, fy := cell(y, g.ny)
	return g.lerp(v, i, j, fx, fy)
}

// cell returns the grid cell (of n along the axis) at whose centre the
// bilinear read at coordinate x starts, and the fraction of the way to
// the next one.
func cell(x float64, n int) (int, float64) {
	x -= 0.5
	i := int(x)
	if x < 0 {
		x, i = 0, 0
	}
	i = min(i, n-2)
	return i, min(x-float64(i), 1)
}

// lerp reads level v bilinearly between cells (i, j) and (i+1, j+1).
func (g *coverGrid) lerp(v []float32, i, j int, fx, fy float64) float64 {
	o := j*g.nx + i
	c := v[o : o+g.nx+2 : o+g.nx+2]
	top := float64(c[0]) + fx*float64(c[1]-c[0])
	bot := float64(c[g.nx]) + fx*float64(c[g.nx+1]-c[g.nx])
	return top + fy*(bot-top)
}

// mapped returns, for the zoom z and every step-th cell, the running sums
// along each sampled row that score reads: of the value at the cell's
// mapped position in level v (x), of the cell's own value (y), and of x²,
// y² and xy. The rectangles scored share a handful of zooms (each comes
// from one margin), so each cell's bilinear read is made once a zoom, and
// a rectangle's sums are a few per row.
func (g *coverGrid) mapped(z float64, step int, v []float32) *zoomMap {
	for _, m := range g.maps {
		if m.z == z && m.step == step {
			return m
		}
	}
	cx, cy := float64(g.nx)/2, float64(g.ny)/2
	cols := (g.nx + step - 1) / step
	rows := (g.ny + step - 1) / step
	m := &zoomMap{z: z, step: step, cols: cols}
	for _, p := range []*[]float64{&m.x, &m.y, &m.xx, &m.yy, &m.xy} {
		*p = make([]float64, rows*(cols+1))
	}
	// A cell's mapped column depends on its column alone, its row on its
	// row: each found once.
	is, fxs := make([]int, cols), make([]float64, cols)
	for b := range cols {
		is[b], fxs[b] = cell(cx+(float64(b*step)+0.5-cx)/z, g.nx)
	}
	for a := range rows {
		j := a * step
		jm, fy := cell(cy+(float64(j)+0.5-cy)/z, g.ny)
		o := a * (cols + 1)
		for b := range cols {
			i := b * step
			x := g.lerp(v, is[b], jm, fxs[b], fy)
			y := float64(g.levels[0][j*g.nx+i])
			m.x[o+b+1] = m.x[o+b] + x
			m.y[o+b+1] = m.y[o+b] + y
			m.xx[o+b+1] = m.xx[o+b] + x*x
			m.yy[o+b+1] = m.yy[o+b] + y*y
			m.xy[o+b+1] = m.xy[o+b] + x*y
		}
	}
	g.maps = append(g.maps, m)
	return m
}

// zoomMap is mapped's running sums for one zoom and step: row a's sums
// of its first b sampled cells at [a*(cols+1)+b].
type zoomMap struct {
	z                float64
	step, cols       int
	x, y, xx, yy, xy []float64
}

// coverScore is how well the cells outside a centred rectangle follow the
// mapped picture.
type coverScore struct {
	miss   float64 // the share of the padding's variance the fit leaves
	spread float64 // the padding cells' standard deviation
	gain   float64 // the fit's slope
	ok     bool    // enough padding cells to judge
}

// score fits the cells outside the rectangle centred in the grid with
// margins mx and my (in cells) to the blurred grid at their mapped
// positions, reading every step-th cell (step 1, or a step mapped keeps
// running sums for).
func (g *coverGrid) score(mx, my float64, step int) coverScore {
	cx, cy := float64(g.nx)/2, float64(g.ny)/2
	hw, hh := cx-mx, cy-my
	if hw < 2 || hh < 2 {
		return coverScore{}
	}
	z := math.Max(cx/hw, cy/hh)
	// The padding was blurred at the canvas's scale: mapped into the
	// picture, the blur is z times narrower. A zoom near 1 wants the
	// grid blurred twice, one of 2 or more the plain one.
	v := g.levels[2]
	if z >= 2 {
		v = g.levels[0]
	} else if z >= 1.4 {
		v = g.levels[1]
	}
	// The cells just outside the picture blend it with the padding.
	bx, by := hw+1, hh+1
	var n, sx, sy, sxx, syy, sxy float64
	if step == 1 {
		// A rectangle scored once (the picture found, and the ones
		// further in): its cells outside, read where they map.
		for j := 0; j < g.ny; j++ {
			dy := float64(j) + 0.5 - cy
			inY := math.Abs(dy) < by
			for i := 0; i < g.nx; i++ {
				dx := float64(i) + 0.5 - cx
				if inY && math.Abs(dx) < bx {
					continue
				}
				x := g.at(v, cx+dx/z, cy+dy/z)
				y := float64(g.levels[0][j*g.nx+i])
				n++
				sx, sy, sxx, syy, sxy = sx+x, sy+y, sxx+x*x, syy+y*y, sxy+x*y
			}
		}
		return fitScore(n, sx, sy, sxx, syy, sxy)
	}
	zm := g.mapped(z, step, v)
	// The sampled columns inside the picture, [b0, b1).
	b0, b1 := 0, 0
	for b := 0; b*step < g.nx; b++ {
		if math.Abs(float64(b*step)+0.5-cx) < bx {
			if b1 == 0 {
				b0 = b
			}
			b1 = b + 1
		}
	}
	// Each sampled row's sums over its cells outside the picture: all of
	// them, or all but those in [b0, b1), from the row's running sums.
	w := zm.cols + 1
	for a := 0; a*step < g.ny; a++ {
		o := a * w
		all := func(p []float64) float64 { return p[o+zm.cols] }
		part := all
		if math.Abs(float64(a*step)+0.5-cy) < by && b1 > b0 {
			part = func(p []float64) float64 { return p[o+zm.cols] - (p[o+b1] - p[o+b0]) }
			n += float64(zm.cols - (b1 - b0))
		} else {
			n += float64(zm.cols)
		}
		sx, sy, sxx, syy, sxy = sx+part(zm.x), sy+part(zm.y), sxx+part(zm.xx), syy+part(zm.yy), sxy+part(zm.xy)
	}
	return fitScore(n, sx, sy, sxx, syy, sxy)
}

// fitScore is the straight-line fit of y on x from their sums over n
// cells.
func fitScore(n, sx, sy, sxx, syy, sxy float64) coverScore {
	if n < 24 {
		return coverScore{}
	}
	vx, vy, cv := sxx-sx*sx/n, syy-sy*sy/n, sxy-sx*sy/n
	if vx <= 0 || vy <= 0 {
		return coverScore{ok: true, miss: 1}
	}
	return coverScore{
		miss:   1 - cv*cv/(vx*vy),
		spread: math.Sqrt(vy / n),
		gain:   cv / vx,
		ok:     true,
	}
}

// fromCover finds a picture centred over a blurred enlarged copy of
// itself (see the top of this file), or nothing.
func fromCover(pix []byte, width, height, channels int) (image.Rectangle, float64, bool) {
	if min(width, height) < coverMinSide {
		return image.Rectangle{}, 0, false
	}
	g := newCoverGrid(pix, width, height, channels)
	if g.ringSpread() < coverSpread {
		// Plain all around (a product shot on white): no padding with
		// shapes to fit, and the bars' rules handle a plain one.
		return image.Rectangle{}, 0, false
	}
	// Margins on a grid of two cells, each scored on every third cell.
	kx, ky := int(float64(g.nx)*0.35)/2, int(float64(g.ny)*0.35)/2
	stride := kx + 2
	miss := make([]float64, (kx+2)*(ky+2))
	for j := 0; j <= ky+1; j++ {
		for i := 0; i <= kx+1; i++ {
			m := 2.0
			if 2*i >= coverLeast || 2*j >= coverLeast {
				if s := g.score(float64(2*i), float64(2*j), 3); s.ok {
					m = s.miss
				}
			}
			miss[j*stride+i] = m
		}
	}
	// The picture's edge: the fit is close there and clearly worse two
	// cells further in on either axis, where the picture's own sharp
	// lines fall outside. Further out the fit stays close (the blur is
	// smooth), so only the inward side tells. Of the rectangles so
	// bounded, the one that leaves the most cells outside: one further
	// out, inside the padding, fits too but explains fewer cells.
	best, bx, by := 0, 0, 0
	for j := 0; j <= ky; j++ {
		for i := 0; i <= kx; i++ {
			m := miss[j*stride+i]
			if m > 2*coverFit {
				continue
			}
			inX, inY := miss[j*stride+i+1], miss[(j+1)*stride+i]
			tx, ty := edgeFits(m, inX, inY, float64(2*i), float64(2*j))
			if out := g.nx*g.ny - (g.nx-4*i)*(g.ny-4*j); out > best && (tx || ty) {
				best, bx, by = out, 2*i, 2*j
			}
		}
	}
	if best == 0 {
		return image.Rectangle{}, 0, false
	}
	f := newFullLuma(pix, width, height, channels)
	x0, y0 := int(float64(bx)*g.cw+0.5), int(float64(by)*g.ch+0.5)
	x1, y1 := width-x0, height-y0
	// The coarse edge may lie up to three cells in from the picture's
	// (a rectangle that cuts a little of the picture's calm edge still
	// fits), rarely out from it.
	var peak [2]float64
	if bx > 0 {
		x0, x1, peak[0] = f.refineCentred(false, x0-int(g.cw*3.5+0.5), x0+int(g.cw*1.5+0.5), y0, y1, width)
	}
	if by > 0 {
		y0, y1, peak[1] = f.refineCentred(true, y0-int(g.ch*3.5+0.5), y0+int(g.ch*1.5+0.5), x0, x1, height)
	}
	// Verify the refined rectangle as centred.
	mx := float64(x0+width-x1) / 2 / g.cw
	my := float64(y0+height-y1) / 2 / g.ch
	fine := g.score(mx, my, 1)
	if !fine.ok || fine.miss > coverFit || fine.spread < coverSpread || fine.gain < coverGainMin || fine.gain > coverGainMax {
		return image.Rectangle{}, 0, false
	}
	inX, inY := g.score(mx+2, my, 1), g.score(mx, my+2, 1)
	if !inX.ok || !inY.ok {
		return image.Rectangle{}, 0, false
	}
	// On an axis that shows the edge, the picture meets the blur along a
	// straight line on both sides: the step across it stands out of the
	// steps nearby, where a photo's own calm edges fade.
	tx, ty := edgeFits(fine.miss, inX.miss, inY.miss, mx, my)
	if !(tx && peak[0] >= coverPeak) && !(ty && peak[1] >= coverPeak) {
		return image.Rectangle{}, 0, false
	}
	return image.Rect(x0, y0, x1, y1), fine.miss, true
}

// refineCentred returns the line in [lo, hi] and its mirror (the first
// line past the picture, n-p or one more when the free space is odd)
// with the largest step across both together (a side whose sky meets the
// blurred sky steps little, its mirrored side may step clearly), and how
// many times the mean of the range that step is (0 when it is under
// coverStepMin a side).
func (f *fullLuma) refineCentred(horizontal bool, lo, hi, a, b, n int) (int, int, float64) {
	best, bestStep, far := lo, -1, n-lo
	sum, cnt := 0, 0
	for p := max(1, lo); p <= hi && p < n/2; p++ {
		s := f.step(horizontal, p, a, b)
		for _, q := range [2]int{n - p, n - p + 1} {
			if q >= n {
				continue
			}
			t := s + f.step(horizontal, q, a, b)
			sum, cnt = sum+t, cnt+1
			if t > bestStep {
				best, bestStep, far = p, t, q
			}
		}
	}
	if sum == 0 || bestStep < 2*16*coverStepMin {
		return best, far, 0
	}
	return best, far, float64(bestStep) * float64(cnt) / float64(sum)
}

// coverPadded is fromCover as a proposed region.
func coverPadded(pix []byte, width, height, channels int) []scored {
	r, _, ok := fromCover(pix, width, height, channels)
	if !ok {
		return nil
	}
	return []scored{{Region{Rect: r, Kind: KindPadding, Size: image.Pt(width, height), Margin: "a blurred enlarged copy of itself"}, 0}}
}

// withCover adds the picture found by its padding's geometry to the
// regions the rules found, unless one of them nearly coincides with it
// (the rules' edges come from the seams at full resolution and are as
// good or better), last, in place of the weakest when Find's list is full.
func withCover(out []Region, covered []scored, width, height int) []Region {
	for _, c := range covered {
		if c.Rect.Dx() < 8 || c.Rect.Dy() < 8 || c.Rect == image.Rect(0, 0, width, height) || duplicate(out, c.Rect) {
			continue
		}
		if len(out) == MaxRegions {
			out = out[:MaxRegions-1]
		}
		out = append(out, c.Region)
	}
	return out
}

// edgeFits reports on which axes a rectangle with margins mx and my (in
// cells) whose padding leaves miss unexplained shows the picture's edge,
// given the misses of rectangles two cells further in on each axis: an
// axis with a margin of coverLeast cells or more where moving in is
// clearly worse (the picture's sharp lines fall outside), while on the
// other axis moving in is no better (a sky at the picture's edge goes on
// into the blurred sky, so moving that edge in may cost little). On an
// axis without padding, moving in always cuts the picture and tells
// nothing.
func edgeFits(miss, inX, inY, mx, my float64) (x, y bool) {
	x = mx >= coverLeast && inX >= coverOff && miss <= coverSharp*inX
	y = my >= coverLeast && inY >= coverOff && miss <= coverSharp*inY
	if min(inX, inY) < miss {
		return false, false
	}
	return x, y
}

// centredAll reports whether the line rules already found a picture centred
// with a margin on all four sides: the seams at full resolution place it
// as well as the padding's geometry would, for no search.
func centredAll(found []scored, width, height int) bool {
	for _, f := range found {
		r := f.Rect
		dx, dy := r.Min.X-(width-r.Max.X), r.Min.Y-(height-r.Max.Y)
		if r.Min.X > 0 && r.Min.Y > 0 && r.Max.X < width && r.Max.Y < height &&
			max(dx, -dx) <= 2+width/100 && max(dy, -dy) <= 2+height/100 {
			return true
		}
	}
	return false
}

// ringSpread is the standard deviation of the cells of the grid's outer
// ring, two cells deep.
func (g *coverGrid) ringSpread() float64 {
	var n, sum, sq float64
	for j := 0; j < g.ny; j++ {
		for i := 0; i < g.nx; i++ {
			if i >= 2 && i < g.nx-2 && j >= 2 && j < g.ny-2 {
				i = g.nx - 3
				continue
			}
			v := float64(g.levels[0][j*g.nx+i])
			n, sum, sq = n+1, sum+v, sq+v*v
		}
	}
	return math.Sqrt(max(0, sq/n-(sum/n)*(sum/n)))
}
