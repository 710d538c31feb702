package pdq

// LumaRow writes the luma Hash computes of each RGB pixel of rgb (three
// bytes a pixel) to dst, one value a pixel: Luma of each, bit for bit,
// eight pixels a step where the CPU allows (lumarow_amd64.go).
func LumaRow(dst []float32, rgb []byte) {
	rgb = rgb[:3*len(dst)]
	n := lumaRowFast(dst, rgb)
	lumaRowGo(dst[n:], rgb[3*n:])
}

// lumaRowGo is LumaRow one pixel at a time.
func lumaRowGo(dst []float32, rgb []byte) {
	rgb = rgb[:3*len(dst)]
	for x := range dst {
		c := rgb[3*x : 3*x+3 : 3*x+3]
		dst[x] = luma(c[0], c[1], c[2])
	}
}
