package region

// luma8Row writes the luma Find reads of each RGB pixel of rgb (three
// bytes a pixel), (77R + 150G + 29B) >> 8, to dst: eight pixels a step
// where the CPU allows (luma8_amd64.go), the same values either way.
func luma8Row(dst []byte, rgb []byte) {
	rgb = rgb[:3*len(dst)]
	n := luma8RowFast(dst, rgb)
	luma8RowGo(dst[n:], rgb[3*n:])
}

func luma8RowGo(dst []byte, rgb []byte) {
	rgb = rgb[:3*len(dst)]
	for x := range dst {
		p := rgb[3*x : 3*x+3 : 3*x+3]
		dst[x] = uint8((77*int32(p[0]) + 150*int32(p[1]) + 29*int32(p[2])) >> 8)
	}
}
