//go:build !purego

package region

//go:noescape
func sampledRowAVX2(row *byte, offs *int32, n int, out *byte) (along int64)

// sampledRow is measureRows' loop for one RGB row starting at pix[start:]
// and its samples at byte offsets offs (three times their columns): it
// writes each sample's luma to out and returns the sum of |L(x) - L(x+1)|
// over the samples, four samples a step in AVX2 where the CPU has it.
// Each step reads eight bytes at each sample; where those would pass the
// end of pix, the row is read one sample at a time.
func sampledRow(pix []byte, start int, offs []int32, out []byte) int32 {
	n := len(offs) &^ 3
	if !useAVX2 || n == 0 || start+int(offs[n-1])+8 > len(pix) {
		n = 0
	}
	along := int32(0)
	if n > 0 {
		along = int32(sampledRowAVX2(&pix[start], &offs[0], n, &out[0]))
	}
	return along + sampledRowGo(pix[start:], offs[n:], out[n:len(offs)])
}
