package region

// sampledRowGo writes the luma of the pixel at each byte offset of offs in
// row to out and returns the sum of |L(pixel) - L(next pixel)| (the
// samples stop short of a row's last pixel).
func sampledRowGo(row []byte, offs []int32, out []byte) int32 {
	out = out[:len(offs)]
	var along int32
	for i, o := range offs {
		p := row[o : o+6 : o+6]
		v := (77*int32(p[0]) + 150*int32(p[1]) + 29*int32(p[2])) >> 8
		u := (77*int32(p[3]) + 150*int32(p[4]) + 29*int32(p[5])) >> 8
		out[i] = uint8(v)
		along += abs32(v - u)
	}
	return along
}
