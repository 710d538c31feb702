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
	return r.Canon()
}
