package region

import "image"

// crossPadded looks, inside each band a padded picture spans (rows over
// padding above and below, or columns over padding left and right), for
// padding on the other axis too: a landscape picture centred on a square
// or a phone's canvas over a blurred copy of itself has padding on all four
// sides. Over the whole image the seams on the other axis are weak (the
// padding above and below does not jump there), within the band they are
// as clear as the first pair. It returns the pictures so bounded, ranked
// above every region the working copy proposes: padding proven on all four
// sides is the strongest evidence Find has, and the working copy's region
// of such a picture often runs out over one thin strip of the padding
// (5% of a side, 40 to 80 bits of PDQ) while still overlapping it enough
// to hide it as a duplicate.
func crossPadded(pix []byte, width, height, channels int, found []scored) []scored {
	var out []scored
	for _, f := range found {
		if f.Kind != KindPadding {
			continue
		}
		r := f.Rect
		w, h := r.Dx(), r.Dy()
		// The band is read in place (no copy), on the one axis asked of
		// it: its columns in a band of rows, its rows in a band of columns.
		stride := width * channels
		var sub []byte
		axes := 0
		switch {
		case r.Dx() == width && r.Dy() < height:
			sub, axes = pix[r.Min.Y*stride:r.Max.Y*stride], colsOnly
		case r.Dy() == height && r.Dx() < width:
			sub, axes = pix[r.Min.X*channels:], rowsOnly
		default:
			continue
		}
		if w < 32 || h < 32 {
			continue
		}
		ps := measureLines(sub, w, h, channels, stride, axes)
		var in image.Rectangle
		ok := false
		if r.Dx() == width {
			var a, b int
			if a, b, ok = ps.cols.padded(crossWeak); !ok {
				a, b, ok = ps.cols.crossCalm() // crosscalm.go
			}
			if ok {
				in = image.Rect(a, r.Min.Y, b, r.Max.Y)
			}
		} else {
			var a, b int
			if a, b, ok = ps.rows.padded(crossWeak); !ok {
				a, b, ok = ps.rows.crossCalm()
			}
			if ok {
				in = image.Rect(r.Min.X, a, r.Max.X, b)
			}
		}
		ps.release()
		if !ok || in.Dx()*in.Dy()*100 < 15*width*height || in.Dx() > 5*in.Dy() || in.Dy() > 5*in.Dx() {
			continue
		}
		out = append(out, scored{Region{Rect: in, Kind: KindPadding, Size: f.Size, Margin: "padding on all sides"}, f.score + crossRank})
	}
	return out
}

// crossRank lifts a picture padded on all four sides above the working
// copy's regions (whose scores are 1 to 2) and above the band it was
// found in.
const crossRank = 1

// crossOpen looks again for padding on all four sides in the bands of the
// regions found so far that are not yet bounded on both axes. A region
// closed on two opposite sides but run to the image's edge on one or both
// of the others gives its band: over a blurred copy of itself, a picture's
// thin strip of padding is often not background to the working copy, and
// the line profiles of the whole image, diluted by the padding above and
// below, did not find the band. A region closed on one side only (a
// caption bar's or a split's edge, found where the blur below the picture
// was taken for the rest of the post) gives the band between that edge
// and its mirrored line, as apps centre the picture. Either band holds a
// picture only if crossPadded finds padding across it too. A picture in a
// mirrored band is not lifted above the region it came from: its mirrored
// edge is a guess, and where a band measured at both edges holds nearly
// the same picture, that one is kept. The first crossed of found are the
// line profiles' regions, whose padded bands crossPadded read already.
func crossOpen(pix []byte, width, height, channels int, found []scored, crossed int) []scored {
	var bands []scored
	add := func(band image.Rectangle, score float64) {
		if band.Dx() < 32 || band.Dy() < 32 {
			return
		}
		for _, b := range bands {
			if b.Rect == band {
				return
			}
		}
		for _, f := range found[:crossed] {
			if f.Kind == KindPadding && f.Rect == band {
				return
			}
		}
		bands = append(bands, scored{Region{Rect: band, Kind: KindPadding, Size: image.Pt(width, height)}, score})
	}
	for _, f := range found {
		r := f.Rect
		top, bottom := r.Min.Y > 0, r.Max.Y < height
		lft, rgt := r.Min.X > 0, r.Max.X < width
		switch {
		case top && bottom && !(lft && rgt):
			add(image.Rect(0, r.Min.Y, width, r.Max.Y), f.score)
		case top != bottom && !lft && !rgt:
			e := r.Min.Y
			if bottom {
				e = height - r.Max.Y
			}
			add(image.Rect(0, e, width, height-e), f.score-crossRank)
		}
		switch {
		case lft && rgt && !(top && bottom):
			add(image.Rect(r.Min.X, 0, r.Max.X, height), f.score)
		case lft != rgt && !top && !bottom:
			e := r.Min.X
			if rgt {
				e = width - r.Max.X
			}
			add(image.Rect(e, 0, width-e, height), f.score-crossRank)
		}
	}
	var out []scored
	for _, band := range bands {
		for _, c := range crossPadded(pix, width, height, channels, []scored{band}) {
			if calmBeyond(pix, width, height, channels, c.Rect, band.Rect.Dx() == width) {
				out = append(out, c)
			}
		}
	}
	return out
}

// beyondLines is how many lines past each of the band's edges calmBeyond
// reads.
const beyondLines = 6

// calmBeyond reports whether, across the width of the picture found in a
// band (rows says the band spans whole rows), none of the few lines just
// beyond each of the band's edges jumps from the line before it by bigStep
// at more than calmWide of its samples: there the band's edge came from a
// region the working copy found, or from a mirrored guess, and beyond a
// picture's edge lies the blurred padding, which never jumps between
// neighbouring lines. Beyond a soft-focused photo's sharp middle, or the
// half of a picture beside a pole, the picture goes on, and over half its
// samples jump (measured 0.57 to 0.69; at most 0.03 beyond a padded
// picture's edges). Only those lines are read, at lineSamples positions.
func calmBeyond(pix []byte, width, height, channels int, in image.Rectangle, rows bool) bool {
	// Line l of the band's axis at sample q across it, as a byte offset.
	at := func(l, q int) int { return (l*width + q) * channels }
	lo, hi, n := in.Min.Y, in.Max.Y, height
	a, b := in.Min.X, in.Max.X
	if !rows {
		at = func(l, q int) int { return (q*width + l) * channels }
		lo, hi, n = in.Min.X, in.Max.X, width
		a, b = in.Min.Y, in.Max.Y
	}
	qs := spread(b-a, lineSamples)
	calm := func(l int) bool {
		wide := 0
		for _, q := range qs {
			if abs32(lumaAt(pix, at(l, a+q), channels)-lumaAt(pix, at(l-1, a+q), channels)) >= bigStep {
				wide++
			}
		}
		return float32(wide) <= calmWide*float32(len(qs))
	}
	// The jumps into the edge's line and the one after (a resized seam
	// smears over two) are the edge's own.
	for l := max(lo-beyondLines, 1); l < lo-1; l++ {
		if !calm(l) {
			return false
		}
	}
	for l := hi + 2; l < min(hi+beyondLines, n); l++ {
		if !calm(l) {
			return false
		}
	}
	return true
}
