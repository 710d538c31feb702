package region

import "image"

// fullLuma reads luma from the input at full resolution, on demand.
type fullLuma struct {
	pix                     []byte
	width, height, channels int
}

func newFullLuma(pix []byte, width, height, channels int) *fullLuma {
	return &fullLuma{pix, width, height, channels}
}

func (f *fullLuma) at(x, y int) int {
	o := (y*f.width + x) * f.channels
	if f.channels == 1 {
		return int(f.pix[o])
	}
	return (299*int(f.pix[o]) + 587*int(f.pix[o+1]) + 114*int(f.pix[o+2])) / 1000
}

// refineSamples is how many points along a side measure a step.
const refineSamples = 96

// step is the mean absolute luma difference between full-resolution lines
// p-1 and p (rows when horizontal, else columns), over [a, b) of the other
// axis.
func (f *fullLuma) step(horizontal bool, p, a, b int) int {
	n := b - a
	if n <= 0 {
		return 0
	}
	stride := max(1, n/refineSamples)
	sum, cnt := 0, 0
	for q := a; q < b; q += stride {
		var d int
		if horizontal {
			d = f.at(q, p) - f.at(q, p-1)
		} else {
			d = f.at(p, q) - f.at(p-1, q)
		}
		sum += max(d, -d)
		cnt++
	}
	return sum * 16 / cnt
}

// refine returns the full-resolution line near guess, within reach, with
// the largest step across it; ties go to the line nearest the guess.
func (f *fullLuma) refine(horizontal bool, guess, reach, a, b, limit int) int {
	best, bestStep := guess, -1
	for d := 0; d <= reach; d++ {
		for _, p := range [2]int{guess - d, guess + d} {
			if p < 1 || p >= limit {
				continue
			}
			if s := f.step(horizontal, p, a, b); s > bestStep {
				best, bestStep = p, s
			}
		}
	}
	return best
}

// toFull maps a candidate to input coordinates, moving each trimmed side to
// the line of largest step nearby.
func (k *work) toFull(c cand, f *fullLuma) image.Rectangle {
	r := image.Rect(int(float64(c.b.x0)*k.sx+0.5), int(float64(c.b.y0)*k.sy+0.5),
		int(float64(c.b.x1)*k.sx+0.5), int(float64(c.b.y1)*k.sy+0.5))
	r = r.Intersect(image.Rect(0, 0, f.width, f.height))
	if c.exact {
		return r
	}
	rx, ry := int(k.sx)+2, int(k.sy)+2
	// Measure along the middle of each side, away from rounded corners.
	mx0, mx1 := r.Min.X+r.Dx()/8, r.Max.X-r.Dx()/8
	my0, my1 := r.Min.Y+r.Dy()/8, r.Max.Y-r.Dy()/8
	if c.sides[top] {
		r.Min.Y = f.refine(true, r.Min.Y, ry, mx0, mx1, f.height)
	}
	if c.sides[bottom] {
		r.Max.Y = f.refine(true, r.Max.Y, ry, mx0, mx1, f.height)
	}
	if c.sides[left] {
		r.Min.X = f.refine(false, r.Min.X, rx, my0, my1, f.width)
	}
	if c.sides[right] {
		r.Max.X = f.refine(false, r.Max.X, rx, my0, my1, f.width)
	}
	r = f.trimMargins(r.Canon(), c.sides, c.kind == KindScreenshot)
	if c.kind == KindScreenshot {
		var sides [4]bool
		r, sides = f.closeBubble(r, c.sides)
		r = f.trimBands(r, sides)
	}
	return r
}

// uniformLine reports whether the full-resolution line p (a row when
// horizontal, else a column) is one luma over [a, b): the margin of a chat
// bubble or a frame's inner stroke, not a picture's edge.
func (f *fullLuma) uniformLine(horizontal bool, p, a, b int) bool {
	n := b - a
	if n <= 0 {
		return false
	}
	stride := max(1, n/refineSamples)
	var hist [256]int
	cnt := 0
	for q := a; q < b; q += stride {
		if horizontal {
			hist[f.at(q, p)]++
		} else {
			hist[f.at(p, q)]++
		}
		cnt++
	}
	// The most common luma and its neighbours hold nearly every sample.
	bestSum := 0
	for v := 0; v < 256; v++ {
		sum := 0
		for d := max(0, v-6); d <= min(255, v+6); d++ {
			sum += hist[d]
		}
		bestSum = max(bestSum, sum)
	}
	return bestSum*100 >= 94*cnt
}

// medianLine is the median luma of line p over [a, b), or -1 outside the
// image.
func (f *fullLuma) medianLine(horizontal bool, p, a, b int) int {
	lim := f.width
	if horizontal {
		lim = f.height
	}
	if p < 0 || p >= lim || b <= a {
		return -1
	}
	stride := max(1, (b-a)/refineSamples)
	var hist [256]int
	n := 0
	for i := a; i < b; i += stride {
		if horizontal {
			hist[f.at(i, p)]++
		} else {
			hist[f.at(p, i)]++
		}
		n++
	}
	for v, c := 0, 0; v < 256; v++ {
		if c += hist[v]; 2*c > n {
			return v
		}
	}
	return 255
}

// wideStep is the share of samples over [a, b) whose luma differs by at
// least bigStep between lines p and q.
func (f *fullLuma) wideStep(horizontal bool, p, q, a, b int) float64 {
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
		var d int
		if horizontal {
			d = f.at(i, p) - f.at(i, q)
		} else {
			d = f.at(p, i) - f.at(q, i)
		}
		if d >= bigStep || d <= -bigStep {
			wide++
		}
		n++
	}
	return float64(wide) / float64(n)
}

// trimMargins moves the trimmed sides inward past a chat bubble's margin
// that the working copy smeared into the picture. A bubble's margin is thin
// (at most 1% of the image's size), ends in a straight step across the
// side, and its luma is witnessed on another side (that side's margin, or
// the bubble just outside it). A picture's own dark or flat
// edge (a fundus photo's black corners, the night around the moon) fades
// into it or runs on, and stays. In a screenshot (oneColour) a margin is
// the bubble's, of one colour: a picture's own dark or light edge rows
// next to it (a camera's black top rows) end it, and stay.
func (f *fullLuma) trimMargins(r image.Rectangle, sides [4]bool, oneColour bool) image.Rectangle {
	reach := 2 + max(f.width, f.height)/100
	mx0, mx1 := r.Min.X+r.Dx()/10, r.Max.X-r.Dx()/10
	my0, my1 := r.Min.Y+r.Dy()/10, r.Max.Y-r.Dy()/10
	type run struct {
		n, luma int
	}
	// margin counts the uniform lines from line p in direction dir.
	margin := func(horizontal bool, p, dir, a, b int) run {
		q, prev, change := p, -1, -1
		for f.uniformLine(horizontal, q, a, b) {
			m := f.medianLine(horizontal, q, a, b)
			if oneColour && change < 0 && prev >= 0 && (m-prev > 3*colourTol || prev-m > 3*colourTol) {
				change = q // the margin's colour ends in another, the picture's
			}
			prev = m
			if q += dir; (q-p)*dir > reach {
				return run{} // still uniform: the picture's own
			}
		}
		if change >= 0 {
			q = change
		}
		if q == p || f.wideStep(horizontal, q-dir, q+dir, a, b) < 0.6 {
			// No margin, or one that fades into the picture (a dark
			// corner), not a bubble's straight inner edge.
			return run{}
		}
		if horizontal {
			return run{(q - p) * dir, f.at((a+b)/2, p)}
		}
		return run{(q - p) * dir, f.at(p, (a+b)/2)}
	}
	var runs [4]run
	if sides[top] {
		runs[top] = margin(true, r.Min.Y, 1, mx0, mx1)
	}
	if sides[bottom] {
		runs[bottom] = margin(true, r.Max.Y-1, -1, mx0, mx1)
	}
	if sides[left] {
		runs[left] = margin(false, r.Min.X, 1, my0, my1)
	}
	if sides[right] {
		runs[right] = margin(false, r.Max.X-1, -1, my0, my1)
	}
	// Each margin needs a witness of its luma: another side's margin, or
	// the line just outside another side whose margin the working copy
	// already removed.
	var outside [4]int
	outside[top], outside[bottom] = f.medianLine(true, r.Min.Y-1, mx0, mx1), f.medianLine(true, r.Max.Y, mx0, mx1)
	outside[left], outside[right] = f.medianLine(false, r.Min.X-1, my0, my1), f.medianLine(false, r.Max.X, my0, my1)
	near := func(a, b int) bool { return a-b <= colourTol && b-a <= colourTol }
	for s := range runs {
		if runs[s].n == 0 {
			continue
		}
		witness := false
		for o := range runs {
			if o != s && sides[o] && ((runs[o].n > 0 && near(runs[o].luma, runs[s].luma)) ||
				(runs[o].n == 0 && outside[o] >= 0 && near(outside[o], runs[s].luma))) {
				witness = true
			}
		}
		if !witness {
			runs[s] = run{}
		}
	}
	// The picture starts at the largest step next to the last margin line,
	// whichever side of a blended line it falls.
	if n := runs[top].n; n > 0 {
		r.Min.Y = f.refine(true, r.Min.Y+n, 1, mx0, mx1, f.height)
	}
	if n := runs[bottom].n; n > 0 {
		r.Max.Y = f.refine(true, r.Max.Y-n, 1, mx0, mx1, f.height)
	}
	if n := runs[left].n; n > 0 {
		r.Min.X = f.refine(false, r.Min.X+n, 1, my0, my1, f.width)
	}
	if n := runs[right].n; n > 0 {
		r.Max.X = f.refine(false, r.Max.X-n, 1, my0, my1, f.width)
	}
	return r.Canon()
}
