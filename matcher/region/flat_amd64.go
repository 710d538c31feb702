//go:build !purego

package region

import "golang.org/x/sys/cpu"

// useAVX2 is whether the byte kernels of markFlat run.
var useAVX2 = cpu.X86.HasAVX2

//go:noescape
func minMax3AVX2(lo, hi, r0, r1, r2 []byte)

//go:noescape
func flatInnerAVX2(f []bool, lo, hi []byte, tol byte)

func minMax3(lo, hi, r0, r1, r2 []byte) {
	if !useAVX2 {
		minMax3Go(lo, hi, r0, r1, r2)
		return
	}
	n := len(lo) &^ 31
	if n > 0 {
		minMax3AVX2(lo[:n], hi[:n], r0[:n], r1[:n], r2[:n])
	}
	minMax3Go(lo[n:], hi[n:], r0[n:], r1[n:], r2[n:])
}

func flatInner(f []bool, lo, hi []byte, tol int32) {
	if !useAVX2 || tol < 0 || tol > 255 {
		flatInnerGo(f, lo, hi, tol)
		return
	}
	_, _ = lo[len(f)+1], hi[len(f)+1]
	n := len(f) &^ 31
	if n > 0 {
		flatInnerAVX2(f[:n], lo[:n+2], hi[:n+2], byte(tol))
	}
	flatInnerGo(f[n:], lo[n:], hi[n:], tol)
}
