package pdq

// HashSamples hashes 64x64 filtered and decimated samples (row-major, as
// HashLuma takes them) to HashLuma's hash, for about 0.6 of its work: the
// DCT's sums are folded in half and the median selected rather than
// searched, and a bit is taken from them when no coefficient lies within
// float rounding of the median (foldedTolerance), which is all but a few
// per cent of photos' planes. Otherwise (a plane whose coefficients
// cancel, a checkerboard's, a flat one's) the reference's own sums decide.
// The samples are used as scratch space and overwritten.
func (h *Hasher) HashSamples(samples []float32) (Result, error) {
	if len(samples) != 64*64 {
		return Result{}, ErrBadImage
	}
	for i := range 64 {
		copy(h.a64[i][:], samples[i*64:(i+1)*64])
	}
	var res Result
	res.Quality = quality(&h.a64)
	foldedDCT(&h.a64, &h.t16x64, &h.b16)
	if h.foldedBits(&res) {
		return res, nil
	}
	dct64To16(&h.a64, &h.t16x64, &h.b16)
	h.setHashes(&res, h.medianBits)
	return res, nil
}

// foldedTolerance is how near the median, as a share of the largest
// coefficient, a folded coefficient may lie for its bit to be taken from
// it: the folded sums were measured within 1.3e-6 of that share of the
// reference's (2,000 planes of noise, gradients and waves), so a
// coefficient further than this from the median is on the same side of it
// in both, and the median is the same coefficient.
const foldedTolerance = 3e-5

// foldedBits sets res's hashes from the folded coefficients h.b16, and
// reports false, leaving them to the reference's sums, when a coefficient
// of the plane or of a variant lies within foldedTolerance of its median.
func (h *Hasher) foldedBits(res *Result) bool {
	var largest float32
	for i := range 16 {
		for _, c := range h.b16[i] {
			largest = max(largest, c, -c)
		}
	}
	tol := foldedTolerance * largest
	return h.setHashes(res, func(b *[16][16]float32) (Hash, bool) { return h.bitsSelected(b, tol) })
}

// foldedDCT computes dct64To16's B = D A Dᵀ with each 64-term sum folded
// in two: row i of D (frequency i+1) is even about its middle for odd i
// and odd for even i, D[i][63-k] = ±D[i][k], so a sum over k is D[i][k]
// times A[k] ± A[63-k] over the first 32 k. Half the multiplications of
// the reference's order, and other roundings: a coefficient within float
// rounding of the median may land on its other side.
func foldedDCT(a *[64][64]float32, t *[16][64]float32, b *[16][16]float32) {
	var sum, diff [32][64]float32
	for k := range 32 {
		lo, hi := &a[k], &a[63-k]
		for j := range 64 {
			sum[k][j] = lo[j] + hi[j]
			diff[k][j] = lo[j] - hi[j]
		}
	}
	for i := range 16 {
		src := &diff // even i: D[i] is odd about its middle
		if i%2 == 1 {
			src = &sum
		}
		for j := 0; j < 64; j += 8 {
			dotColumns8(&dctMatrix[i], src[:], j, (*[8]float32)(t[i][j:j+8]))
		}
	}
	for i := range 16 {
		ti := &t[i]
		var ts, td [32]float32
		for k := range 32 {
			ts[k], td[k] = ti[k]+ti[63-k], ti[k]-ti[63-k]
		}
		for j := 0; j < 16; j += 2 {
			// Column j of Dᵀ is row j of D: odd about its middle for
			// even j, even for odd j.
			d0, d1 := &dctMatrix[j], &dctMatrix[j+1]
			var s0, s1, s2, s3 float32
			for k := 0; k < 32; k += 2 {
				s0 += td[k] * d0[k]
				s1 += ts[k] * d1[k]
				s2 += td[k+1] * d0[k+1]
				s3 += ts[k+1] * d1[k+1]
			}
			b[i][j], b[i][j+1] = s0+s2, s1+s3
		}
	}
}

// bitsSelected is bits with the median selected (the 128th smallest
// coefficient, which Torben's method returns for 256 values) by
// partitioning a copy, a few passes instead of Torben's dozens. It reports
// false when a coefficient other than the median lies within tol of it.
func (h *Hasher) bitsSelected(b *[16][16]float32, tol float32) (Hash, bool) {
	flat := h.scratch[:]
	for i := range 16 {
		copy(flat[i*16:], b[i][:])
	}
	median := selectKth(flat, (len(flat)+1)/2-1)
	var out Hash
	at := 0 // coefficients equal to the median
	for i := range 16 {
		for j := range 16 {
			d := b[i][j] - median
			switch {
			case d == 0:
				at++
			case d <= tol && -d <= tol:
				return out, false
			case d > 0:
				out.setBit(i*16 + j)
			}
		}
	}
	return out, at == 1
}

// selectKth returns the k-th smallest (from 0) of m, reordering m: Hoare's
// selection with the median of three as the pivot.
func selectKth(m []float32, k int) float32 {
	lo, hi := 0, len(m)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		// The median of m[lo], m[mid], m[hi] as the pivot.
		if m[mid] < m[lo] {
			m[mid], m[lo] = m[lo], m[mid]
		}
		if m[hi] < m[lo] {
			m[hi], m[lo] = m[lo], m[hi]
		}
		if m[hi] < m[mid] {
			m[hi], m[mid] = m[mid], m[hi]
		}
		pivot := m[mid]
		i, j := lo, hi
		for i <= j {
			for m[i] < pivot {
				i++
			}
			for pivot < m[j] {
				j--
			}
			if i <= j {
				m[i], m[j] = m[j], m[i]
				i++
				j--
			}
		}
		// m[lo..j] <= pivot <= m[i..hi], and m[j+1..i-1] equal pivot.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return m[k]
		}
	}
	return m[k]
}
