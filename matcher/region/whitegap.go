package region

import "image"

// A collage's white gap between two pictures, re-encoded, is not plain:
// JPEG rings a few levels beside the pictures' edges and resizing blends
// the first and last lines of the gap with them. gapSplit needs plain
// lines, each within gapTol of the one before, and split needs the gap's
// blended line to be part of it; either may then miss a gap that is plain
// to the eye (both of its edges straight jumps across the whole image).
//
// whiteGap finds such a gap by what a collage's gap is: a run of a few
// uniform white lines across the middle half of the axis, the only one
// there, whose both ends (within a blended line or two) are steps that
// cross most of the line, into lines that are content (not uniform) on
// both sides. A white pole or a window's frame in a photo is rarely
// uniform along its whole length; a document's gutter between two columns
// of text ends in ragged lines of letters, not in steps across the page.

// whiteGap returns the end of the first picture and the start of the
// second across a white gap, when exactly one such gap is in the middle
// half of this axis.
func (p *lineProfile) whiteGap() (end, start int, ok bool) {
	n := p.n
	lo, hi := max(n*25/100, 4), min(n*75/100, n-5)
	limit := max(3, n/40) + 6
	white := func(l int) bool { return p.flat[l] >= 0.97 && p.mean[l] >= oneSidedWhite }
	runs := 0
	for l := lo; l < hi; l++ {
		if !white(l) {
			continue
		}
		r := l + 1
		for r < n && white(r) {
			r++
		}
		if r-l >= 2 && r-l <= limit && l >= 4 && r < n-4 {
			e, s := p.largestStep(l-2, l+1), p.largestStep(r, r+3)
			if p.edgeStep(e) && p.edgeStep(s) && p.content(e-3) && p.content(s+2) {
				runs++
				end, start = e, s
			}
		}
		l = r
	}
	if runs != 1 {
		return 0, 0, false
	}
	return end, start, true
}

// edgeStep reports whether the jump into line l (or smeared over the
// lines beside it) crosses most of the line and stands out of the jumps
// just before and after it: a picture's straight edge, not a haze or a
// shadow fading in over a few lines.
func (p *lineProfile) edgeStep(l int) bool {
	return max(p.wide[l], p.wide[l-1], p.wide[l+1]) >= 0.5 && max(p.dom[l], p.dom[l-1], p.dom[l+1]) >= 0.5
}

// content reports whether line l is neither uniform nor white: a
// picture's inside, not more of the gap or a plain margin.
func (p *lineProfile) content(l int) bool {
	return l >= 0 && l < p.n && p.flat[l] < 0.97 && p.mean[l] < oneSidedWhite
}

// fromWhiteGaps proposes the two pictures across a white gap on each axis
// where the profiles found no split: a gap they found is not looked for
// again.
func fromWhiteGaps(rows, cols *lineProfile, lined []scored, width, height int) []scored {
	var splitRows, splitCols bool
	for _, c := range lined {
		if c.Kind != KindSplit {
			continue
		}
		if c.Rect.Dx() == width {
			splitRows = true
		}
		if c.Rect.Dy() == height {
			splitCols = true
		}
	}
	var out []scored
	add := func(r image.Rectangle) {
		w, h := r.Dx(), r.Dy()
		if w*h*100 < 15*width*height || w*h*100 > 94*width*height || w > 5*h || h > 5*w {
			return
		}
		out = append(out, scored{Region{Rect: r, Kind: KindSplit, Size: image.Pt(width, height)}, 1.3})
	}
	if e, s, ok := rows.whiteGap(); ok && !splitRows {
		add(image.Rect(0, 0, width, e))
		add(image.Rect(0, s, width, height))
	}
	if e, s, ok := cols.whiteGap(); ok && !splitCols {
		add(image.Rect(0, 0, e, height))
		add(image.Rect(s, 0, width, height))
	}
	return out
}
