package region

import "slices"

// Sides of a box, as indexes into [4] arrays.
const (
	left = iota
	top
	right
	bottom
)

var sideNames = [4]string{"left", "top", "right", "bottom"}

// cand is a candidate region in working coordinates.
type cand struct {
	b      box
	kind   Kind
	sides  [4]bool // trimmed sides
	exact  bool    // sides need no full-resolution refinement (replicated padding)
	score  float64
	margin string // what surrounds it, for Explain
}

// colourTol is the largest per-channel difference between two pixels of
// one uniform colour after JPEG re-encoding.
const colourTol = 12

// pixDiff is the largest per-channel difference between working pixels i and j.
func (k *work) pixDiff(i, j int) int {
	d := 0
	for c := 0; c < 3; c++ {
		v := int(k.rgb[3*i+c]) - int(k.rgb[3*j+c])
		d = max(d, v, -v)
	}
	return d
}

// line returns the working pixel indexes of the line just inside side s of
// b, offset d lines inward (d may be negative: outside the box), clipped to
// the image, in buf's memory.
func (k *work) line(b box, s, d int, buf []int) []int {
	return k.appendLine(buf[:0], b, s, d)
}

// appendLine appends line's indexes to dst, growing it once: appending
// them one at a time to a nil slice reallocated it up to ten times a line,
// and the trims read hundreds of lines a photo.
func (k *work) appendLine(dst []int, b box, s, d int) []int {
	switch s {
	case top, bottom:
		y := b.y0 + d
		if s == bottom {
			y = b.y1 - 1 - d
		}
		if y < 0 || y >= k.h {
			return dst
		}
		dst = slices.Grow(dst, b.x1-b.x0)
		for x := b.x0; x < b.x1; x++ {
			dst = append(dst, y*k.w+x)
		}
	default:
		x := b.x0 + d
		if s == right {
			x = b.x1 - 1 - d
		}
		if x < 0 || x >= k.w {
			return dst
		}
		dst = slices.Grow(dst, b.y1-b.y0)
		for y := b.y0; y < b.y1; y++ {
			dst = append(dst, y*k.w+x)
		}
	}
	return dst
}

// medianColour returns the per-channel median colour of the pixels.
func (k *work) medianColour(idx []int) [3]uint8 {
	var out [3]uint8
	for c := 0; c < 3; c++ {
		var hist [256]int
		for _, i := range idx {
			hist[k.rgb[3*i+c]]++
		}
		n, half := 0, len(idx)/2
		for v := range hist {
			n += hist[v]
			if n > half {
				out[c] = uint8(v)
				break
			}
		}
	}
	return out
}

// nearColour reports whether working pixel i is within tol of col on
// every channel.
func (k *work) nearColour(i int, col [3]uint8, tol int) bool {
	// Branch-free (d+tol as unsigned is at most 2*tol): whether a pixel
	// is near is as good as random along a line.
	p := k.rgb[3*i : 3*i+3 : 3*i+3]
	d0 := uint(int(p[0]) - int(col[0]) + tol)
	d1 := uint(int(p[1]) - int(col[1]) + tol)
	d2 := uint(int(p[2]) - int(col[2]) + tol)
	return max(d0, d1, d2) <= uint(2*tol)
}

// innerTrim removes thin uniform margins inside a component's box: the
// bubble around a photo in a chat, or a frame's inner stroke. It trims at
// most 6% of a side, so a picture's own flat sky is not mistaken for one.
func (k *work) innerTrim(b box) box {
	var buf []int
	// A side on the image's edge has no bubble around it: a uniform band
	// there is either the frame itself, which the picture's dark or light
	// edge joined (the band has the frame's colour), or the picture's own
	// sky or table, which stays.
	onEdge := [4]bool{b.x0 == 0, b.y0 == 0, b.x1 == k.w, b.y1 == k.h}
	var outside []int
	for s := 0; s < 4; s++ {
		if !onEdge[s] {
			outside = k.appendLine(outside, b, s, -1)
		}
	}
	frame, framed := [3]uint8{}, len(outside) > 0
	if framed {
		frame = k.medianColour(outside)
	}
	for s := 0; s < 4; s++ {
		limit := b.h() * 6 / 100
		if s == left || s == right {
			limit = b.w() * 6 / 100
		}
		var ref [3]uint8
		n := 0
		for n < limit {
			idx := k.line(b, s, 0, buf)
			buf = idx
			col := k.medianColour(idx)
			if (n > 0 && !sameColour(col, ref)) || (onEdge[s] && (!framed || !sameColour(col, frame))) {
				break
			}
			match := k.countNearAt(idx, col, colourTol) // near.go
			if match*100 < 94*len(idx) {
				break
			}
			ref = col
			n++
			switch s {
			case left:
				b.x0++
			case top:
				b.y0++
			case right:
				b.x1--
			default:
				b.y1--
			}
		}
	}
	return b
}

func sameColour(a, b [3]uint8) bool {
	for c := 0; c < 3; c++ {
		d := int(a[c]) - int(b[c])
		if d > colourTol || d < -colourTol {
			return false
		}
	}
	return true
}

// cutAtGaps removes from b a small part (a chat's text bubble) that joined
// the picture across a thin gap of the surroundings' colour: JPEG ringing
// between two bubbles a few pixels apart leaves no flat background there.
// The part removed holds solid content (a fifth of a line or more unlike
// the surroundings, then two lines of their colour), so a picture's own
// sky of that colour is not cut off.
func (k *work) cutAtGaps(b box) box {
	var outside []int
	onEdge := [4]bool{b.x0 == 0, b.y0 == 0, b.x1 == k.w, b.y1 == k.h}
	for s := 0; s < 4; s++ {
		if !onEdge[s] {
			outside = k.appendLine(outside, b, s, -1)
		}
	}
	if len(outside) == 0 {
		return b
	}
	col := k.medianColour(outside)
	var buf []int
	for _, s := range [4]int{top, bottom, left, right} {
		depth := b.h()
		if s == left || s == right {
			depth = b.w()
		}
		solid, gap := false, 0
		for d := 0; d < depth*40/100; d++ {
			buf = k.line(b, s, d, buf)
			near := k.countNearAt(buf, col, colourTol)
			// Solid: a fifth of the line unlike the surroundings (a
			// short text bubble is narrower than half the photo).
			if near*100 < 80*len(buf) || k.sideBlock(buf, col) {
				solid, gap = true, 0
				continue
			}
			if near*100 < 95*len(buf) || !solid {
				gap = 0
				continue
			}
			// Two gap lines after solid content (a picture's own thin
			// line of that colour is one): cut there.
			if gap++; gap < 2 {
				continue
			}
			switch s {
			case top:
				b.y0 += d
			case bottom:
				b.y1 -= d
			case left:
				b.x0 += d
			default:
				b.x1 -= d
			}
			break
		}
	}
	return b
}

// straight reports whether side s of b is a picture's edge: along most of
// its length the pixels just inside differ from those just outside. A
// subject's outline against a wall or a skyline against the sky touches
// its bounding box at a few points only.
func (k *work) straight(b box, s int) bool {
	var in, out []int
	best := 0.0
	for d := 0; d < 2; d++ {
		in = k.line(b, s, d, in)
		out = k.line(b, s, -1-d, out)
		if len(in) == 0 || len(out) != len(in) {
			continue
		}
		diff := 0
		for j, i := range in {
			if k.pixDiff(i, out[j]) > colourTol || !k.flat[i] {
				diff++
			}
		}
		best = max(best, float64(diff)/float64(len(in)))
	}
	return best >= 0.6
}

// fromComponents proposes the boxes of large content components, with
// their straight sides trimmed and their margins classified.
func (k *work) fromComponents() []cand {
	total := k.w * k.h
	var out []cand
	for _, c := range k.components(total * 12 / 100) {
		b := k.innerTrim(k.cutAtGaps(c.b))
		var sides [4]bool
		inset := [4]int{b.x0, b.y0, k.w - b.x1, k.h - b.y1}
		for s := 0; s < 4; s++ {
			if inset[s] >= 1 && k.straight(b, s) {
				sides[s] = true
				continue
			}
			// Not a picture's edge: keep everything on that side.
			switch s {
			case left:
				b.x0 = 0
			case top:
				b.y0 = 0
			case right:
				b.x1 = k.w
			default:
				b.y1 = k.h
			}
		}
		if cd, ok := k.classify(b, sides); ok {
			out = append(out, cd)
		}
	}
	return out
}

// marginStats describes the pixels outside b: the share of its dominant
// colour, the share of content (non-background) pixels, and that colour.
func (k *work) marginStats(b box) (dom, marks float64, col [3]uint8) {
	var hist [512]int
	n, content := 0, 0
	k.outsideRuns(b, func(i0, i1 int) {
		for i := i0; i < i1; i++ {
			p := k.rgb[3*i : 3*i+3 : 3*i+3]
			hist[int(p[0]>>5)<<6|int(p[1]>>5)<<3|int(p[2]>>5)]++
			content += 1 - b2i(k.bg[i])
		}
		n += i1 - i0
	})
	if n == 0 {
		return 0, 0, col
	}
	mode := 0
	for i := range hist {
		if hist[i] > hist[mode] {
			mode = i
		}
	}
	// The mean colour of the mode bin, then the share of pixels near it.
	var sum [3]int
	m := 0
	k.outsideRuns(b, func(i0, i1 int) {
		for i := i0; i < i1; i++ {
			p := k.rgb[3*i : 3*i+3 : 3*i+3]
			if int(p[0]>>5)<<6|int(p[1]>>5)<<3|int(p[2]>>5) == mode {
				sum[0], sum[1], sum[2] = sum[0]+int(p[0]), sum[1]+int(p[1]), sum[2]+int(p[2])
				m++
			}
		}
	})
	for c := range col {
		col[c] = uint8(sum[c] / m)
	}
	near := 0
	k.outsideRuns(b, func(i0, i1 int) {
		near += countNear(k.rgb[3*i0:3*i1], col, 2*colourTol)
	})
	return float64(near) / float64(n), float64(content) / float64(n), col
}

// outsideRuns calls f with the runs [i0, i1) of working pixel indexes
// outside b, row by row: the rows above and below it whole, beside it the
// parts left and right of it, rather than testing every pixel against b.
func (k *work) outsideRuns(b box, f func(i0, i1 int)) {
	x0, x1 := max(b.x0, 0), min(b.x1, k.w)
	inside := x0 < x1 && max(b.y0, 0) < min(b.y1, k.h)
	for y := 0; y < k.h; y++ {
		row := y * k.w
		if !inside || y < b.y0 || y >= b.y1 {
			f(row, row+k.w)
			continue
		}
		if x0 > 0 {
			f(row, row+x0)
		}
		if x1 < k.w {
			f(row+x1, row+k.w)
		}
	}
}

// classify names what surrounds b and decides whether the evidence is
// enough to propose it.
func (k *work) classify(b box, sides [4]bool) (cand, bool) {
	n := 0
	for _, s := range sides {
		if s {
			n++
		}
	}
	if n == 0 || !k.plausible(b, screenshotArea) {
		return cand{}, false
	}
	dom, marks, _ := k.marginStats(b)
	cd := cand{b: b, sides: sides, score: float64(b.area()) / float64(k.w*k.h)}
	onlyBars := !sides[left] && !sides[right]
	switch {
	case marks >= 0.003 && dom >= 0.75 && onlyBars && (b.y0 >= k.h/20 || k.h-b.y1 >= k.h/20):
		cd.kind, cd.margin = KindCaption, "a caption bar"
	case marks >= 0.003 && n >= 3:
		cd.kind, cd.margin = KindScreenshot, "a screenshot's surroundings"
	case marks < 0.003 && dom >= 0.9 && n >= 2:
		cd.kind, cd.margin = KindBorder, "a uniform border"
		if onlyBars {
			cd.kind, cd.margin = KindLetterbox, "letterbox bars"
		} else if !sides[top] && !sides[bottom] {
			cd.kind, cd.margin = KindPillarbox, "pillarbox bars"
		}
	case marks < 0.003 && ((sides[top] && sides[bottom]) || (sides[left] && sides[right])):
		cd.kind, cd.margin = KindPadding, "smooth padding"
	default:
		return cand{}, false
	}
	// A photo in a chat is often a small part of the phone's screen; the
	// app's marks around it are the evidence. Anything else stays at 15%.
	if cd.kind != KindScreenshot && !k.plausible(b, 15) {
		return cand{}, false
	}
	cd.score += 1
	return cd, true
}

// screenshotArea is the least share of the image, in percent, a picture
// in a screenshot covers.
const screenshotArea = 8

// plausible reports whether b can be a whole picture: at least least% of
// the image, at most 5:1, and at most 94% of it: a region nearly the whole
// image hashes like the image, so it would add a lookup and no recall.
func (k *work) plausible(b box, least int) bool {
	if b.w() <= 0 || b.h() <= 0 || b.area()*100 < least*k.w*k.h {
		return false
	}
	if b.w() > 5*b.h() || b.h() > 5*b.w() {
		return false
	}
	return b.area()*100 <= 94*k.w*k.h
}
