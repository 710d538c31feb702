//go:build !purego

package region

import "golang.org/x/sys/cpu"

// useAVX is whether the AVX kernels run: eight products and sums a step,
// each rounded as the Go loop rounds it (no fused multiply-add), so the
// result is the same as scaleIntoGo's and addScaledGo's.
var useAVX = cpu.X86.HasAVX

//go:noescape
func scaleIntoAVX(dst, src []float32, w float32)

//go:noescape
func addScaledAVX(dst, src []float32, w float32)

func scaleInto(dst, src []float32, w float32) {
	src = src[:len(dst)]
	if !useAVX {
		scaleIntoGo(dst, src, w)
		return
	}
	n := len(dst) &^ 7
	scaleIntoAVX(dst[:n], src[:n], w)
	scaleIntoGo(dst[n:], src[n:], w)
}

func addScaled(dst, src []float32, w float32) {
	src = src[:len(dst)]
	if !useAVX {
		addScaledGo(dst, src, w)
		return
	}
	n := len(dst) &^ 7
	addScaledAVX(dst[:n], src[:n], w)
	addScaledGo(dst[n:], src[n:], w)
}

//go:noescape
func weightedSumAVX(dst *float32, n int, srcs *[maxTaps]*float32, w *float32, taps int)

// weightedSum is weightedSumGo, eight values a step where the CPU allows:
// each sum in the same order, each product and sum rounded as there. The
// sources are each at least as long as dst; w has 1 to maxTaps weights.
func weightedSum(dst []float32, srcs *[maxTaps][]float32, w []float32) {
	taps := len(w)
	for q := range taps {
		srcs[q] = srcs[q][:len(dst)]
	}
	n := len(dst) &^ 7
	if !useAVX || taps == 0 || taps > maxTaps {
		n = 0
	}
	if n > 0 {
		var ptrs [maxTaps]*float32
		for q := range taps {
			ptrs[q] = &srcs[q][0]
		}
		weightedSumAVX(&dst[0], n, &ptrs, &w[0], taps)
	}
	if n < len(dst) {
		var rest [maxTaps][]float32
		for q := range taps {
			rest[q] = srcs[q][n:]
		}
		weightedSumGo(dst[n:], &rest, w)
	}
}
