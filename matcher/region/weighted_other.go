//go:build !amd64 || purego

package region

func scaleInto(dst, src []float32, w float32) { scaleIntoGo(dst, src, w) }

func addScaled(dst, src []float32, w float32) { addScaledGo(dst, src, w) }

func weightedSum(dst []float32, srcs *[maxTaps][]float32, w []float32) { weightedSumGo(dst, srcs, w) }
