//go:build !purego

package region

//go:noescape
func workRowAVX2(ra, rb *byte, xa, xb *int, n int, rgb, lum *byte)

// workRow is workRowGo, four cells a step in AVX2 where the CPU has it:
// the same integer sums, and the luma's division by 1000 made in float32,
// which is exact here (the dividend is an integer under 2^24, and no
// quotient rounds up to the next integer). The kernel reads four bytes at
// each offset and stores sixteen bytes for each four cells' twelve, so it
// stops two cells short of the row's end (those cells' samples lie at
// least two pixels before it), and the rest is done here.
func workRow(ra, rb []byte, xa, xb []int, rgb, lum []byte) {
	n := 0
	if useAVX2 && len(lum) > 2 {
		n = (len(lum) - 2) &^ 3
	}
	if n > 0 {
		_ = rb[len(ra)-1]
		_, _, _, _ = xa[n-1], xb[n-1], rgb[3*n+3], lum[n-1]
		workRowAVX2(&ra[0], &rb[0], &xa[0], &xb[0], n, &rgb[0], &lum[0])
	}
	workRowGo(ra, rb, xa[n:], xb[n:], rgb[3*n:], lum[n:])
}
