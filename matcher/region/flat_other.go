//go:build !amd64

package region

func minMax3(lo, hi, r0, r1, r2 []byte) { minMax3Go(lo, hi, r0, r1, r2) }

func flatInner(f []bool, lo, hi []byte, tol int32) { flatInnerGo(f, lo, hi, tol) }
