//go:build !amd64 || purego

package region

func lineWordsFast(cur, prev, back, ja, jc, je []byte, lo, hi int32) (sum, near, step, wide, hits int32, ok bool) {
	return 0, 0, 0, 0, 0, false
}
