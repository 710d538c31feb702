package region

import "image"

// closeBubble finds the fourth side of a picture in a chat bubble whose
// other three sides are straight: the bubble's strip under the picture
// (a timestamp, a caption, the next message close below) joins the
// picture into one component that runs on to the image's edge. The side is
// the first line, going from the opposite side across the picture, where
// the picture ends in a straight step and the next few lines are mostly
// the bubble's colour, as witnessed just outside the opposite side; sparse
// marks (a timestamp's digits) are allowed on them. It returns the sides
// now bounded.
func (f *fullLuma) closeBubble(r image.Rectangle, sides [4]bool) (image.Rectangle, [4]bool) {
	open, n := -1, 0
	for s, ok := range sides {
		if ok {
			n++
		} else {
			open = s
		}
	}
	if n != 3 {
		return r, sides
	}
	horizontal := open == top || open == bottom
	mx0, mx1 := r.Min.X+r.Dx()/10, r.Max.X-r.Dx()/10
	my0, my1 := r.Min.Y+r.Dy()/10, r.Max.Y-r.Dy()/10
	a, b := mx0, mx1
	if !horizontal {
		a, b = my0, my1
	}
	// from, to: the line range to scan, from the closed side; dir the step.
	var from, to, dir int
	var cands []int
	switch open {
	case bottom:
		from, to, dir = r.Min.Y+r.Dx()/5, r.Max.Y-3, 1
		cands = f.outsideLumas(true, r.Min.Y-1, -1, a, b)
	case top:
		from, to, dir = r.Max.Y-1-r.Dx()/5, r.Min.Y+3, -1
		cands = f.outsideLumas(true, r.Max.Y, 1, a, b)
	case right:
		from, to, dir = r.Min.X+r.Dy()/5, r.Max.X-3, 1
		cands = f.outsideLumas(false, r.Min.X-1, -1, a, b)
	default:
		from, to, dir = r.Max.X-1-r.Dy()/5, r.Min.X+3, -1
		cands = f.outsideLumas(false, r.Max.X, 1, a, b)
	}
	// The bubble's colour: just outside the opposite side, or the edge
	// line of another side that is one colour (a margin kept there).
	for o := range sides {
		if sides[o] {
			if l := f.edgeLine(r, o); l >= 0 {
				cands = append(cands, l)
			}
		}
	}
	for p := from; (to-p)*dir > 0; p += dir {
		for _, w := range cands {
			if w < 0 || f.nearShare(horizontal, p, a, b, w) < bubbleShare ||
				f.nearShare(horizontal, p+dir, a, b, w) < bubbleShare ||
				f.nearShare(horizontal, p+2*dir, a, b, w) < bubbleShare {
				continue
			}
			// The picture ends here in a straight step (over one line,
			// or two that resizing blended).
			if max(f.colourStep(horizontal, p-dir, p, a, b), f.colourStep(horizontal, p-2*dir, p, a, b)) < 0.6 {
				continue
			}
			// A frame of the bubble's colour is no bubble: the image
			// ends in another colour that way.
			last := 0
			if dir > 0 {
				last = f.height - 1
				if !horizontal {
					last = f.width - 1
				}
			}
			if !f.distinctFrom(horizontal, p+2*dir, last, a, b) {
				continue
			}
			switch open {
			case bottom:
				r.Max.Y = f.refine(true, p, 1, a, b, f.height)
			case top:
				r.Min.Y = f.refine(true, p+1, 1, a, b, f.height)
			case right:
				r.Max.X = f.refine(false, p, 1, a, b, f.width)
			default:
				r.Min.X = f.refine(false, p+1, 1, a, b, f.width)
			}
			sides[open] = true
			return r, sides
		}
	}
	return r, sides
}

// bubbleShare is the share of a line that must have the bubble's colour:
// the rest may be a timestamp's digits.
const bubbleShare = 0.85

// nearShare is the share of samples of line p over [a, b) within colourTol
// of luma.
func (f *fullLuma) nearShare(horizontal bool, p, a, b, luma int) float64 {
	lim := f.width
	if horizontal {
		lim = f.height
	}
	if p < 0 || p >= lim || b <= a {
		return 0
	}
	stride := max(1, (b-a)/refineSamples)
	n, near := 0, 0
	for i := a; i < b; i += stride {
		var v int
		if horizontal {
			v = f.at(i, p)
		} else {
			v = f.at(p, i)
		}
		if v-luma <= colourTol && luma-v <= colourTol {
			near++
		}
		n++
	}
	return float64(near) / float64(n)
}

// trimBands removes from each trimmed side a bubble's band that the
// working copy kept: the strip under a chat photo that holds its
// timestamp is too wide for trimMargins and not uniform. A band is a run
// of lines from the side inward, at most 15% of the region, mostly of the
// colour just outside the opposite side (the bubble's), ending in a
// straight step into the picture.
func (f *fullLuma) trimBands(r image.Rectangle, sides [4]bool) image.Rectangle {
	mx0, mx1 := r.Min.X+r.Dx()/10, r.Max.X-r.Dx()/10
	my0, my1 := r.Min.Y+r.Dy()/10, r.Max.Y-r.Dy()/10
	out := r
	reach := 2 + max(f.width, f.height)/100
	for s, ok := range sides {
		if !ok || !sides[(s+2)%4] {
			continue
		}
		horizontal := s == top || s == bottom
		a, b := mx0, mx1
		// Marks are looked for along the whole side, but its ends: a
		// timestamp sits in a corner of the strip.
		lo, hi := r.Min.X+r.Dx()/30, r.Max.X-r.Dx()/30
		if !horizontal {
			lo, hi = r.Min.Y+r.Dy()/30, r.Max.Y-r.Dy()/30
		}
		var edge, dir, limit int
		var cands []int
		switch s {
		case top:
			edge, dir, limit = r.Min.Y, 1, r.Dy()*15/100
			cands = f.outsideLumas(true, r.Max.Y, 1, a, b)
		case bottom:
			edge, dir, limit = r.Max.Y-1, -1, r.Dy()*15/100
			cands = f.outsideLumas(true, r.Min.Y-1, -1, a, b)
		case left:
			a, b = my0, my1
			edge, dir, limit = r.Min.X, 1, r.Dx()*15/100
			cands = f.outsideLumas(false, r.Max.X, 1, a, b)
		default:
			a, b = my0, my1
			edge, dir, limit = r.Max.X-1, -1, r.Dx()*15/100
			cands = f.outsideLumas(false, r.Min.X-1, -1, a, b)
		}
		// The bubble's colour: just outside the opposite side or the
		// sides across (the bubble's margin runs along all three), or the
		// edge line of another side that is one colour (the bubble's
		// margin the working copy kept there too).
		cands = append(cands, f.acrossLumas(r, horizontal, sides)...)
		for o := range sides {
			if o != s && sides[o] {
				if l := f.edgeLine(r, o); l >= 0 {
					cands = append(cands, l)
				}
			}
		}
		p, found := edge, false
		for _, w := range cands {
			if w < 0 {
				continue
			}
			// The band's colour in full (two lines in: JPEG's halved
			// chroma blends its first ones): a photo's dark or light
			// edge can have the bubble's luma in another colour.
			col, _ := f.medianRGB(horizontal, edge+2*dir, a, b)
			// The outermost two lines may be blended with what is
			// outside.
			p = edge
			for (p-edge)*dir < 2 && (f.nearShare(horizontal, p, a, b, w) < bubbleShare ||
				f.nearShareRGB(horizontal, p, a, b, col) < bubbleShare) {
				p += dir
			}
			marks := 0
			for (p-edge)*dir <= limit {
				if f.nearShare(horizontal, p, a, b, w) < bubbleShare || f.nearShareRGB(horizontal, p, a, b, col) < bubbleShare {
					break
				}
				if f.marked(horizontal, p, lo, hi, w) {
					marks++
				}
				p += dir
			}
			// A band wider than a bubble's margin holds marks (the
			// time): a picture's own plain border, inside a frame of
			// another colour, stays.
			wide := (p-edge)*dir > reach
			if (p-edge)*dir < 3 || (p-edge)*dir > limit || (wide && marks < 2) {
				continue
			}
			// The picture starts at a straight step of colour, over one
			// line or, when the band ended in colour but not in luma,
			// across two that JPEG's halved chroma blended: the band then
			// ends a line or two before the step.
			blend := 0
			if f.nearShare(horizontal, p, a, b, w) >= bubbleShare {
				blend = 2
			}
			for q := p; (q-p)*dir <= blend; q += dir {
				if max(f.colourStep(horizontal, p-dir, q, a, b), f.colourStep(horizontal, p-dir, q+dir, a, b)) >= 0.6 {
					p, found = q, true
					break
				}
			}
			if found {
				break
			}
		}
		// The band stands out of what is just outside the side.
		// (Two lines either way: JPEG's halved chroma blends the edge.)
		if !found || !f.standsOut(horizontal, edge+2*dir, edge, -dir, reach, a, b) {
			continue
		}
		switch s {
		case top:
			out.Min.Y = f.refine(true, p, 1, a, b, f.height)
		case bottom:
			out.Max.Y = f.refine(true, p+1, 1, a, b, f.height)
		case left:
			out.Min.X = f.refine(false, p, 1, a, b, f.width)
		default:
			out.Max.X = f.refine(false, p+1, 1, a, b, f.width)
		}
	}
	return out
}

// nearShareRGB is nearShare in colour: the share of samples of line p
// over [a, b) whose every channel is within colourTol of col.
func (f *fullLuma) nearShareRGB(horizontal bool, p, a, b int, col [3]int) float64 {
	lim := f.width
	if horizontal {
		lim = f.height
	}
	if p < 0 || p >= lim || b <= a {
		return 0
	}
	stride := max(1, (b-a)/refineSamples)
	n, near := 0, 0
	for i := a; i < b; i += stride {
		o := (i*f.width + p) * f.channels
		if horizontal {
			o = (p*f.width + i) * f.channels
		}
		ok := true
		for c := 0; c < 3 && ok; c++ {
			d := int(f.pix[o+min(c, f.channels-1)]) - col[c]
			ok = d <= colourTol && d >= -colourTol
		}
		if ok {
			near++
		}
		n++
	}
	return float64(near) / float64(n)
}

// colourStep is wideStep in colour: the share of samples over [a, b)
// where some channel differs by at least bigStep between lines p and q. A
// photo's dark edge can have the luma of a dark theme's green bubble, and
// still end in a straight step of colour.
func (f *fullLuma) colourStep(horizontal bool, p, q, a, b int) float64 {
	lim := f.width
	if horizontal {
		lim = f.height
	}
	if p < 0 || q < 0 || p >= lim || q >= lim || b <= a {
		return 0
	}
	stride := max(1, (b-a)/refineSamples)
	n, wide := 0, 0
	for i := a; i < b; i += stride {
		o1, o2 := (i*f.width+p)*f.channels, (i*f.width+q)*f.channels
		if horizontal {
			o1, o2 = (p*f.width+i)*f.channels, (q*f.width+i)*f.channels
		}
		for c := 0; c < f.channels; c++ {
			if d := int(f.pix[o1+c]) - int(f.pix[o2+c]); d >= bigStep || d <= -bigStep {
				wide++
				break
			}
		}
		n++
	}
	return float64(wide) / float64(n)
}

// acrossLumas is the bubble's luma as witnessed just outside the two
// sides of r across a band on a horizontal (top or bottom) side, or along
// it otherwise, where those sides are trimmed.
func (f *fullLuma) acrossLumas(r image.Rectangle, horizontal bool, sides [4]bool) []int {
	var out []int
	if horizontal {
		a, b := r.Min.Y+r.Dy()/10, r.Max.Y-r.Dy()/10
		if sides[left] {
			out = append(out, f.outsideLumas(false, r.Min.X-1, -1, a, b)...)
		}
		if sides[right] {
			out = append(out, f.outsideLumas(false, r.Max.X, 1, a, b)...)
		}
		return out
	}
	a, b := r.Min.X+r.Dx()/10, r.Max.X-r.Dx()/10
	if sides[top] {
		out = append(out, f.outsideLumas(true, r.Min.Y-1, -1, a, b)...)
	}
	if sides[bottom] {
		out = append(out, f.outsideLumas(true, r.Max.Y, 1, a, b)...)
	}
	return out
}

// standsOut reports whether the band at line p differs in colour from
// what lies two to reach lines from edge in direction out: the side found
// may stop short of the bubble's edge (at the time's digits, or a line
// that resizing blended with the chat around it). A frame of the band's
// colour wider than a margin's reach does not stand out.
func (f *fullLuma) standsOut(horizontal bool, p, edge, out, reach, a, b int) bool {
	for d := 2; d <= reach; d++ {
		if f.distinctFrom(horizontal, p, edge+d*out, a, b) {
			return true
		}
	}
	return false
}

// outsideLumas is the bubble's luma as witnessed outside a side: the
// median of line p, and of the next two lines outward (dir) that are one
// colour. The line just outside is often blended with the picture by
// resizing and JPEG's halved chroma, while a bubble's margin is a few
// pixels wide.
func (f *fullLuma) outsideLumas(horizontal bool, p, dir, a, b int) []int {
	out := []int{f.medianLine(horizontal, p, a, b)}
	for q := p + dir; (q-p)*dir <= 2; q += dir {
		m := f.medianLine(horizontal, q, a, b)
		if m < 0 || f.nearShare(horizontal, q, a, b, m) < bubbleShare {
			continue
		}
		dup := false
		for _, v := range out {
			dup = dup || (v-m <= 2 && m-v <= 2)
		}
		if !dup {
			out = append(out, m)
		}
	}
	return out
}

// edgeLine is the median luma of the outermost line of side s of r, over
// its middle, when that line is one colour; else -1.
func (f *fullLuma) edgeLine(r image.Rectangle, s int) int {
	horizontal := s == top || s == bottom
	a, b := r.Min.X+r.Dx()/10, r.Max.X-r.Dx()/10
	p := r.Min.Y
	switch s {
	case bottom:
		p = r.Max.Y - 1
	case left:
		a, b, p = r.Min.Y+r.Dy()/10, r.Max.Y-r.Dy()/10, r.Min.X
	case right:
		a, b, p = r.Min.Y+r.Dy()/10, r.Max.Y-r.Dy()/10, r.Max.X-1
	}
	// The second line: the outermost may be blended with what is outside.
	if s == top || s == left {
		p++
	} else {
		p--
	}
	m := f.medianLine(horizontal, p, a, b)
	if m < 0 || f.nearShare(horizontal, p, a, b, m) < bubbleShare {
		return -1
	}
	return m
}

// medianRGB is the per-channel median colour of line p over [a, b) (grey
// repeated for one channel), or ok false outside the image.
func (f *fullLuma) medianRGB(horizontal bool, p, a, b int) (col [3]int, ok bool) {
	lim := f.width
	if horizontal {
		lim = f.height
	}
	if p < 0 || p >= lim || b <= a {
		return col, false
	}
	stride := max(1, (b-a)/refineSamples)
	var hist [3][256]int
	n := 0
	for i := a; i < b; i += stride {
		x, y := p, i
		if horizontal {
			x, y = i, p
		}
		o := (y*f.width + x) * f.channels
		for c := 0; c < 3; c++ {
			hist[c][f.pix[o+min(c, f.channels-1)]]++
		}
		n++
	}
	for c := 0; c < 3; c++ {
		for v, s := 0, 0; v < 256; v++ {
			if s += hist[c][v]; 2*s > n {
				col[c] = v
				break
			}
		}
	}
	return col, true
}

// sameRGB reports whether two colours are one after JPEG re-encoding.
func sameRGB(a, b [3]int) bool {
	for c := range a {
		if d := a[c] - b[c]; d > colourTol || d < -colourTol {
			return false
		}
	}
	return true
}

// distinctFrom reports whether the band at line p differs in colour from
// line q (the image's last line that way, or the line just outside the
// region): a bubble stands out of the chat around it, while a dark or
// light edge of the picture next to a frame of that colour does not.
func (f *fullLuma) distinctFrom(horizontal bool, p, q, a, b int) bool {
	band, ok1 := f.medianRGB(horizontal, p, a, b)
	out, ok2 := f.medianRGB(horizontal, q, a, b)
	return ok1 && ok2 && !sameRGB(band, out)
}

// marked reports whether line p over [a, b), read pixel by pixel, has a
// few pixels unlike luma: small text on a band of that colour.
func (f *fullLuma) marked(horizontal bool, p, a, b, luma int) bool {
	off := 0
	for i := a; i < b; i++ {
		var v int
		if horizontal {
			v = f.at(i, p)
		} else {
			v = f.at(p, i)
		}
		if v-luma > 2*colourTol || luma-v > 2*colourTol {
			off++
		}
	}
	return off >= 2 && off*100 <= 30*(b-a)
}

// sideBlock reports whether line idx (a line of a component's box) starts
// or ends in a solid block unlike the surroundings' colour col, at least
// an eighth of the line: a short text bubble ("lol") above or below a
// chat photo, aligned with the photo's bubble on the same side of the
// screen. cutAtGaps cuts such a bubble off across the thin gap that joined
// it to the photo's; a wider part of a line unlike col was its only cue,
// which a one-word bubble does not meet.
func (k *work) sideBlock(idx []int, col [3]uint8) bool {
	n := len(idx)
	least := max(3, n/8)
	if n < 2*least {
		return false
	}
	run := func(from, step int) int {
		i := from
		for ; i >= 0 && i < n && !k.nearColour(idx[i], col, colourTol); i += step {
		}
		return (i - from) * step
	}
	// The block starts at the box's side, a pixel in at most (the side's
	// pixel blends the bubble with the chat).
	for _, from := range [2]int{0, 1} {
		if a := run(from, 1); a >= least && a < n-least {
			return true
		}
		if b := run(n-1-from, -1); b >= least && b < n-least {
			return true
		}
	}
	return false
}
