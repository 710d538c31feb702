//go:build !(cgo && turbojpeg)

package media

import "image"

// This file ports the parts of libjpeg(-turbo)'s decoder that come after
// the IDCT: "fancy" chroma upsampling (jdsample.c) and YCbCr to RGB
// conversion (jdcolor.c), with their exact integer rounding, so that
// image/jpeg's planes turn into the pixels djpeg would produce.

const (
	yccScaleBits = 16
	yccOneHalf   = 1 << (yccScaleBits - 1)
)

func yccFix(x float64) int32 { return int32(x*(1<<yccScaleBits) + 0.5) }

// The tables of jdcolor.c's build_ycc_rgb_table.
var crR, cbB, crG, cbG [256]int32

func init() {
	for i := range 256 {
		x := int32(i - 128)
		crR[i] = (yccFix(1.40200)*x + yccOneHalf) >> yccScaleBits
		cbB[i] = (yccFix(1.77200)*x + yccOneHalf) >> yccScaleBits
		crG[i] = -yccFix(0.71414) * x
		cbG[i] = -yccFix(0.34414)*x + yccOneHalf
	}
}

func clamp255(v int32) byte {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return byte(v)
}

// libjpegYCbCrToRGB upsamples and converts like libjpeg-turbo with its
// defaults (do_fancy_upsampling). Fancy upsampling covers h2v1 (4:2:2),
// h2v2 (4:2:0) and h1v2 (4:4:0); as in libjpeg, a chroma plane at most 2
// samples wide, and every other ratio (4:1:1, 4:1:0), is replicated.
func libjpegYCbCrToRGB(m *image.YCbCr) *Image {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	hf, vf := 1, 1
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		hf = 2
	case image.YCbCrSubsampleRatio420:
		hf, vf = 2, 2
	case image.YCbCrSubsampleRatio440:
		vf = 2
	case image.YCbCrSubsampleRatio411:
		hf = 4
	case image.YCbCrSubsampleRatio410:
		hf, vf = 4, 2
	}
	cw, ch := (w+hf-1)/hf, (h+vf-1)/vf
	yOff, cOff := m.YOffset(b.Min.X, b.Min.Y), m.COffset(b.Min.X, b.Min.Y)
	plane := func(p []byte, r int) []byte { return p[cOff+r*m.CStride : cOff+r*m.CStride+cw] }

	fancyH := hf == 2 && cw > 2
	fancyV := vf == 2 && (hf == 1 || fancyH)
	// Every pixel is written below, so a reused buffer will do.
	out := &Image{Width: w, Height: h, Channels: 3, Pix: pixBuffer(w * h * 3)}
	cb := make([]byte, w+hf) // room for the odd column past the width
	cr := make([]byte, w+hf)
	var sumCb, sumCr []int32
	if fancyV {
		sumCb, sumCr = make([]int32, cw), make([]int32, cw)
	}
	for y := range h {
		near := y / vf
		switch {
		case fancyV:
			far := max(near-1, 0) // output row 2i is nearer chroma row i-1
			bias := int32(1)
			if y%2 == 1 {
				far, bias = min(near+1, ch-1), 2
			}
			colSums(plane(m.Cb, near), plane(m.Cb, far), sumCb)
			colSums(plane(m.Cr, near), plane(m.Cr, far), sumCr)
			if hf == 2 {
				h2v2Row(sumCb, cb)
				h2v2Row(sumCr, cr)
			} else {
				h1v2Row(sumCb, cb, bias)
				h1v2Row(sumCr, cr, bias)
			}
		case fancyH:
			h2v1Row(plane(m.Cb, near), cb)
			h2v1Row(plane(m.Cr, near), cr)
		default:
			replicateRow(plane(m.Cb, near), cb, hf)
			replicateRow(plane(m.Cr, near), cr, hf)
		}
		yrow := m.Y[yOff+y*m.YStride:]
		o := out.Pix[y*w*3:]
		for x := range w {
			yy := int32(yrow[x])
			o[3*x] = clamp255(yy + crR[cr[x]])
			o[3*x+1] = clamp255(yy + (cbG[cb[x]]+crG[cr[x]])>>yccScaleBits)
			o[3*x+2] = clamp255(yy + cbB[cb[x]])
		}
	}
	return out
}

// colSums is the vertical half of the triangle filter: 3·nearer + farther.
func colSums(near, far []byte, sum []int32) {
	for i := range sum {
		sum[i] = 3*int32(near[i]) + int32(far[i])
	}
}

// h1v2Row finishes h1v2_fancy_upsample: the bias alternates between the
// upper (1) and lower (2) output row.
func h1v2Row(sum []int32, out []byte, bias int32) {
	for i, s := range sum {
		out[i] = byte((s + bias) >> 2)
	}
}

// h2v2Row is the horizontal half of h2v2_fancy_upsample, with its edge
// cases and its alternating 8/7 rounding. len(sum) must be over 2.
func h2v2Row(sum []int32, out []byte) {
	n := len(sum)
	out[0] = byte((sum[0]*4 + 8) >> 4)
	out[1] = byte((sum[0]*3 + sum[1] + 7) >> 4)
	for i := 1; i < n-1; i++ {
		out[2*i] = byte((sum[i]*3 + sum[i-1] + 8) >> 4)
		out[2*i+1] = byte((sum[i]*3 + sum[i+1] + 7) >> 4)
	}
	out[2*n-2] = byte((sum[n-1]*3 + sum[n-2] + 8) >> 4)
	out[2*n-1] = byte((sum[n-1]*4 + 7) >> 4)
}

// h2v1Row is h2v1_fancy_upsample for one row. len(in) must be over 2.
func h2v1Row(in, out []byte) {
	n := len(in)
	out[0] = in[0]
	out[1] = byte((int32(in[0])*3 + int32(in[1]) + 2) >> 2)
	for i := 1; i < n-1; i++ {
		v := int32(in[i]) * 3
		out[2*i] = byte((v + int32(in[i-1]) + 1) >> 2)
		out[2*i+1] = byte((v + int32(in[i+1]) + 2) >> 2)
	}
	out[2*n-2] = byte((int32(in[n-1])*3 + int32(in[n-2]) + 1) >> 2)
	out[2*n-1] = in[n-1]
}

// replicateRow is libjpeg's box filter (int_upsample, h2v1_upsample,
// h2v2_upsample): each chroma sample covers hf output columns; the caller
// repeats rows.
func replicateRow(in, out []byte, hf int) {
	for i, v := range in {
		for k := range hf {
			out[i*hf+k] = v
		}
	}
}
