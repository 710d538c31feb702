package region

// workSide is the longest side of the working copy. At 320 pixels a 1 MP
// photo is sampled about 3x3 to one (2x2 samples a cell), which smooths JPEG noise so that flat
// areas read as flat, and keeps a phone screenshot's text and margins
// apart.
const workSide = 320

// work is the downscaled copy Find reasons on.
type work struct {
	w, h   int
	sx, sy float64 // input pixels per working pixel, horizontally and vertically
	rgb    []uint8 // w*h*3
	lum    []uint8 // w*h
	flat   []bool  // 3x3 neighbourhood of nearly constant luma
	bg     []bool  // reached from the image edge through flat, smooth pixels
}

// newWork samples the input into a working copy. Each working pixel is the
// mean of up to 2x2 input pixels spread over its cell: enough to average
// out JPEG noise at a fraction of the cost of reading every pixel.
func newWork(pix []byte, width, height, channels int) *work {
	w, h := width, height
	if w >= h && w > workSide {
		w, h = workSide, max(1, (height*workSide+width/2)/width)
	} else if h > w && h > workSide {
		w, h = max(1, (width*workSide+height/2)/height), workSide
	}
	k := &work{w: w, h: h, sx: float64(width) / float64(w), sy: float64(height) / float64(h)}
	k.rgb = make([]uint8, w*h*3)
	k.lum = make([]uint8, w*h)
	stride := width * channels
	// Column sample offsets, computed once per column rather than per pixel.
	xo := make([][3]int, w)
	xn := make([]int, w)
	for x := 0; x < w; x++ {
		xs := samples3(x*width/w, (x+1)*width/w)
		xn[x] = distinct(xs)
		for j := range xs {
			xo[x][j] = xs[j] * channels
		}
	}
	for y := 0; y < h; y++ {
		ys := samples3(y*height/h, (y+1)*height/h)
		ny := distinct(ys)
		for x := 0; x < w; x++ {
			var r, g, b int
			for _, yy := range ys[:ny] {
				row := pix[yy*stride:]
				for _, o := range xo[x][:xn[x]] {
					if channels == 3 {
						r += int(row[o])
						g += int(row[o+1])
						b += int(row[o+2])
					} else {
						v := int(row[o])
						r, g, b = r+v, g+v, b+v
					}
				}
			}
			n := ny * xn[x]
			i := y*w + x
			rr, gg, bb := (r+n/2)/n, (g+n/2)/n, (b+n/2)/n
			k.rgb[3*i], k.rgb[3*i+1], k.rgb[3*i+2] = uint8(rr), uint8(gg), uint8(bb)
			k.lum[i] = uint8((299*rr + 587*gg + 114*bb + 500) / 1000)
		}
	}
	k.markFlat()
	k.floodBackground()
	return k
}

// samples3 picks up to two positions spread over [a, b) (2x2 samples a
// cell average out JPEG noise well enough, at half the reads of 3x3);
// repeated positions come last so that distinct can count them off.
func samples3(a, b int) [3]int {
	if b <= a {
		b = a + 1
	}
	n := b - a
	if n >= 2 {
		return [3]int{a + n/4, a + (3*n)/4, a + (3*n)/4}
	}
	return [3]int{a, a, a}
}

func distinct(s [3]int) int {
	switch {
	case s[0] == s[2]:
		return 1
	case s[1] == s[2]:
		return 2
	}
	return 3
}

// flatTol is the largest luma range of a 3x3 neighbourhood counted as flat.
const flatTol = 4

func (k *work) markFlat() {
	w, h := k.w, k.h
	k.flat = make([]bool, w*h)
	// Separable: the 3-wide minimum and maximum along rows, then along
	// columns of those.
	lo, hi := make([]uint8, w*h), make([]uint8, w*h)
	for y := 0; y < h; y++ {
		row := k.lum[y*w : y*w+w]
		for x := 0; x < w; x++ {
			a, b := row[x], row[x]
			if x > 0 {
				a, b = min(a, row[x-1]), max(b, row[x-1])
			}
			if x < w-1 {
				a, b = min(a, row[x+1]), max(b, row[x+1])
			}
			lo[y*w+x], hi[y*w+x] = a, b
		}
	}
	for y := 0; y < h; y++ {
		y0, y1 := max(0, y-1), min(h-1, y+1)
		for x := 0; x < w; x++ {
			a := min(lo[y0*w+x], lo[y*w+x], lo[y1*w+x])
			b := max(hi[y0*w+x], hi[y*w+x], hi[y1*w+x])
			k.flat[y*w+x] = b-a <= flatTol
		}
	}
}

// smoothTol is the largest colour difference between neighbouring
// background pixels: a blurred or gradient background passes, the step at a
// picture's edge does not.
const smoothTol = 4

func (k *work) near(i, j int, tol int) bool {
	for c := 0; c < 3; c++ {
		d := int(k.rgb[3*i+c]) - int(k.rgb[3*j+c])
		if d > tol || d < -tol {
			return false
		}
	}
	return true
}

// floodBackground marks the pixels reachable from the image edge through
// flat pixels whose colour changes by at most smoothTol per step.
func (k *work) floodBackground() {
	w, h := k.w, k.h
	k.bg = make([]bool, w*h)
	stack := make([]int32, 0, 2*(w+h))
	push := func(i int) {
		if !k.bg[i] && k.flat[i] {
			k.bg[i] = true
			stack = append(stack, int32(i))
		}
	}
	for x := 0; x < w; x++ {
		push(x)
		push((h-1)*w + x)
	}
	for y := 0; y < h; y++ {
		push(y * w)
		push(y*w + w - 1)
	}
	for len(stack) > 0 {
		i := int(stack[len(stack)-1])
		stack = stack[:len(stack)-1]
		x, y := i%w, i/w
		try := func(j int) {
			if !k.bg[j] && k.flat[j] && k.near(i, j, smoothTol) {
				k.bg[j] = true
				stack = append(stack, int32(j))
			}
		}
		if x > 0 {
			try(i - 1)
		}
		if x < w-1 {
			try(i + 1)
		}
		if y > 0 {
			try(i - w)
		}
		if y < h-1 {
			try(i + w)
		}
	}
}

// box is a rectangle in working coordinates, half-open.
type box struct{ x0, y0, x1, y1 int }

func (b box) w() int    { return b.x1 - b.x0 }
func (b box) h() int    { return b.y1 - b.y0 }
func (b box) area() int { return b.w() * b.h() }

// component is a connected set of content pixels.
type component struct {
	b    box
	size int
}

// components returns the 8-connected components of non-background pixels
// whose bounding box covers at least minArea working pixels.
func (k *work) components(minArea int) []component {
	w, h := k.w, k.h
	seen := make([]bool, w*h)
	var out []component
	var stack []int32
	for s := range seen {
		if seen[s] || k.bg[s] {
			continue
		}
		c := component{b: box{w, h, -1, -1}}
		seen[s] = true
		stack = append(stack[:0], int32(s))
		for len(stack) > 0 {
			i := int(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			x, y := i%w, i/w
			c.size++
			c.b.x0, c.b.y0 = min(c.b.x0, x), min(c.b.y0, y)
			c.b.x1, c.b.y1 = max(c.b.x1, x+1), max(c.b.y1, y+1)
			for yy := max(0, y-1); yy <= min(h-1, y+1); yy++ {
				for xx := max(0, x-1); xx <= min(w-1, x+1); xx++ {
					j := yy*w + xx
					if !seen[j] && !k.bg[j] {
						seen[j] = true
						stack = append(stack, int32(j))
					}
				}
			}
		}
		if c.b.area() >= minArea {
			out = append(out, c)
		}
	}
	return out
}
