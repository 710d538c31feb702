//go:build !purego

package pdq

// The DCT's eight-column dot products and the quality's gradient sum in
// AVX, where the CPU has it: eight columns a step, each column's sum taken
// in the same order and every product, difference and quotient rounded to
// float32 as the Go loops round them (no fused multiply-add), so the
// results are the loops' bit for bit (TestKernelsMatchTheLoops, and the
// reference vectors).

//go:noescape
func dotColumns8AVX(d *[64]float32, rows *[64]float32, n int, j int, out *[8]float32)

//go:noescape
func qualityAVX(a *[64][64]float32) int64

func dotColumns8Fast(d *[64]float32, rows [][64]float32, j int, out *[8]float32) bool {
	if !hasAVX || len(rows) == 0 || j < 0 || j+8 > 64 {
		return false
	}
	dotColumns8AVX(d, &rows[0], len(rows), j, out)
	return true
}

func qualityFast(a *[64][64]float32) (int, bool) {
	if !hasAVX2 {
		return 0, false
	}
	sum := int(qualityAVX(a))
	// The last seven horizontal differences of each row, past the
	// kernel's steps of eight.
	for i := range 64 {
		for j := 56; j < 63; j++ {
			sum += absInt(int((a[i][j] - a[i][j+1]) * 100 / 255))
		}
	}
	return sum, true
}
