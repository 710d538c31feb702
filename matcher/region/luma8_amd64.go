//go:build !purego

package region

//go:noescape
func luma8RowAVX(dst []byte, rgb []byte, w *[4]float32)

// luma8Weights are the weights and the final shift as a factor. Every sum
// of the weights' products is an integer under 2^24, so float32 holds it
// exactly, and so the truncated quotient is the integer shift's.
var luma8Weights = [4]float32{77, 150, 29, 1.0 / 256}

// luma8RowFast converts the pixels of whole steps of eight and returns how
// many it converted.
func luma8RowFast(dst []byte, rgb []byte) int {
	if !useAVX {
		return 0
	}
	n := len(dst) &^ 7
	if n > 0 {
		luma8RowAVX(dst[:n], rgb[:3*n], &luma8Weights)
	}
	return n
}
