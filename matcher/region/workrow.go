package region

// workRowGo fills one row of the working copy from RGB rows ra and rb:
// cell x is the rounded mean of the pixels at byte offsets xa[x] and xb[x]
// of both rows, and its luma (299R + 587G + 114B) / 1000, rounded.
func workRowGo(ra, rb []byte, xa, xb []int, rgb, lum []byte) {
	rb = rb[:len(ra)]
	xa, xb, rgb = xa[:len(lum)], xb[:len(lum)], rgb[:3*len(lum)]
	for x := range lum {
		o0, o1 := xa[x], xb[x]
		p, q := ra[o0:o0+3:o0+3], ra[o1:o1+3:o1+3]
		u, v := rb[o0:o0+3:o0+3], rb[o1:o1+3:o1+3]
		rr := (int(p[0]) + int(q[0]) + int(u[0]) + int(v[0]) + 2) >> 2
		gg := (int(p[1]) + int(q[1]) + int(u[1]) + int(v[1]) + 2) >> 2
		bb := (int(p[2]) + int(q[2]) + int(u[2]) + int(v[2]) + 2) >> 2
		c := rgb[3*x : 3*x+3 : 3*x+3]
		c[0], c[1], c[2] = uint8(rr), uint8(gg), uint8(bb)
		lum[x] = uint8((299*rr + 587*gg + 114*bb + 500) / 1000)
	}
}
