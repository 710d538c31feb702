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
	j2 := grow(scratch, n*m)
	lum := p.lum[:n*m]
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
	// nearIn counts the samples of the word v within [lo, hi] of a line
	// whose band is loW, hiW: the top bit kept where v >= lo and hi >= v.
	nearIn := func(v, loW, hiW uint64) uint64 {
		ve, vo := v&low, (v>>8)&low
		return (((ve|bit15)-loW)&(hiW-ve))>>15&ones + (((vo|bit15)-loW)&(hiW-vo))>>15&ones
	}
	// A line's share near its mean needs the mean, known after the pass
	// over its words: it is counted in the pass over the next line, which
	// reads those words anyway, and for the last line after the loop.
	var loW, hiW uint64 // the band of the line before
	var lo, hi int32    // and its bounds
	finishLine := func(l int, sum, step, wide, hits int32) {
		// Within colourTol of the mean: |v*m - sum| <= colourTol*m.
		lo = max((sum-colourTol*int32(m)+int32(m)-1)/int32(m), 0)
		hi = (sum + colourTol*int32(m)) / int32(m)
		loW, hiW = uint64(lo)*ones, uint64(hi)*ones|bit15
		p.step[l], p.wide[l] = float32(step)/fm, float32(wide)/fm
		p.mean[l] = float32(sum) / fm
		if l >= 6 {
			p.dom[l-2] = float32(hits) / fm
		}
	}
	// The first lines, with fewer lines before them to compare.
	for l := 0; l < min(n, 6); l++ {
		cur := lum[l*m : l*m+m]
		p.along[l] /= fm
		var sumW, stepW, wideW1, nearW uint64
		for o := 0; o+8 <= len(cur); o += 8 {
			v := le.Uint64(cur[o:])
			ve, vo := v&low, (v>>8)&low
			sumW += ve + vo
			if l == 0 {
				continue
			}
			pw := le.Uint64(lum[(l-1)*m+o:])
			nearW += nearIn(pw, loW, hiW)
			de, do := absd(ve, pw&low), absd(vo, (pw>>8)&low)
			stepW += de + do
			wideW1 += ((de+wideW)>>15)&ones + ((do+wideW)>>15)&ones
			if l < 2 {
				continue
			}
			bw := le.Uint64(lum[(l-2)*m+o:])
			ee, eo := absd(ve, bw&low), absd(vo, (bw>>8)&low)
			le.PutUint64(j2[l*m+o:], ee|eo<<8)
		}
		if l > 0 {
			p.flat[l-1] = float32(hsum(nearW)) / fm
		}
		finishLine(l, hsum(sumW), hsum(stepW), hsum(wideW1), 0)
	}
	for l := 6; l < n; l++ {
		// Each line's words and those it is compared with, cut to one
		// length so that the reads need no bounds checks.
		cur := lum[l*m : l*m+m]
		prev, back := lum[(l-1)*m:l*m], lum[(l-2)*m:(l-1)*m]
		ja, jc, je := j2[(l-4)*m:(l-3)*m], j2[(l-2)*m:(l-1)*m], j2[l*m:l*m+m]
		prev, back, ja, jc, je = prev[:len(cur)], back[:len(cur)], ja[:len(cur)], jc[:len(cur)], je[:len(cur)]
		p.along[l] /= fm
		if sum, near, step, wide, hits, ok := lineWordsFast(cur, prev, back, ja, jc, je, lo, hi); ok {
			// The same counts, 32 samples a step (linewords_amd64.s).
			p.flat[l-1] = float32(near) / fm
			finishLine(l, sum, step, wide, hits)
			continue
		}
		var sumW, stepW, wideW1, hitsW, nearW uint64
		for o := 0; o+8 <= len(cur); o += 8 {
			v := le.Uint64(cur[o : o+8])
			ve, vo := v&low, (v>>8)&low
			sumW += ve + vo
			pw := le.Uint64(prev[o : o+8])
			nearW += nearIn(pw, loW, hiW)
			de, do := absd(ve, pw&low), absd(vo, (pw>>8)&low)
			stepW += de + do
			// Lane top bit set when the jump is at least bigStep.
			wideW1 += ((de+wideW)>>15)&ones + ((do+wideW)>>15)&ones
			bw := le.Uint64(back[o : o+8])
			ee, eo := absd(ve, bw&low), absd(vo, (bw>>8)&low)
			le.PutUint64(je[o:o+8], ee|eo<<8)
			// dom of line l-2: its two-line jump c exceeds both the one
			// two lines before (a) and the one just computed (e) by more
			// than domMargin: a+domMargin-c and e+domMargin-c both
			// negative, which clears the top bit of lane+0x8000.
			aw, cw := le.Uint64(ja[o:o+8]), le.Uint64(jc[o:o+8])
			ae, ao, ce, co := aw&low, (aw>>8)&low, cw&low, (cw>>8)&low
			xe := ((ae | bit15) + domW - ce) | ((ee | bit15) + domW - ce) // in Go, | binds as + does
			xo := ((ao | bit15) + domW - co) | ((eo | bit15) + domW - co)
			hitsW += ((xe>>15)&ones ^ ones) + ((xo>>15)&ones ^ ones)
		}
		p.flat[l-1] = float32(hsum(nearW)) / fm
		finishLine(l, hsum(sumW), hsum(stepW), hsum(wideW1), hsum(hitsW))
	}
	if n > 0 {
		last := lum[(n-1)*m : n*m]
		var nearW uint64
		for o := 0; o+8 <= len(last); o += 8 {
			nearW += nearIn(le.Uint64(last[o:o+8]), loW, hiW)
		}
		p.flat[n-1] = float32(hsum(nearW)) / fm
	}
}
