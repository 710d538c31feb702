package media

import "image"

// webpYUVToRGB converts lossy WebP's 4:2:0 YUV the way libwebp (and so
// ImageMagick) does by default: its "fancy" upsampler, which interpolates
// chroma with weights 9/16, 3/16, 3/16, 1/16 in a particular integer order,
// then its 14-bit fixed-point BT.601 limited-range formula.
func webpYUVToRGB(m *image.YCbCr) *Image {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	out := newImage(w, h, 3)
	cw, ch := (w+1)/2, (h+1)/2
	yOff := m.YOffset(b.Min.X, b.Min.Y)
	cOff := m.COffset(b.Min.X, b.Min.Y)
	chromaRow := func(plane []byte, r int) []byte {
		return plane[cOff+r*m.CStride : cOff+r*m.CStride+cw]
	}
	u := make([]byte, w)
	v := make([]byte, w)
	for r := range h {
		near := r / 2
		far := max(near-1, 0) // even rows lie below their chroma row's centre
		if r%2 == 1 {
			far = min(near+1, ch-1)
		}
		if r == 0 {
			far = 0
		}
		webpUpsampleRow(chromaRow(m.Cb, near), chromaRow(m.Cb, far), u)
		webpUpsampleRow(chromaRow(m.Cr, near), chromaRow(m.Cr, far), v)
		yrow := m.Y[yOff+r*m.YStride:]
		o := out.Pix[r*w*3:]
		for x := range w {
			y := int(yrow[x])
			o[3*x] = webpClip(mulHi(y, 19077) + mulHi(int(v[x]), 26149) - 14234)
			o[3*x+1] = webpClip(mulHi(y, 19077) - mulHi(int(u[x]), 6419) - mulHi(int(v[x]), 13320) + 8708)
			o[3*x+2] = webpClip(mulHi(y, 19077) + mulHi(int(u[x]), 33050) - 17685)
		}
	}
	return out
}

// webpUpsampleRow interpolates one full-width chroma row from the nearer
// chroma row and the farther one, as libwebp's UpsampleRgbLinePair does
// for one of its two output rows.
func webpUpsampleRow(near, far, out []byte) {
	w := len(out)
	tl, l := int(near[0]), int(far[0])
	out[0] = byte((3*tl + l + 2) >> 2)
	last := (w - 1) >> 1
	for x := 1; x <= last; x++ {
		t, c := int(near[x]), int(far[x])
		avg := tl + t + l + c + 8
		diag12 := (avg + 2*(t+l)) >> 3
		diag03 := (avg + 2*(tl+c)) >> 3
		out[2*x-1] = byte((diag12 + tl) >> 1)
		out[2*x] = byte((diag03 + t) >> 1)
		tl, l = t, c
	}
	if w%2 == 0 {
		out[w-1] = byte((3*tl + l + 2) >> 2)
	}
}

func mulHi(v, coeff int) int { return (v * coeff) >> 8 }

// webpClip takes a value with 6 fractional bits to 0..255.
func webpClip(v int) byte {
	const mask = (256 << 6) - 1
	if v&^mask == 0 {
		return byte(v >> 6)
	}
	if v < 0 {
		return 0
	}
	return 255
}
