package region

import "unsafe"

// The working copy's line profiles (seam.go) count, between two runs of
// luma bytes, the absolute differences and how many reach a step; and
// count the background pixels. These are those counts, 32 bytes a step
// where the CPU allows (steps_amd64.go), the same either way.

// bytesOf is a run of bools as bytes (0 and 1).
func bytesOf(b []bool) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
}

// stepsGo returns the sum of |a[i] - b[i]| and how many are at least t.
func stepsGo(a, b []byte, t int32) (sum, wide int32) {
	b = b[:len(a)]
	for i, v := range a {
		d := int32(v) - int32(b[i])
		d = max(d, -d)
		sum += d
		wide += int32(uint32(t-1-d) >> 31)
	}
	return sum, wide
}

// countGo returns the sum of the bytes of b.
func countGo(b []byte) int32 {
	n := int32(0)
	for _, v := range b {
		n += int32(v)
	}
	return n
}

// addStepsGo adds |a[i] - b[i]| to sum[i] and 1 to wide[i] where it is at
// least t.
func addStepsGo(sum, wide []int32, a, b []byte, t int32) {
	wide, a, b = wide[:len(sum)], a[:len(sum)], b[:len(sum)]
	for i := range sum {
		d := int32(a[i]) - int32(b[i])
		d = max(d, -d)
		sum[i] += d
		wide[i] += int32(uint32(t-1-d) >> 31)
	}
}

// addBytesGo adds b[i] to acc[i].
func addBytesGo(acc []int32, b []byte) {
	b = b[:len(acc)]
	for i, v := range b {
		acc[i] += int32(v)
	}
}

// addAbsDiffGo adds |a[i] - b[i]| to acc[i].
func addAbsDiffGo(acc []int32, a, b []byte) {
	a, b = a[:len(acc)], b[:len(acc)]
	for i, v := range a {
		d := int32(v) - int32(b[i])
		acc[i] += max(d, -d)
	}
}

// transpose8Go stores the eight rows of src (width bytes each) column by
// column: column x's eight values at dst[x*m:x*m+8], row 0 first.
func transpose8Go(dst []byte, m int, src []byte, width int) {
	src = src[:8*width]
	for x := range width {
		d := dst[x*m : x*m+8 : x*m+8]
		for j := range d {
			d[j] = src[j*width+x]
		}
	}
}
