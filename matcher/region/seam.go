package region

// Seams find what the content components cannot: padding too detailed to
// be background (a stretched copy of the picture, a light blur) and two
// pictures that touch. Both leave a straight line across the whole image
// where the pixels jump, far more than they change a couple of lines
// before or after it.

// profile holds, for each line p (a row when rows is true, else a column),
// the mean absolute luma step from line p-1 to p and the share of positions
// along it where that step is large.
type profile struct {
	step  []float64
	broad []float64
	bgOK  []float64 // share of background pixels on the line
}

// bigStep is a luma step that stands out of JPEG noise and gentle shading.
const bigStep = 10

func (k *work) profile(rows bool) profile {
	n, m := k.w, k.h // n lines of m positions
	if rows {
		n, m = k.h, k.w
	}
	p := profile{step: make([]float64, n), broad: make([]float64, n), bgOK: make([]float64, n)}
	// Integer counts per line, read in memory order on either axis; each
	// divided once at the end as the figures are defined (steps.go).
	sums, wides, bgs := make([]int32, n), make([]int32, n), make([]int32, n)
	w := k.w
	for y := 0; y < k.h; y++ {
		lum, bg := k.lum[y*w:y*w+w], bytesOf(k.bg[y*w:y*w+w])
		bg = bg[:len(lum)]
		if rows {
			bgs[y] = count(bg)
			if y > 0 {
				sums[y], wides[y] = steps(lum, k.lum[(y-1)*w:y*w], bigStep)
			}
			continue
		}
		addBytes(bgs[:len(lum)], bg)
		addSteps(sums[1:len(lum)], wides[1:len(lum)], lum[1:], lum[:len(lum)-1], bigStep)
	}
	for l := range n {
		p.step[l] = float64(sums[l]) / float64(m)
		p.broad[l] = float64(wides[l]) / float64(m)
		p.bgOK[l] = float64(bgs[l]) / float64(m)
	}
	return p
}

// b2i is 1 for true: a conditional move, where an if would branch on
// whether a pixel is background, as good as random along a line.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// seamAt scores line l as a seam: its step over the steps two lines away on
// either side (the line next to it may share the step when the seam falls
// between working pixels), or 0 when it is not one.
func (p profile) seamAt(l int) float64 {
	n := len(p.step)
	if l < 3 || l > n-3 || p.step[l] < 6 || p.broad[l] < 0.5 {
		return 0
	}
	ref := (p.step[l-2] + p.step[l+2]) / 2
	if l+3 < n {
		ref = (p.step[l-2] + p.step[l-3] + p.step[l+2] + p.step[l+3]) / 4
	}
	r := p.step[l] / (ref + 1)
	if r < 2.5 {
		return 0
	}
	return r
}

// meanStep is the mean step over lines [a, b).
func (p profile) meanStep(a, b int) float64 {
	if b <= a {
		return 0
	}
	s := 0.0
	for l := a; l < b; l++ {
		s += p.step[l]
	}
	return s / float64(b-a)
}

// bestSeam returns the strongest seam among lines [a, b), or -1.
func (p profile) bestSeam(a, b int) int {
	best, score := -1, 0.0
	for l := max(a, 0); l < min(b, len(p.step)); l++ {
		if s := p.seamAt(l); s > score {
			best, score = l, s
		}
	}
	return best
}

// fromSeams proposes padded pictures (a seam on each of two opposite sides
// with less detail outside than inside) and the halves of a split.
func (k *work) fromSeams(have []cand) []cand {
	var out []cand
	for _, rows := range []bool{true, false} {
		p := k.profile(rows)
		n := len(p.step)
		// Padding: a seam near each end, calmer outside than inside.
		a := p.bestSeam(n*2/100, n*45/100)
		b := p.bestSeam(n*55/100, n*98/100)
		if a > 0 && b > 0 && len(have) == 0 { // a framed picture's edges are seams too
			// Steps across the seams belong to neither side.
			in := p.meanStep(a+2, b-1)
			outside := (p.meanStep(1, a-1)*float64(a) + p.meanStep(b+2, n)*float64(n-b)) / float64(n-b+a)
			if outside <= 0.6*in {
				c := cand{kind: KindPadding, margin: "padding", score: 0.9}
				if rows {
					c.b = box{0, a, k.w, b}
					c.sides[top], c.sides[bottom] = true, true
				} else {
					c.b = box{a, 0, b, k.h}
					c.sides[left], c.sides[right] = true, true
				}
				if k.plausible(c.b, 15) {
					out = append(out, c)
				}
			}
		}
		// Split: one seam or a thin background gap across the middle,
		// spanning the whole image. A natural straight edge (a horizon, a
		// table) rarely jumps that far along all its length.
		lo, hi := n*25/100, n*75/100
		cut0, cut1 := -1, -1
		// Both sides must be pictures: a horizon under a flat sky is a
		// seam with background on one side.
		if s := p.bestSeam(lo, hi); s > 0 && p.seamAt(s) >= 4 && p.broad[s] >= 0.85 &&
			p.bgOK[s-3] < 0.5 && p.bgOK[s+2] < 0.5 {
			cut0, cut1 = s, s
		} else {
			for l := lo; l < hi; l++ {
				if p.bgOK[l] >= 0.95 {
					if cut0 < 0 {
						cut0 = l
					}
					cut1 = l + 1
				} else if cut0 >= 0 {
					break
				}
			}
			if cut0 >= 0 && (cut1-cut0 > n/20 || p.broad[cut0] < 0.6 || cut1 >= n || p.broad[cut1] < 0.6) {
				cut0 = -1
			}
		}
		if cut0 < 0 {
			continue
		}
		halves := [2]cand{{kind: KindSplit, score: 0.8}, {kind: KindSplit, score: 0.8}}
		if rows {
			halves[0].b, halves[1].b = box{0, 0, k.w, cut0}, box{0, cut1, k.w, k.h}
			halves[0].sides[bottom], halves[1].sides[top] = true, true
		} else {
			halves[0].b, halves[1].b = box{0, 0, cut0, k.h}, box{cut1, 0, k.w, k.h}
			halves[0].sides[right], halves[1].sides[left] = true, true
		}
		for _, c := range halves {
			if k.plausible(c.b, 15) {
				out = append(out, c)
			}
		}
	}
	return out
}
