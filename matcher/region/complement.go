package region

import "image"

// A collage's white gap that runs into one picture's own white margin
// leaves that picture's edge unseen: Find sees the other picture exactly
// (its content ends at the gap) but not this one, or this one only from
// where its content starts, some way inside its margin. The layout still
// tells where it is: two pictures shown together fill the post between
// them, so the one not seen is the rest of the post past the seen one's
// edge and the gap.
//
// complements proposes, for each half of a split that spans the image
// across and touches one end of it, the rest of the image past it, only
// when the lines just past its inner edge are a white gap (uniform, white,
// at least minGap of them, onesided.go) that ends again in content inside
// the rest: a found picture beside a white wall or an overexposed sky runs
// to the image's end and is not completed.

// withComplements appends to the regions Find chose the rest of the image
// beyond each split half among them, where a white gap starts at its inner
// edge, while there is room. A rest may nearly coincide with a region found
// at the far picture's content edge, inside its margin: it is kept unless
// it is that region within 1%, since PDQ tells a crop a few percent
// smaller apart.
func withComplements(pix []byte, width, height, channels int, found []Region) []Region {
	out := found
	full := image.Rect(0, 0, width, height)
	lines := whiteLines{pix: pix, width: width, height: height, channels: channels}
	for _, c := range found {
		if c.Kind != KindSplit {
			continue
		}
		r := c.Rect
		across := r.Min.Y == 0 && r.Max.Y == height // side by side
		down := r.Min.X == 0 && r.Max.X == width    // stacked
		var rest image.Rectangle
		switch {
		case across && r.Min.X == 0 && r.Max.X < width:
			if lines.gapAfter(r.Max.X, false) {
				rest = image.Rect(r.Max.X, 0, width, height)
			}
		case across && r.Min.X > 0 && r.Max.X == width:
			if lines.gapBefore(r.Min.X, false) {
				rest = image.Rect(0, 0, r.Min.X, height)
			}
		case down && r.Min.Y == 0 && r.Max.Y < height:
			if lines.gapAfter(r.Max.Y, true) {
				rest = image.Rect(0, r.Max.Y, width, height)
			}
		case down && r.Min.Y > 0 && r.Max.Y == height:
			if lines.gapBefore(r.Min.Y, true) {
				rest = image.Rect(0, 0, width, r.Min.Y)
			}
		}
		w, h := rest.Dx(), rest.Dy()
		if len(out) == MaxRegions || rest.Empty() || w*h*100 < 15*width*height || w > 5*h || h > 5*w || sameRect(out, rest, width, height) {
			continue
		}
		out = append(out, Region{Rect: rest, Kind: KindSplit, Size: full.Max})
	}
	return out
}

// sameRect reports whether rect is one of rs within a line or two (1% of
// the image's side on a large one) on every side: PDQ tolerates that much,
// so hashing it again adds a lookup and no recall.
func sameRect(rs []Region, rect image.Rectangle, width, height int) bool {
	tx, ty := max(2, width/100), max(2, height/100)
	for _, r := range rs {
		if max(r.Rect.Min.X-rect.Min.X, rect.Min.X-r.Rect.Min.X, r.Rect.Max.X-rect.Max.X, rect.Max.X-r.Rect.Max.X) <= tx &&
			max(r.Rect.Min.Y-rect.Min.Y, rect.Min.Y-r.Rect.Min.Y, r.Rect.Max.Y-rect.Max.Y, rect.Max.Y-r.Rect.Max.Y) <= ty {
			return true
		}
	}
	return false
}

// whiteLines reads whole rows or columns of the input at full resolution.
type whiteLines struct {
	pix                     []byte
	width, height, channels int
}

// stats returns line l's mean luma and the share of its pixels within
// colourTol of it; rows when row, else columns.
func (w whiteLines) stats(l int, row bool) (mean float64, flat float64) {
	n, step, o := w.height, w.width*w.channels, l*w.channels
	if row {
		n, step, o = w.width, w.channels, l*w.width*w.channels
	}
	var sum int32
	for i := 0; i < n; i++ {
		sum += lumaAt(w.pix, o+i*step, w.channels)
	}
	mean = float64(sum) / float64(n)
	near := 0
	for i := 0; i < n; i++ {
		if d := float64(lumaAt(w.pix, o+i*step, w.channels)) - mean; d <= colourTol && d >= -colourTol {
			near++
		}
	}
	return mean, float64(near) / float64(n)
}

// run follows uniform white lines from l in direction dir (as whiteRun
// does on the profiles) and returns the first line past them; ok is false
// when l is not uniform white or the run reaches the image's end.
func (w whiteLines) run(l, dir int, row bool) (int, bool) {
	n := w.width
	if row {
		n = w.height
	}
	white := func(l int) (float64, bool) {
		m, f := w.stats(l, row)
		return m, f >= 0.97 && m >= oneSidedWhite
	}
	if l < 0 || l >= n {
		return l, false
	}
	prev, ok := white(l)
	if !ok {
		return l, false
	}
	r := l + dir
	for ; r >= 0 && r < n; r += dir {
		m, ok := white(r)
		if !ok || m-prev > gapTol || prev-m > gapTol {
			break
		}
		prev = m
	}
	return r, r >= 0 && r < n
}

// gapAfter reports whether a white gap starts at line e, past the end of
// a picture (or a line later, past a line resizing blended), and ends in
// content leaving the rest of the axis at least 15% of it.
func (w whiteLines) gapAfter(e int, row bool) bool {
	n := w.width
	if row {
		n = w.height
	}
	for _, s := range [2]int{e, e + 1} {
		if r, ok := w.run(s, 1, row); ok && r-s >= minGap && r <= n-n*15/100 {
			return true
		}
	}
	return false
}

// gapBefore is gapAfter for a picture that starts at line s.
func (w whiteLines) gapBefore(s int, row bool) bool {
	n := w.width
	if row {
		n = w.height
	}
	for _, e := range [2]int{s - 1, s - 2} {
		if r, ok := w.run(e, -1, row); ok && e-r >= minGap && r >= n*15/100-1 {
			return true
		}
	}
	return false
}

// lumaAt is the luma of the pixel at byte offset o, in the line profiles'
// integer weights.
func lumaAt(pix []byte, o, channels int) int32 {
	if channels == 1 {
		return int32(pix[o])
	}
	return (77*int32(pix[o]) + 150*int32(pix[o+1]) + 29*int32(pix[o+2])) >> 8
}
