package region

// A picture centred over a copy of itself stretched to the whole canvas
// (aspect ratio ignored) often meets that copy with few jumps: its first
// row and the stretched copy's row just outside it show nearly the same
// part of the picture (a sky over a sky), so the seam test, which wants
// most samples to jump, misses it. The padding carries proof of its own
// instead: each of its lines is the picture's line at the same relative
// position. stretchedPad proposes a band from a jump at one end and its
// mirrored position, and keeps it only when the lines outside it match
// the picture's lines so mapped far better than lines a little off that
// mapping. A photo whose lines all look alike (stripes across the axis, a
// flat gradient) matches both and is refused; a natural photo's top lines
// are not a squashed copy of its middle.

// stretchJump is the least seam score (the jump into a line over the jumps
// a few lines away) at the end a stretched band is proposed from.
const stretchJump = 3

// stretchFit is the largest ratio of the padding's difference from the
// picture's mapped lines to its difference from lines mapped a little off.
const stretchFit = 0.25

// stretchNoise is the largest mean difference, in luma per sample, between
// a line of stretched padding and the picture's line it copies (JPEG at
// quality 75 and resampling leave 1 to 4).
const stretchNoise = 7

// stretchDetail is the least mean luma difference between the padding's
// lines and its middle line: lines all alike (an app's plain sidebar)
// match any mapping.
const stretchDetail = 3

// stretchedPad finds a picture centred on this axis over a stretched copy
// of itself, returning its first and last+1 lines.
func (p *lineProfile) stretchedPad() (a, b int, ok bool) {
	n := p.n
	if n < 64 || p.m < 16 {
		return 0, 0, false
	}
	slack := 2 + n/200
	best := float32(stretchFit)
	// The pairs already tried: neighbouring jumps often give the same
	// pair again, and it cannot do better the second time (best only
	// falls).
	var tried [][2]int
	try := func(x, y int) {
		// A thin margin is no stretched copy: a picture's own edges,
		// darkened or plain, resemble its lines nearby.
		if x < n*3/100 || n-y < n*3/100 || x+n-y < n/10 || y-x < n/5 {
			return
		}
		for _, t := range tried {
			if t == [2]int{x, y} {
				return
			}
		}
		tried = append(tried, [2]int{x, y})
		if f := p.stretchFit(x, y, best); f < best {
			a, b, best = x, y, f
		}
	}
	for l := max(5, n*2/100); l < n*98/100 && l < n-6; l++ {
		if p.jump(l) < stretchJump || p.jump(l) < p.jump(l-1) || p.jump(l) < p.jump(l+1) {
			continue
		}
		e := p.edgeOf(l)
		// The mirrored end: the line of largest step around it, as the
		// seams' edges are placed.
		m := p.largestStep(n-e-slack, n-e+slack+1)
		if e < n/2 {
			try(e, m)
		} else {
			try(m, e)
		}
	}
	return a, b, a > 0 || b > 0
}

// jump is the seam score of line l without seam's demand that most samples
// jump.
func (p *lineProfile) jump(l int) float32 {
	if l < 5 || l > p.n-6 {
		return 0
	}
	s := p.step[l] + max(p.step[l-1], p.step[l+1])
	if s < 6 {
		return 0
	}
	ref := (p.step[l-4] + p.step[l-3] + p.step[l+3] + p.step[l+4]) / 4
	return s / (2*ref + 2)
}

// stretchFit compares the lines outside [a, b) with the picture's lines
// at the same relative position of the whole axis, and with lines a tenth
// of the picture off: the ratio of the two differences, on the worse of
// the two sides, 1 or more when the padding is no such copy. A first side
// at bound or more settles that the pair fits no better than bound: that
// side's ratio is returned without reading the second.
func (p *lineProfile) stretchFit(a, b int, bound float32) float32 {
	f := p.sideFit(a, b, 0, a-2)
	if f >= bound {
		return f
	}
	return max(f, p.sideFit(a, b, b+2, p.n))
}

// sideFit is stretchFit over lines [lo, hi) on one side. Lines without
// detail along them (an app's plain sidebar) match any plain line and
// prove nothing.
func (p *lineProfile) sideFit(a, b, lo, hi int) float32 {
	n, h := p.n, b-a
	off := float64(max(4, h/10))
	var fit, miss, detail float64
	lines := 0
	step := max(1, (hi-lo)/24)
	for y := lo; y < hi; y += step {
		src := (float64(y)+0.5)*float64(h)/float64(n) - 0.5
		fit += p.lineDiff(y, a, b, src)
		cur, ref := p.samples(y), p.samples((lo+hi)/2)
		var d int32
		for i := range cur {
			d += abs32(int32(cur[i]) - int32(ref[i]))
		}
		detail += float64(d) / float64(len(cur))
		// Off the mapping on the side that stays within the picture.
		if src+off < float64(h-1) {
			miss += p.lineDiff(y, a, b, src+off)
		} else {
			miss += p.lineDiff(y, a, b, src-off)
		}
		lines++
	}
	// A few luma of difference is JPEG noise, not a mismatch.
	if lines < 4 || miss < float64(lines)*2 || detail < stretchDetail*float64(lines) {
		return 1
	}
	// A copy differs from its source by resampling and JPEG noise only:
	// a caption's white lines can sit closer to a bright sky than to the
	// picture's darker lines further in, and still be far from either.
	if fit > stretchNoise*float64(lines) {
		return 1
	}
	return float32(fit / miss)
}

// lineDiff is the mean absolute difference between line y and the
// picture's line at src (its lines are [a, b); src counts from a),
// interpolated between the two nearest.
func (p *lineProfile) lineDiff(y, a, b int, src float64) float64 {
	src = min(max(src, 0), float64(b-a-1))
	f := int(src)
	t := float32(src - float64(f))
	lo := p.samples(a + f)
	hi := lo
	if a+f+1 < b {
		hi = p.samples(a + f + 1)
	}
	cur := p.samples(y)
	var d float32
	for i, v := range cur {
		w := float32(lo[i])*(1-t) + float32(hi[i])*t
		d += max(float32(v)-w, w-float32(v))
	}
	return float64(d) / float64(len(cur))
}
