package region

// A picture centred over a blurred copy of itself may meet the blur with
// few jumps at one end (its own calm edge, a sky, against the blurred
// sky), while the other end jumps like a split. The blur is evidence of
// its own: the lines outside both ends carry almost no detail, along them
// or across them, where the picture between them does. calmCentred takes
// the strong end's mirrored position for the weak one, as apps centre the
// picture.

// calmRatio is the most detail the lines outside a centred picture may
// carry, as a share of the picture's, along them and across them: a blur
// that hides the picture's shapes (measured 0.02 to 0.25).
const calmRatio = 0.3

// calmWide is the largest share of samples of a line of blurred padding
// that may jump by bigStep from the line before.
const calmWide = 0.1

// calmCentred finds a picture centred over calm padding on this axis from
// a jump across one of its edges, returning its first and last+1 lines.
func (p *lineProfile) calmCentred() (a, b int, ok bool) {
	n := p.n
	if n < 64 {
		return 0, 0, false
	}
	slack := 2 + n/200
	// Every line that jumps like a split, strongest first within each
	// reach of lines: the picture's own edges (a sky's) may jump as
	// widely as the one against the padding.
	tried := 0
	for l := max(n*2/100, 4); l < min(n*98/100, n-3) && tried < 16; l++ {
		if (l >= n*45/100 && l < n*55/100) || p.dom[l] < splitDom || p.dom[l] < p.dom[l-1] || p.dom[l] < p.dom[l+1] {
			continue
		}
		tried++
		e := p.largestStep(l-3, l+3)
		m := p.largestStep(n-e-slack, n-e+slack+1)
		x, y := min(e, m), max(e, m)
		if x < 4 || n-y < 4 || y-x < n/5 || !p.calmOutside(x, y, p.dom[l]) {
			continue
		}
		return x, y, true
	}
	return 0, 0, false
}

// calmOutside reports whether the lines outside [a, b), on each side apart,
// carry at most calmRatio of the detail of the picture between them, and
// no line between them jumps as widely as its edge (a pattern of stripes).
func (p *lineProfile) calmOutside(a, b int, edge float32) bool {
	inA, inS := meanOf(p.along, a+2, b-2), meanOf(p.step, a+3, b-2)
	if inA < 1 || inS < 1 {
		return false // a flat picture: nothing to compare
	}
	// Uniform bars are calm too, but the working copy finds them exactly,
	// on all four sides, and an uneven frame's far side is not where the
	// near one's mirror is. A blurred sky may be as plain on one side.
	if meanOf(p.flat, 0, a-1) >= 0.8 && meanOf(p.flat, b+1, p.n) >= 0.8 {
		return false
	}
	for _, r := range [2][2]int{{0, a - 1}, {b + 1, p.n}} {
		if meanOf(p.along, r[0], r[1]) > calmRatio*inA || meanOf(p.step, r[0]+1, r[1]) > calmRatio*inS {
			return false
		}
		// A blur never jumps between neighbouring lines; a caption's
		// text and an app's bubbles do, somewhere.
		for l := r[0] + 1; l < r[1]-3; l++ {
			if p.wide[l] > calmWide {
				return false
			}
		}
	}
	for l := a + 4; l < b-4; l++ {
		if p.dom[l] >= edge {
			return false
		}
	}
	return true
}
