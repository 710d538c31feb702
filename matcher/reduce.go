package matcher

import (
	"image"

	"github.com/atkm/herken/matcher/media"
)

// imageHashSide is the side to which the 64-bit hashes' input is reduced.
// goimagehash resizes the image it is given once per hash, with a filter
// as wide as the reduction, so on a full photo each 64-bit hash costs more
// than decoding it. herken hands all three the image averaged down to
// 256x256 instead. Averaging first and filtering after is nearly the same
// low-pass filter as filtering alone; the distances to hashes of the full
// image are measured by TestReducedImageHashesAgree.
const imageHashSide = 256

// imageHashSource builds, on first use, the reduced image the 64-bit
// hashes are computed from.
type imageHashSource struct {
	img     *media.Image
	reduced image.Image
}

// image returns the image goimagehash computes the 64-bit hashes from.
// (Averaging further for aHash and dHash, which resize to 8x8 and 9x8,
// would save a millisecond but doubles their distance to full-image
// hashes: measured by TestReducedImageHashesAgree.)
func (s *imageHashSource) image() image.Image {
	if s.reduced == nil {
		s.reduced = reduce(s.img, imageHashSide)
	}
	return s.reduced
}

// reduce returns img for goimagehash (*image.Gray for grey, opaque
// *image.RGBA for colour), each side averaged down to side when longer:
// each output pixel is the mean of the source area it covers, fractional
// pixels weighted by their share. A side longer than 2*side is first
// sampled by nearest neighbour to 2*side, which bounds the cost for large
// photos.
func reduce(img *media.Image, side int) image.Image {
	w, h, c := img.Width, img.Height, img.Channels
	sw, sh := min(w, 2*side), min(h, 2*side) // the sampled grid
	ow, oh := min(w, side), min(h, side)
	srcX := make([]int, sw) // sample offset of each sampled column in a row
	for x := range srcX {
		srcX[x] = (2*x + 1) * w / (2 * sw) * c
	}
	var (
		pix    []byte
		stride int
		out    image.Image
	)
	if c == 1 {
		g := image.NewGray(image.Rect(0, 0, ow, oh))
		pix, stride, out = g.Pix, g.Stride, g
	} else {
		m := image.NewRGBA(image.Rect(0, 0, ow, oh))
		pix, stride, out = m.Pix, m.Stride, m
	}
	if c == 3 && sw == 2*ow && sh == 2*oh {
		halve(img, srcX, sh, pix, stride)
		return out
	}
	cols, rows := areaWeights(sw, ow), areaWeights(sh, oh)
	acc := make([]uint32, sw*c)
	const one = weightOne * weightOne
	for y, rw := range rows {
		clear(acc)
		for i, wt := range rw.weights {
			sy := (2*(rw.first+i) + 1) * h / (2 * sh)
			row := img.Pix[sy*w*c : (sy+1)*w*c]
			if c == 1 {
				for x, sx := range srcX {
					acc[x] += wt * uint32(row[sx])
				}
				continue
			}
			for x, sx := range srcX {
				p := row[sx : sx+3 : sx+3]
				a := acc[3*x : 3*x+3 : 3*x+3]
				a[0] += wt * uint32(p[0])
				a[1] += wt * uint32(p[1])
				a[2] += wt * uint32(p[2])
			}
		}
		dst := pix[y*stride:]
		for x, cw := range cols {
			if c == 1 {
				var v uint64
				for i, wt := range cw.weights {
					v += uint64(wt) * uint64(acc[cw.first+i])
				}
				dst[x] = byte((v + one/2) / one)
				continue
			}
			var r, g, b uint64
			src := acc[3*cw.first:]
			for i, wt := range cw.weights {
				p := src[3*i : 3*i+3 : 3*i+3]
				r += uint64(wt) * uint64(p[0])
				g += uint64(wt) * uint64(p[1])
				b += uint64(wt) * uint64(p[2])
			}
			d := dst[4*x : 4*x+4 : 4*x+4]
			d[0], d[1], d[2], d[3] = byte((r+one/2)/one), byte((g+one/2)/one), byte((b+one/2)/one), 0xff
		}
	}
	return out
}

// halve is reduce's common case, an RGB image whose sampled grid (columns
// srcX, sh rows) is exactly twice the output: each output pixel is the
// rounded mean of two by two sampled pixels.
func halve(img *media.Image, srcX []int, sh int, pix []byte, stride int) {
	w, h := img.Width, img.Height
	for y := range sh / 2 {
		r0 := (4*y + 1) * h / (2 * sh)
		r1 := (4*y + 3) * h / (2 * sh)
		row0, row1 := img.Pix[r0*w*3:(r0+1)*w*3], img.Pix[r1*w*3:(r1+1)*w*3]
		dst := pix[y*stride:]
		for x := range len(srcX) / 2 {
			a, b := srcX[2*x], srcX[2*x+1]
			p, q := row0[a:a+3:a+3], row0[b:b+3:b+3]
			r, s := row1[a:a+3:a+3], row1[b:b+3:b+3]
			d := dst[4*x : 4*x+4 : 4*x+4]
			d[0] = byte((uint32(p[0]) + uint32(q[0]) + uint32(r[0]) + uint32(s[0]) + 2) / 4)
			d[1] = byte((uint32(p[1]) + uint32(q[1]) + uint32(r[1]) + uint32(s[1]) + 2) / 4)
			d[2] = byte((uint32(p[2]) + uint32(q[2]) + uint32(r[2]) + uint32(s[2]) + 2) / 4)
			d[3] = 0xff
		}
	}
}

// span is the run of source pixels one output pixel averages, with each
// one's weight; the weights sum to weightOne.
type span struct {
	first   int
	weights []uint32
}

// weightOne is 1 in the fixed-point weights of span.
const weightOne = 1 << 12

// areaWeights maps n source pixels onto m <= n output pixels: output i
// covers the source interval [i*n/m, (i+1)*n/m).
func areaWeights(n, m int) []span {
	out := make([]span, m)
	scale := float64(n) / float64(m)
	for i := range out {
		lo, hi := float64(i)*scale, float64(i+1)*scale
		first := int(lo)
		last := min(int(hi-1e-9), n-1)
		ws := make([]uint32, last-first+1)
		total := uint32(0)
		for j := first; j <= last; j++ {
			cover := min(hi, float64(j+1)) - max(lo, float64(j))
			ws[j-first] = uint32(cover / scale * weightOne)
			total += ws[j-first]
		}
		ws[len(ws)-1] += weightOne - total // rounding, so the weights sum to one
		out[i] = span{first: first, weights: ws}
	}
	return out
}
