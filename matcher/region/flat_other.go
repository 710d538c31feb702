//go:build !amd64 || purego

package region

// Without amd64 the Go loops run (the kernels are amd64 assembly).
var useAVX, useAVX2 bool

func minMax3(lo, hi, r0, r1, r2 []byte) { minMax3Go(lo, hi, r0, r1, r2) }

func flatInner(f []bool, lo, hi []byte, tol int32) { flatInnerGo(f, lo, hi, tol) }
