package region

// scaleInto sets dst[i] = w * src[i] for every i of dst (src at least as
// long). addScaled adds w * src[i] to each dst[i]. Both round the product
// to float32 before the sum, as the Go statements `dst[i] = w * src[i]`
// and `dst[i] += w * src[i]` do on amd64, so a run of them gives the same
// sums, bit for bit, whichever kernel runs (weighted_amd64.go).

func scaleIntoGo(dst, src []float32, w float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = float32(w * v)
	}
}

func addScaledGo(dst, src []float32, w float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += float32(w * v)
	}
}

// weightedSumGo sets dst[i] to the sum over the taps q, in order, of
// w[q] * srcs[q][i]: scaleIntoGo then addScaledGo for each further tap,
// in one pass.
func weightedSumGo(dst []float32, srcs *[maxTaps][]float32, w []float32) {
	for i := range dst {
		sum := float32(w[0] * srcs[0][i])
		for q := 1; q < len(w); q++ {
			sum += float32(w[q] * srcs[q][i])
		}
		dst[i] = sum
	}
}
