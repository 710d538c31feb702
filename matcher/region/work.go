package region

import "sync"

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

	// Scratch kept with the copy for the next Find (workPool).
	xa, xb []int
	lo, hi []uint8
	stack  []int32
	runs   []contentRun // components' runs, their union-find parents and
	parent []int32      // each root's component (a photo's texture makes
	comps  []int32      // tens of thousands of runs: grown once, not per call)
}

// contentRun is a row's content pixels [x0, x1) of row y (components).
type contentRun struct{ y, x0, x1 int }

// workPool keeps working copies and their scratch between calls: a copy is
// about half a megabyte, which Find would otherwise allocate (and the
// collector sweep) for every photo whose edges pass the early exit.
var workPool = sync.Pool{New: func() any { return new(work) }}

// release returns the copy to workPool; it must not be used after.
func (k *work) release() { workPool.Put(k) }

// newWork samples the input into a working copy. Each working pixel is the
// mean of up to 2x2 input pixels spread over its cell: enough to average
// out JPEG noise at a fraction of the cost of reading every pixel. The copy
// comes from workPool: give it back with release.
func newWork(pix []byte, width, height, channels int) *work {
	w, h := width, height
	if w >= h && w > workSide {
		w, h = workSide, max(1, (height*workSide+width/2)/width)
	} else if h > w && h > workSide {
		w, h = max(1, (width*workSide+height/2)/height), workSide
	}
	k := workPool.Get().(*work)
	k.w, k.h, k.sx, k.sy = w, h, float64(width)/float64(w), float64(height)/float64(h)
	grow(&k.rgb, w*h*3)
	grow(&k.lum, w*h)
	stride := width * channels
	// Each cell's two sample columns (the same one twice where the cell is
	// one pixel wide), as byte offsets in a row, computed once.
	xa, xb := grow(&k.xa, w), grow(&k.xb, w)
	xb = xb[:len(xa)]
	for x := range xa {
		xs := samples3(x*width/w, (x+1)*width/w)
		xa[x], xb[x] = xs[0]*channels, xs[1]*channels
	}
	for y := 0; y < h; y++ {
		// samples3 gives at most two distinct positions; a cell one pixel
		// high or wide takes its one sample twice, which leaves the rounded
		// mean unchanged: (2s + n) / 2n = (s + n/2) / n.
		ys := samples3(y*height/h, (y+1)*height/h)
		ra, rb := pix[ys[0]*stride:ys[0]*stride+stride], pix[ys[1]*stride:ys[1]*stride+stride]
		rb = rb[:len(ra)]
		rgb, lum := k.rgb[3*y*w:3*y*w+3*w], k.lum[y*w:y*w+w]
		if channels == 1 {
			for x := range lum {
				o0, o1 := xa[x], xb[x]
				v := (int(ra[o0]) + int(ra[o1]) + int(rb[o0]) + int(rb[o1]) + 2) >> 2
				c := rgb[3*x : 3*x+3 : 3*x+3]
				c[0], c[1], c[2] = uint8(v), uint8(v), uint8(v)
				lum[x] = uint8(v) // 299+587+114 = 1000: the luma of grey is itself
			}
			continue
		}
		workRow(ra, rb, xa, xb, rgb, lum) // workrow.go
	}
	k.markFlat()
	k.floodBackground()
	return k
}

// samples3 picks up to two positions spread over [a, b) (2x2 samples a
// cell average out JPEG noise well enough, at half the reads of 3x3): the
// first two are the positions, the same one twice in a one-pixel span.
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

// flatTol is the largest luma range of a 3x3 neighbourhood counted as flat.
const flatTol = 4

func (k *work) markFlat() {
	w, h := k.w, k.h
	k.flat = grow(&k.flat, w*h)
	// Separable: the minimum and maximum of each column over the three
	// rows, then over three of those along the row, with the ends apart
	// so that the inner loops run without branches (or bounds checks: the
	// slices are cut to one length first).
	lo, hi := grow(&k.lo, w), grow(&k.hi, w)
	hi = hi[:len(lo)]
	for y := 0; y < h; y++ {
		y0, y1 := max(0, y-1), min(h-1, y+1)
		r0, r1, r2 := k.lum[y0*w:y0*w+w], k.lum[y*w:y*w+w], k.lum[y1*w:y1*w+w]
		minMax3(lo, hi, r0, r1, r2) // flat.go
		f := k.flat[y*w : y*w+w]
		if w == 1 {
			f[0] = hi[0]-lo[0] <= flatTol
			continue
		}
		f[0] = max(hi[0], hi[1])-min(lo[0], lo[1]) <= flatTol
		flatInner(f[1:w-1], lo, hi, flatTol)
		f[w-1] = max(hi[w-2], hi[w-1])-min(lo[w-2], lo[w-1]) <= flatTol
	}
}

// smoothTol is the largest colour difference between neighbouring
// background pixels: a blurred or gradient background passes, the step at a
// picture's edge does not.
const smoothTol = 4

// floodBackground marks the pixels reachable from the image edge through
// flat pixels whose colour changes by at most smoothTol per step. What it
// marks is the set of flat pixels connected to a flat edge pixel by such
// steps, whatever order the flood visits them in.
func (k *work) floodBackground() {
	w, h := k.w, k.h
	k.bg = grow(&k.bg, w*h)
	clear(k.bg)
	bg, flat, rgb := k.bg, k.flat, k.rgb
	flat = flat[:len(bg)]
	// A stack entry is a pixel's index and its column, packed (w is at
	// most workSide, under 1<<colBits): the flood needs no division to
	// know which neighbours exist.
	const colBits = 9
	stack := k.stack[:0]
	push := func(x, y int) {
		if i := y*w + x; !bg[i] && flat[i] {
			bg[i] = true
			stack = append(stack, int32(i<<colBits|x))
		}
	}
	for x := 0; x < w; x++ {
		push(x, 0)
		push(x, h-1)
	}
	for y := 0; y < h; y++ {
		push(0, y)
		push(w-1, y)
	}
	last := (h - 1) * w
	for len(stack) > 0 {
		e := int(stack[len(stack)-1])
		stack = stack[:len(stack)-1]
		i, x := e>>colBits, e&(1<<colBits-1)
		p := rgb[3*i : 3*i+3 : 3*i+3]
		p0, p1, p2 := int(p[0]), int(p[1]), int(p[2])
		// joins reports whether neighbour j is flat, not yet reached and
		// within smoothTol of p on every channel (d+smoothTol as unsigned
		// is at most 2*smoothTol). One branch for each test (the rest are
		// conditional moves): whether a neighbour joins is as good as
		// random.
		joins := func(j int) bool {
			if b2i(flat[j])&^b2i(bg[j]) == 0 {
				return false
			}
			q := rgb[3*j : 3*j+3 : 3*j+3]
			d0 := uint(p0 - int(q[0]) + smoothTol)
			d1 := uint(p1 - int(q[1]) + smoothTol)
			d2 := uint(p2 - int(q[2]) + smoothTol)
			return max(d0, d1, d2) <= 2*smoothTol
		}
		// The neighbours in the order left, right, up, down, each tested
		// in line: a loop over the four with a switch cost more than the
		// tests.
		if x > 0 && joins(i-1) {
			bg[i-1] = true
			stack = append(stack, int32((i-1)<<colBits|(x-1)))
		}
		if x < w-1 && joins(i+1) {
			bg[i+1] = true
			stack = append(stack, int32((i+1)<<colBits|(x+1)))
		}
		if i >= w && joins(i-w) {
			bg[i-w] = true
			stack = append(stack, int32((i-w)<<colBits|x))
		}
		if i < last && joins(i+w) {
			bg[i+w] = true
			stack = append(stack, int32((i+w)<<colBits|x))
		}
	}
	k.stack = stack
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
// whose bounding box covers at least minArea working pixels, in the order
// of their first pixel in raster order. It labels runs of content along
// each row and joins the runs of the row above that touch them (8-connected:
// diagonally too), with a union-find: one read of each pixel, where a flood
// from every pixel read each one's eight neighbours.
func (k *work) components(minArea int) []component {
	w, h := k.w, k.h
	runs, parent := k.runs[:0], k.parent[:0]
	find := func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int32) {
		ra, rb := find(a), find(b)
		if ra == rb {
			return
		}
		// The earlier run stays the root, so a component's root is its
		// first run in raster order.
		if ra > rb {
			ra, rb = rb, ra
		}
		parent[rb] = ra
	}
	prev := 0 // first run of the row above
	for y := 0; y < h; y++ {
		bg := k.bg[y*w : y*w+w]
		cur := len(runs)
		p := prev // the runs above, in order of x, that may still touch
		for x := 0; x < w; {
			if bg[x] {
				x++
				continue
			}
			x0 := x
			for x < w && !bg[x] {
				x++
			}
			id := int32(len(runs))
			runs = append(runs, contentRun{y, x0, x})
			parent = append(parent, id)
			// Runs of the row above touching [x0-1, x] (diagonals count);
			// one ending before x0-1 touches no later run of this row.
			for p < cur && runs[p].x1 < x0 {
				p++
			}
			for j := p; j < cur && runs[j].x0 <= x; j++ {
				union(id, int32(j))
			}
		}
		prev = cur
	}
	// A root is its component's first run, so components are numbered in
	// the order of their first runs, as a map from root to index would.
	k.runs, k.parent = runs, parent
	comps := grow(&k.comps, len(runs)) // root run -> index in all, plus one
	clear(comps)
	var all []component
	for i, r := range runs {
		root := find(int32(i))
		ci := int(comps[root]) - 1
		if ci < 0 {
			ci = len(all)
			comps[root] = int32(ci + 1)
			all = append(all, component{b: box{w, h, -1, -1}})
		}
		c := &all[ci]
		c.size += r.x1 - r.x0
		c.b.x0, c.b.y0 = min(c.b.x0, r.x0), min(c.b.y0, r.y)
		c.b.x1, c.b.y1 = max(c.b.x1, r.x1), max(c.b.y1, r.y+1)
	}
	var out []component
	for _, c := range all {
		if c.b.area() >= minArea {
			out = append(out, c)
		}
	}
	return out
}
