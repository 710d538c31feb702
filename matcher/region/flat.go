package region

// minMax3 sets lo[x] and hi[x] to the least and the greatest of r0[x],
// r1[x] and r2[x]; flatInner sets f[x] to whether the greatest of hi[x],
// hi[x+1] and hi[x+2] exceeds the least of lo[x], lo[x+1] and lo[x+2] by
// at most tol. markFlat runs them, 32 bytes a step where the CPU allows
// (flat_amd64.go), with the same results either way.

func minMax3Go(lo, hi, r0, r1, r2 []byte) {
	hi, r0, r1, r2 = hi[:len(lo)], r0[:len(lo)], r1[:len(lo)], r2[:len(lo)]
	for x := range lo {
		// In int32, min and max compile to conditional moves (there is
		// none on bytes): which pixel is darkest is as good as random.
		a, b, c := int32(r0[x]), int32(r1[x]), int32(r2[x])
		lo[x], hi[x] = uint8(min(a, b, c)), uint8(max(a, b, c))
	}
}

func flatInnerGo(f []bool, lo, hi []byte, tol int32) {
	n := len(f)
	l0, l1, l2 := lo[:n], lo[1:n+1], lo[2:n+2]
	h0, h1, h2 := hi[:n], hi[1:n+1], hi[2:n+2]
	for x := range f {
		top := max(int32(h0[x]), int32(h1[x]), int32(h2[x]))
		f[x] = top-min(int32(l0[x]), int32(l1[x]), int32(l2[x])) <= tol
	}
}
