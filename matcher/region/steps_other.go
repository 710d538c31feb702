//go:build !amd64 || purego

package region

func steps(a, b []byte, t int32) (sum, wide int32)     { return stepsGo(a, b, t) }
func count(b []byte) int32                             { return countGo(b) }
func addSteps(sum, wide []int32, a, b []byte, t int32) { addStepsGo(sum, wide, a, b, t) }
func addBytes(acc []int32, b []byte)                   { addBytesGo(acc, b) }

func addAbsDiff(acc []int32, a, b []byte) { addAbsDiffGo(acc, a, b) }

func transpose8(dst []byte, m int, src []byte, width int) { transpose8Go(dst, m, src, width) }
