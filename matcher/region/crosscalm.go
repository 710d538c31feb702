package region

// Within the band of a picture already found over blurred padding on one
// axis, the padding on the other axis is often thin (2 to 5% a side, where
// the picture nearly fills the canvas's width) and so blurred it is one
// colour: padded and calmCentred take that for uniform bars, which the
// working copy should find, and the picture's own strong lines inside
// (a horizon, a building's edge) jump as widely as its edges. The band is
// evidence the working copy lacks: the picture sits over a blur, so the
// lines outside it carry almost no detail along them. crossCalm looks
// for that alone, on the two mirrored ends of the band.

// crossReach is how far into the band, as a share of its lines, the
// padding on the other axis may reach on each side.
const crossReach = 20

// crossStep is the most the lines outside may jump across, as a share of
// the picture's lines: a blur barely changes from line to line, but a
// picture stretched along the band may have a little more (measured 0.02
// to 0.4 on blurred padding).
const crossStep = 0.5

// crossAlong is the most detail along the lines outside, as a share of
// the picture's: calmRatio, a little looser since both edges must jump
// (a thin strip of blur over JPEG's noise measured up to 0.37).
const crossAlong = 0.4

// crossMirror is the least share of samples that must jump at the weaker
// of the two edges (measured 0.14 to 1 on blurred padding; at most 0.02
// at a plain wall's or a vignette's mirrored line).
const crossMirror = 0.1

// crossJump is the least mean jump into the first line of the picture or
// of the padding after it, at either edge (measured 5 to 220 on blurred
// padding, under 2 at a plain wall's or a vignette's mirrored line).
const crossJump = 4

// crossCalm finds a picture centred over calm padding on this axis of a
// padded band: an edge near one end that most samples jump across, its
// mirrored line, and lines outside both that carry at most crossAlong of
// the picture's detail along them. It returns the first and last+1 lines.
func (p *lineProfile) crossCalm() (a, b int, ok bool) {
	n := p.n
	if n < 64 {
		return 0, 0, false
	}
	slack := 2 + n/200
	best := float32(0)
	for l := 4; l < n-3; l++ {
		if l >= n*crossReach/100 && l < n-n*crossReach/100 {
			continue
		}
		d := p.domNear(l)
		if d < padWeak || d <= best {
			continue
		}
		e := p.largestStep(l-3, l+3)
		m := p.largestStep(n-e-slack, n-e+slack+1)
		x, y := min(e, m), max(e, m)
		// The mirrored line must jump too, if little: where the picture
		// meets a blur of itself some samples still change, where a plain
		// wall or a defocused background goes on, none do.
		if x < 4 || n-y < 4 || y-x < n/2 || min(p.domNear(x), p.domNear(y)) < crossMirror ||
			min(p.step[x], p.step[y]) < crossJump || !p.blurOutside(x, y) {
			continue
		}
		a, b, best = x, y, d
	}
	return a, b, best > 0
}

// blurOutside reports whether the lines outside [a, b), on each side
// apart, carry at most crossAlong of the picture's detail along them and
// crossStep of its jumps across them, with no line jumping widely (text,
// an app's chrome), while the picture itself has detail.
func (p *lineProfile) blurOutside(a, b int) bool {
	inA, inS := meanOf(p.along, a+2, b-2), meanOf(p.step, a+3, b-2)
	if inA < 1 || inS < 1 {
		return false // a flat picture: nothing to compare
	}
	for _, r := range [2][2]int{{0, a - 1}, {b + 1, p.n}} {
		if meanOf(p.along, r[0], r[1]) > crossAlong*inA || meanOf(p.step, r[0]+1, r[1]) > crossStep*inS {
			return false
		}
		for l := r[0] + 1; l < r[1]-1; l++ {
			if p.wide[l] > calmWide {
				return false
			}
		}
	}
	return true
}
