//go:build !purego

package pdq

import "golang.org/x/sys/cpu"

// hasAVX is whether lumaRowAVX runs. It rounds each weight's product and
// then the two sums in luma's order (no fused multiply-add), so its values
// are luma's.
var hasAVX = cpu.X86.HasAVX

// hasAVX2 is whether qualityAVX runs (its integer sums are AVX2's).
var hasAVX2 = cpu.X86.HasAVX2

//go:noescape
func lumaRowAVX(dst []float32, rgb []byte, w *[3]float32)

var lumaWeights = [3]float32{lumaR, lumaG, lumaB}

// lumaRowFast converts the pixels of whole steps of eight and returns how
// many it converted.
func lumaRowFast(dst []float32, rgb []byte) int {
	if !hasAVX {
		return 0
	}
	n := len(dst) &^ 7
	if n > 0 {
		lumaRowAVX(dst[:n], rgb[:3*n], &lumaWeights)
	}
	return n
}
