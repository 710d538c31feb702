//go:build !purego

package region

// lineWordsAVX2 is one line's pass of finishWords' main loop, 32 samples
// a step: over the m samples of the line (cur), the one before (prev) and
// the one before that (back), it returns the sum of cur, how many of prev
// lie within [lo, hi], the sum of |cur - prev| and how many of those are
// under bigm1+1, and how many samples of jc do not exceed both ja and
// the new two-line jumps |cur - back| (which it stores at je) by more
// than dom. m is a multiple of 32.
//
//go:noescape
func lineWordsAVX2(cur, prev, back, ja, jc, je *byte, m int, lo, hi, bigm1, dom byte) (sum, near, step, less, nothit int64)

// lineWordsFast runs lineWordsAVX2 when the CPU has AVX2 and the line's
// samples come in steps of 32, and reports whether it did.
func lineWordsFast(cur, prev, back, ja, jc, je []byte, lo, hi int32) (sum, near, step, wide, hits int32, ok bool) {
	m := len(cur)
	if !useAVX2 || m == 0 || m%32 != 0 || lo < 0 || lo > 255 || hi < 0 {
		return 0, 0, 0, 0, 0, false
	}
	_, _, _, _, _ = prev[m-1], back[m-1], ja[m-1], jc[m-1], je[m-1]
	s, nr, st, ls, nh := lineWordsAVX2(&cur[0], &prev[0], &back[0], &ja[0], &jc[0], &je[0], m,
		byte(lo), byte(min(hi, 255)), bigStep-1, domMargin)
	return int32(s), int32(nr), int32(st), int32(int64(m) - ls), int32(int64(m) - nh), true
}
