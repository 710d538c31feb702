package region

import "image"

// Bars are read from the line profiles at full resolution: a run of lines
// from an edge of the image that are one colour (a letterbox bar, a
// frame's side, a caption bar whose lines may carry text), ending in a
// step across nearly the whole line into the picture. The working copy
// finds most of them too, but its background flood enters a picture that
// touches the image's other edges (a letterboxed picture spans the whole
// width) through the picture's own flat dark or light areas, and the
// component left over no longer has the picture's sides.

// barEnd follows the bar at one end of this axis (from line 0 when dir is
// 1, from the last line when dir is -1). It returns the picture's first
// line past the bar (as an exclusive end when dir is -1), the bar's
// colour, whether lines of the bar carry marks (a caption's text) between
// plain lines, and ok when the bar is there and ends in a step across the
// line. reach is how far the bar's colour runs from the edge even when no
// such step ends it (a picture's own edge of that colour continues it).
func (p *lineProfile) barEnd(dir int) (edge int, colour float32, marked, ok bool, reach int) {
	n := p.n
	if n < 16 {
		return 0, 0, false, false, 0
	}
	first := 0
	if dir < 0 {
		first = n - 1
	}
	// The two outermost lines are one colour, tightly: a bar is drawn, a
	// sky shades.
	if !p.plain(first, -1) || !p.plain(first+dir, -1) {
		return 0, 0, false, false, 0
	}
	colour = p.mean[first+dir]
	l, text, plainAfter, glyphs := first+2*dir, 0, 0, 0
	t0 := -1 // the first line of text, from the edge
	// The caption's own text is the first block of text lines (lines of
	// one caption are close together); the bar's
	// colour may run on past it into the picture (a white background
	// under a white bar). soft is the first line past that block that is
	// not plain: where the colour ends, even without a step across the
	// line (a hazy sky under a white bar).
	run := captionRun{soft: -1}
	for ; (l-first)*dir < n*45/100; l += dir {
		at := (l - first) * dir
		if p.plain(l, colour) {
			if text > 0 {
				plainAfter++
				run.plain++
			}
			continue
		}
		if run.closed(t0) && run.soft < 0 {
			run.soft = at
		}
		// A plain bar (no text) that gives way sharply to lines of
		// another uniform colour: the picture's own edge, nearly the
		// bar's colour, with no step across the line. The bar ends
		// there (as colourEnd places it), not at a step deeper inside
		// the picture.
		if text == 0 && p.softEdge(l, dir, colour) {
			return p.largestStep(l-dir, l+2), colour, false, true, at
		}
		// A line of text: mostly the bar's colour, or less of it
		// between many strokes (large letters).
		// (A line near the bar's colour without marks is JPEG's ringing
		// next to the text or the picture.)
		mk := p.marks(l, colour)
		if sh := p.nearShare(l, colour); sh >= 0.5 || (sh >= 0.3 && mk >= 6) {
			if mk >= 2 {
				text++
				plainAfter = 0
				glyphs = max(glyphs, mk)
				if t0 < 0 {
					t0 = at
				}
				// Letters' strokes are thin: a few samples each. A row
				// of objects on a white table is a few wide runs.
				thin := p.offShare(l, colour)*float64(p.m) <= strokeRun*float64(mk)
				// Another line of thin marks before the bar's middle
				// would be passed is the caption's next line of text.
				if run.closed(t0) && thin && at < t0+run.end+1 {
					run.plain, run.soft = 0, -1
				}
				if !run.closed(t0) {
					run.end, run.plain = at, 0
					if thin {
						run.glyphs = max(run.glyphs, mk)
					}
				}
			}
			continue
		}
		break
	}
	if (l-first)*dir >= n*45/100 {
		// The colour runs on: a white picture under a white caption bar,
		// or no bar.
		if d, ok := run.bar(t0, colour, n*45/100); ok {
			edge = d
			if dir < 0 {
				edge = n - d
			}
			return edge, colour, true, true, n * 45 / 100
		}
		return 0, colour, false, false, n * 45 / 100
	}
	// The step into the picture: the largest one among the lines the
	// resizing blended, and it must cross most of the line.
	e := p.largestStep(l-1, l+2)
	if dir < 0 {
		e = p.largestStep(l, l+3)
	}
	if max(p.wide[e], p.wide[min(e+1, n-1)]) < 0.5 {
		// No step: the picture's own edge has the bar's colour (a white
		// background under a white caption bar). A caption's text sits
		// in the middle of its bar, so the bar ends as far past the text
		// as it starts before it, when the colour runs on that far. Only
		// for a bar of pure white or black, as caption bars are drawn: a
		// wall with a sign on it is seldom either.
		if d, ok := run.bar(t0, colour, (l-first)*dir); ok {
			edge = d
			if dir < 0 {
				edge = n - d
			}
			return edge, colour, true, true, (l - first) * dir
		}
		return 0, colour, false, false, (l - first) * dir
	}
	// Text is several marks along a line, with plain lines between it
	// and the picture: a bird in a plain sky is one mark.
	return e, colour, glyphs >= 3 && plainAfter >= 2, true, (l - first) * dir
}

// captionRun follows a caption's text in a bar from the image's edge, in
// lines from that edge: the last line of its first run of text lines, the
// most marks on one of them, the plain lines after it, and soft, the first
// line after two plain ones that is not plain (-1: none before the bar's
// colour gives way).
type captionRun struct {
	end, glyphs, plain int
	soft               int
}

// closed reports whether the caption's text block, which started at line
// t0, has ended: as many plain lines past it as half the bar's margin
// before it, and two at least. The text sits in the middle of its bar, and
// the lines of one caption are closer than that.
func (c captionRun) closed(t0 int) bool {
	return t0 >= 0 && c.plain >= max(2, t0/2)
}

// bar returns where a caption bar ends when no step across the line ends
// it, the bar's colour running on into the picture: as far past the text
// as the bar starts before it (a caption's text sits in the middle of its
// bar), or where the colour ends (soft) when that comes first. reach is
// how far the colour runs. Only for a bar of pure white or black, as
// caption bars are drawn (a wall with a sign on it is seldom either), with
// text of several marks along a line (a bird in a plain sky is one).
func (c captionRun) bar(t0 int, colour float32, reach int) (int, bool) {
	if c.glyphs < captionGlyphs || !c.closed(t0) || t0 < 2 || !(colour >= 250 || colour <= 5) {
		return 0, false
	}
	d := min(t0+c.end+1, reach)
	if c.soft >= 0 {
		d = min(d, c.soft)
	}
	// Two plain lines at least between the text and the picture.
	if d < c.end+3 {
		return 0, false
	}
	return d, true
}

// captionGlyphs is the fewest thin marks along one line of a caption's
// text that ends a bar past it: a short caption crosses five strokes.
const captionGlyphs = 5

// marks counts the runs of line l's samples that stand out of colour: the
// strokes of letters across a caption's line.
func (p *lineProfile) marks(l int, colour float32) int {
	runs, in := 0, false
	for _, v := range p.samples(l) {
		d := float32(v) - colour
		off := d > 2*colourTol || d < -2*colourTol
		if off && !in {
			runs++
		}
		in = off
	}
	return runs
}

// plainTol is the largest difference from a bar line's mean of any of its
// samples: JPEG keeps a flat colour within a few levels.
const plainTol = 6

// plain reports whether every sample of line l is within plainTol of its
// mean and, when colour is not negative, that mean within gapTol of colour.
func (p *lineProfile) plain(l int, colour float32) bool {
	if l < 0 || l >= p.n {
		return false
	}
	m := p.mean[l]
	if colour >= 0 && (m-colour > gapTol || colour-m > gapTol) {
		return false
	}
	for _, v := range p.samples(l) {
		if d := float32(v) - m; d > plainTol || d < -plainTol {
			return false
		}
	}
	return true
}

// strokeRun is the most samples a text's mark spans on average along a
// line: a letter's stroke is thin.
const strokeRun = 3

// offShare is the share of line l's samples that stand out of colour as
// marks count them.
func (p *lineProfile) offShare(l int, colour float32) float64 {
	off := 0
	s := p.samples(l)
	for _, v := range s {
		if d := float32(v) - colour; d > 2*colourTol || d < -2*colourTol {
			off++
		}
	}
	return float64(off) / float64(len(s))
}

// nearShare is the share of line l's samples within colourTol of colour.
func (p *lineProfile) nearShare(l int, colour float32) float64 {
	near := 0
	s := p.samples(l)
	for _, v := range s {
		if d := float32(v) - colour; d <= colourTol && d >= -colourTol {
			near++
		}
	}
	return float64(near) / float64(len(s))
}

// fromBars proposes the picture between bars: on both ends of an axis
// (letterbox or pillarbox bars, a frame), or on one end when that bar
// carries text between plain lines (a caption). Both axes' bars are
// combined into one rectangle.
func fromBars(rows, cols *lineProfile, width, height int) []scored {
	var r [4]int
	var found [4]bool
	var cap [4]bool
	var col [4]float32
	var reach [4]int
	r[top], col[top], cap[top], found[top], reach[top] = rows.barEnd(1)
	r[bottom], col[bottom], cap[bottom], found[bottom], reach[bottom] = rows.barEnd(-1)
	r[left], col[left], cap[left], found[left], reach[left] = cols.barEnd(1)
	r[right], col[right], cap[right], found[right], reach[right] = cols.barEnd(-1)
	direct := found // before any side is completed from the others
	evenFrame(&r, &found, col, reach, width, height)
	centredBars(&r, &found, col, reach, width, height)
	softFrame(&r, &found, col, reach, rows, cols)
	if !found[top] {
		r[top] = 0
	}
	if !found[bottom] {
		r[bottom] = height
	}
	if !found[left] {
		r[left] = 0
	}
	if !found[right] {
		r[right] = width
	}
	// Every bar is one colour, as a frame or bars are drawn; a picture's
	// own sky and ground seldom are.
	n, one := 0, true
	for s, f := range found {
		if !f {
			continue
		}
		n++
		for o := range found {
			if d := col[s] - col[o]; found[o] && (d > 2*colourTol || d < -2*colourTol) {
				one = false
			}
		}
	}
	kind, margin := KindBorder, "a uniform border"
	// A bar with text is a caption's, or an app's header (a chat's name
	// and clock): never one of a pair of plain bars.
	for s, f := range found {
		if f && cap[s] {
			one = false
		}
	}
	switch {
	case one && (n >= 3 || (found[top] && found[bottom]) || (found[left] && found[right])):
		if !found[left] && !found[right] {
			kind, margin = KindLetterbox, "letterbox bars"
		} else if !found[top] && !found[bottom] {
			kind, margin = KindPillarbox, "pillarbox bars"
		}
	case captionBar(cap[top], col[top]) || captionBar(cap[bottom], col[bottom]):
		// A caption bar above or below: the far end may be the picture's
		// own flat edge, which stays; so does a marked band there of
		// another colour (a hazy sky with the picture showing through).
		kind, margin = KindCaption, "a caption bar"
		r[left], r[right] = 0, width
		if !captionBar(cap[top], col[top]) {
			r[top] = 0
		}
		if !captionBar(cap[bottom], col[bottom]) {
			r[bottom] = height
		}
	default:
		return nil
	}
	rect := image.Rect(r[left], r[top], r[right], r[bottom])
	w, h := rect.Dx(), rect.Dy()
	if w <= 0 || h <= 0 || w*h*100 < 15*width*height || w*h*100 > 94*width*height || w > 5*h || h > 5*w {
		return nil
	}
	// A frame whose four sides each end in a step or a sharp change of
	// colour at full resolution ranks above the working copy's nearly
	// equal box (which would hide it as a duplicate): the working copy
	// leaves a side open, or places it wrongly, where the picture's edge
	// is nearly the frame's colour. A side completed from the others
	// (evenFrame, softFrame) is a guess, ranked as before.
	score := 0.97
	if kind == KindBorder && direct == [4]bool{true, true, true, true} {
		score = 2.5
	}
	return []scored{{Region{Rect: rect, Kind: kind, Size: image.Pt(width, height), Margin: margin}, score}}
}

// captionBar reports whether a bar with marks is a caption's: pure white
// or black, as caption bars are drawn.
func captionBar(marked bool, colour float32) bool {
	return marked && (colour >= 250 || colour <= 5)
}

// gapSplit finds two pictures shown across a thin gap (the white line a
// collage app leaves between them): one run of a few plain lines of one
// colour across the middle half of the axis, with content on both sides.
// split finds most gaps from the jumps at their edges; it refuses a
// picture with a pattern of such jumps (a checkerboard, shelves), which
// the gap, one plain run, does not need. It returns the end of the first
// picture and the start of the second.
func (p *lineProfile) gapSplit() (end, start int, ok bool) {
	n := p.n
	lo, hi := max(n*25/100, 4), min(n*75/100, n-4)
	limit := max(3, n/40) + 6
	runs := 0
	for l := lo; l < hi; l++ {
		if p.flat[l] < 0.97 || !p.plain(l, -1) {
			continue
		}
		r := l + 1
		for r < n && p.flat[r] >= 0.97 && p.plain(r, p.mean[l]) {
			r++
		}
		if r-l >= 2 && r-l <= limit && !p.plain(l-2, -1) && !p.plain(r+1, -1) {
			runs++
			end, start = p.largestStep(l-1, l+2), p.largestStep(r-1, r+2)
		}
		l = r
	}
	// One run: a grid or a strip of three panels is not two pictures.
	if runs != 1 {
		return 0, 0, false
	}
	return end, start, true
}

// evenFrame completes a frame of one width on all four sides (the common
// border) when some of its sides end in a step and the others, where the
// picture's own edge has the frame's colour, run on at least as far: the
// picture's side there is at the frame's width. Sides already found and
// the frame's colour must agree.
func evenFrame(r *[4]int, found *[4]bool, col [4]float32, reach [4]int, width, height int) {
	var w []int
	for s := range found {
		if reach[s] == 0 {
			return // a side with no bar: no frame
		}
		if d := col[s] - col[0]; d > 2*colourTol || d < -2*colourTol {
			return
		}
		if found[s] {
			switch s {
			case left, top:
				w = append(w, r[s])
			case right:
				w = append(w, width-r[s])
			default:
				w = append(w, height-r[s])
			}
		}
	}
	if len(w) == 0 || len(w) == 4 {
		return
	}
	lo, hi := w[0], w[0]
	for _, v := range w {
		lo, hi = min(lo, v), max(hi, v)
	}
	// Scaling rounds a frame's sides apart by a pixel or two.
	if hi-lo > 2+max(width, height)/200 || lo < 2 {
		return
	}
	wd := (lo + hi) / 2
	for s := range found {
		if found[s] {
			continue
		}
		if reach[s] < wd-1 {
			return // the bar ends short of the frame's width: not one frame
		}
	}
	for s := range found {
		if found[s] {
			continue
		}
		switch s {
		case left, top:
			r[s] = wd
		case right:
			r[s] = width - wd
		default:
			r[s] = height - wd
		}
		found[s] = true
	}
}

// centredBars completes letterbox or pillarbox bars of one height (an app
// centres the picture) when one bar ends in a step and the other, where
// the picture's own edge has the bars' colour, runs at least as far: the
// picture's side there is as far from the image's edge. The other axis
// has no bars.
func centredBars(r *[4]int, found *[4]bool, col [4]float32, reach [4]int, width, height int) {
	for _, pair := range [2][2]int{{top, bottom}, {left, right}} {
		a, b := pair[0], pair[1]
		c, d := (a+1)%4, (b+1)%4 // the other axis
		if reach[c] > 0 || reach[d] > 0 || found[a] == found[b] {
			continue
		}
		if x := col[a] - col[b]; x > 2*colourTol || x < -2*colourTol {
			continue
		}
		n := height
		if a == left {
			n = width
		}
		if found[a] {
			if w := r[a]; w >= 2 && reach[b] >= w-1 {
				r[b], found[b] = n-w, true
			}
		} else if w := n - r[b]; w >= 2 && reach[a] >= w-1 {
			r[a], found[a] = w, true
		}
	}
}

// softFrame closes the sides of a frame (two or more sides found, ending
// in steps, all one colour) where the picture's own edge is nearly the
// frame's colour, so that no step across the line ends the bar there and
// the frame's widths differ (evenFrame cannot complete it): the frame is
// drawn in exactly one colour, and its side ends where lines of another
// uniform colour start sharply (a dark picture edge a few levels
// brighter than a near-black frame).
func softFrame(r *[4]int, found *[4]bool, col [4]float32, reach [4]int, rows, cols *lineProfile) {
	n, c := 0, float32(0)
	for s, f := range found {
		if f {
			n, c = n+1, col[s]
		}
	}
	if n < 2 || n == 4 {
		return
	}
	for s := range found {
		if d := col[s] - c; (found[s] || reach[s] > 0) && (d > 2*colourTol || d < -2*colourTol) {
			return
		}
	}
	for s := range found {
		if found[s] || reach[s] == 0 {
			continue
		}
		p, dir := rows, 1
		if s == left || s == right {
			p = cols
		}
		if s == right || s == bottom {
			dir = -1
		}
		if e, ok := p.colourEnd(dir, col[s], reach[s]); ok {
			r[s], found[s] = e, true
		}
	}
}

// colourEnd follows uniform lines from one end of this axis (as barEnd,
// dir 1 from line 0, -1 from the last), within reach+2 lines (how far
// barEnd found the bar's colour running), to a soft edge. It returns the
// picture's first line (an exclusive end when dir is -1).
func (p *lineProfile) colourEnd(dir int, colour float32, reach int) (int, bool) {
	first := 0
	if dir < 0 {
		first = p.n - 1
	}
	for k := 2; k <= min(reach+2, p.n*45/100); k++ {
		l := first + k*dir
		if p.softEdge(l, dir, colour) {
			// The step between the frame's last line and the picture's
			// first, past the line that resizing blended; as an
			// exclusive end from the far side, the same line.
			return p.largestStep(l-dir, l+2), true
		}
		// Uniform lines only (the last may blend the frame with the
		// picture): marks in the bar are no frame's plain side.
		if p.flat[l] < 0.9 {
			return 0, false
		}
	}
	return 0, false
}

// softEdge reports whether line l, coming from a bar of colour in
// direction dir, starts lines of another uniform colour: l and the two
// lines after it are uniform (no marks: a caption's text is not) and more
// than twice gapTol off colour, and
// the line two before l is still the bar's colour. The change is sharp (a
// picture's edge), not a shading sky's drift, nor a ragged dark margin's
// (whose lines are not uniform).
func (p *lineProfile) softEdge(l, dir int, colour float32) bool {
	b := l - 2*dir
	if b < 0 || b >= p.n || l+2*dir < 0 || l+2*dir >= p.n {
		return false
	}
	if d := p.mean[b] - colour; d > gapTol || d < -gapTol {
		return false
	}
	for k := 0; k < 3; k++ {
		x := l + k*dir
		d := p.mean[x] - colour
		if (d <= 2*gapTol && d >= -2*gapTol) || p.flat[x] < 0.9 || p.marks(x, p.mean[x]) > 0 {
			return false
		}
	}
	return true
}
