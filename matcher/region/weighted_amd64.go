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
