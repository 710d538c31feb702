package hamming

import "math/bits"

// maxSubs is the largest number of substrings a hash is cut into.
const maxSubs = 11

// layout cuts a hash into m disjoint substrings that together cover it,
// the longest first. Bit 0 is the most significant bit of word 0.
type layout struct {
	m     int
	off   [maxSubs]uint // first bit
	width [maxSubs]uint // bits, at most 24
}

// layoutFor returns the layout for hashes of words 64-bit words: four
// 16-bit substrings for a 64-bit hash, and for PDQ eleven substrings of 24
// or 23 bits (3*24 + 8*23 = 256).
func layoutFor(words int) layout {
	var l layout
	if words == 1 {
		l.m = 4
		for i := range 4 {
			l.off[i], l.width[i] = uint(16*i), 16
		}
		return l
	}
	l.m = 11
	off := uint(0)
	for i := range 11 {
		w := uint(23)
		if i < 3 {
			w = 24
		}
		l.off[i], l.width[i] = off, w
		off += w
	}
	return l
}

// extract returns the width-bit substring at bit off of a hash stored as
// words. width is at most 32.
func extract(w []uint64, off, width uint) uint32 {
	i, b := off/64, off%64
	x := w[i] << b
	if b+width > 64 {
		x |= w[i+1] >> (64 - b)
	}
	return uint32(x >> (64 - width))
}

// radii sets rad[i], the probe radius of substring i for a search at
// radius r, and returns how many substrings are probed (rad[i] >= 0).
//
// Generalised pigeonhole: if the distances d_i of the substrings sum to at
// most r and the radii satisfy sum(rad[i]+1) >= r+1, then some substring
// has d_i <= rad[i]. With b = (r+1)/m and e = (r+1)%m, the first e
// substrings get radius b and the others b-1, so the sum is exactly r+1;
// a radius of -1 means the substring is not probed at all.
func radii(m, r int, rad *[maxSubs]int) int {
	b, e := (r+1)/m, (r+1)%m
	probed := 0
	for i := range m {
		rad[i] = b - 1
		if i < e {
			rad[i] = b
		}
		if rad[i] >= 0 {
			probed++
		}
	}
	return probed
}

// nextComb returns the next larger integer with the same number of set
// bits as x (Gosper's hack); x must be non-zero.
func nextComb(x uint32) uint32 {
	t := x | (x - 1)
	return (t + 1) | ((^t&-^t)-1)>>(bits.TrailingZeros32(x)+1)
}
