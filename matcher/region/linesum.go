package region

import "encoding/binary"

// finishWords computes what finishSamples does, eight samples at a time:
// the line profiles are most of Find's cost on a photo that is no re-post.
// A word of eight samples is split into its even and odd bytes, each held
// in four 16-bit lanes, where a sample's differences, comparisons and
// counts fit without carrying into the next lane (samples are at most 255
// and a line has at most lineSamples = 128 of them, so no lane sum passes
// 65535). It needs m to be a multiple of 8.
func (p *lineProfile) finishWords(scratch *[]uint8) {
	const (
		ones  = 0x0001000100010001 // 1 in each lane
		low   = 0x00FF00FF00FF00FF // a lane's low byte: the sample
		bit8  = 0x0100010001000100
		bit15 = 0x8000800080008000 // a lane's top bit: a comparison's result
		wideW = (0x8000 - bigStep) * ones
		domW  = domMargin * ones
	)
	n, m := p.n, p.m
	fm := float32(m)
	words := m / 8
	j2 := grow(scratch, n*m)
	le := binary.LittleEndian
	// absd is |x-y| in each lane: x-y+256 keeps bit 8 where x >= y; where
	// not, the low byte is 256-(y-x), whose two's complement is y-x.
	absd := func(x, y uint64) uint64 {
		t := (x | bit8) - y
		neg := (t>>8)&ones ^ ones
		return (t&low ^ neg*0xFF) + neg
	}
	// hsum adds the four lanes (their total is under 65536).
	hsum := func(x uint64) int32 { return int32((x * ones) >> 48) }
	for l := 0; l < n; l++ {
		cur := p.lum[l*m : l*m+m]
		p.along[l] /= fm
		var sumW, stepW, wideW1, hitsW uint64
		for w := range words {
			v := le.Uint64(cur[8*w:])
			ve, vo := v&low, (v>>8)&low
			sumW += ve + vo
			if l == 0 {
				continue
			}
			pw := le.Uint64(p.lum[(l-1)*m+8*w:])
			de, do := absd(ve, pw&low), absd(vo, (pw>>8)&low)
			stepW += de + do
			// Lane top bit set when the jump is at least bigStep.
			wideW1 += ((de+wideW)>>15)&ones + ((do+wideW)>>15)&ones
			if l < 2 {
				continue
			}
			bw := le.Uint64(p.lum[(l-2)*m+8*w:])
			ee, eo := absd(ve, bw&low), absd(vo, (bw>>8)&low)
			le.PutUint64(j2[l*m+8*w:], ee|eo<<8)
			if l < 6 {
				continue
			}
			// dom of line l-2: its two-line jump c exceeds both the one
			// two lines before (a) and the one just computed (e) by more
			// than domMargin: a+domMargin-c and e+domMargin-c both
			// negative, which clears the top bit of lane+0x8000.
			aw, cw := le.Uint64(j2[(l-4)*m+8*w:]), le.Uint64(j2[(l-2)*m+8*w:])
			ae, ao, ce, co := aw&low, (aw>>8)&low, cw&low, (cw>>8)&low
			xe := ((ae | bit15) + domW - ce) | ((ee | bit15) + domW - ce) // in Go, | binds as + does
			xo := ((ao | bit15) + domW - co) | ((eo | bit15) + domW - co)
			hitsW += ((xe>>15)&ones ^ ones) + ((xo>>15)&ones ^ ones)
		}
		sum, step := hsum(sumW), hsum(stepW)
		// Within colourTol of the mean: |v*m - sum| <= colourTol*m.
		lo := max((sum-colourTol*int32(m)+int32(m)-1)/int32(m), 0)
		hi := (sum + colourTol*int32(m)) / int32(m)
		loW, hiW := uint64(lo)*ones, uint64(hi)*ones|bit15
		var nearW uint64
		for w := range words {
			v := le.Uint64(cur[8*w:])
			ve, vo := v&low, (v>>8)&low
			// Top bit kept where v >= lo and where hi >= v.
			nearW += (((ve|bit15)-loW)&(hiW-ve))>>15&ones + (((vo|bit15)-loW)&(hiW-vo))>>15&ones
		}
		wide, near := int(hsum(wideW1)), int(hsum(nearW))
		p.step[l], p.wide[l] = float32(step)/fm, float32(wide)/fm
		p.mean[l], p.flat[l] = float32(sum)/fm, float32(near)/fm
		if l >= 6 {
			p.dom[l-2] = float32(hsum(hitsW)) / fm
		}
	}
}
