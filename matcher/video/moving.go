package video

import (
	"image"
	"slices"
)

// The part of a video that holds its picture. A copy letterboxed or
// pillarboxed with black bars, or set over a blurred enlarged copy of
// itself, has bars without sharp edges, while the picture has them
// somewhere over the video. region.Find looks at one frame, where a dark
// picture edge (a night scene, the black ground of a cellular automaton)
// cannot be told from a black bar and a blurred fill is often not uniform
// enough; counted over the frames seen so far, sharp edges tell them
// apart. Blur spreads an edge's step over many pixels, so it is the count
// of steps of at least edgeStep, not their sum (which blur keeps), that
// sees it. Each frame is read at the rectangle the frames so far give, so
// the reading needs no second pass over the video.

// activityStep samples every activityStep-th pixel of every
// activityStep-th row: the profiles need the columns and rows only
// roughly, and this keeps the pass a small share of a frame's PDQ hash.
const activityStep = 2

// edgeStep is the luma step between neighbouring samples that counts as
// a sharp edge: a box blur of radius 16 (ffmpeg boxblur=16, as blurred
// padding is made) leaves steps of at most about 15.
const edgeStep = 20

// Thresholds of the rectangle, as shares: a column or row belongs to the
// picture when its count of edges reaches activityShare of the count of
// the picture's typical line (the 75th percentile: the picture holds at
// least a quarter of the lines); the rectangle is read only when it
// removes at least minTrim of the width or of the height, and keeps at
// least minKeep of each.
const (
	activityShare = 0.15
	minTrim       = 0.04
	minKeep       = 0.3
)

// activity counts, per column and per row, the sharp edges between
// neighbouring sampled pixels of the frames seen so far.
type activity struct {
	w, h       int
	luma       []int32
	cols, rows []float64
}

// add counts a frame's edges and returns the picture's rectangle so far.
func (a *activity) add(pix []byte, w, h int) (image.Rectangle, bool) {
	sw, sh := (w+activityStep-1)/activityStep, (h+activityStep-1)/activityStep
	if a.w != w || a.h != h {
		*a = activity{w: w, h: h, luma: make([]int32, sw*sh), cols: make([]float64, sw), rows: make([]float64, sh)}
	}
	l := a.luma
	for sy := range sh {
		row := pix[sy*activityStep*w*3:]
		for sx := range sw {
			o := sx * activityStep * 3
			l[sy*sw+sx] = (299*int32(row[o]) + 587*int32(row[o+1]) + 114*int32(row[o+2])) / 1000
		}
	}
	for sy := range sh {
		for sx := range sw {
			i := sy*sw + sx
			var g float64
			if sx+1 < sw && abs(l[i]-l[i+1]) >= edgeStep {
				g++
			}
			if sy+1 < sh && abs(l[i]-l[i+sw]) >= edgeStep {
				g++
			}
			a.cols[sx] += g
			a.rows[sy] += g
		}
	}
	return a.rect()
}

func abs(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// rect is the rectangle of the columns and rows whose edge count reaches
// activityShare of the typical picture line's, when it trims enough.
func (a *activity) rect() (image.Rectangle, bool) {
	x0, x1, okx := span(a.cols)
	y0, y1, oky := span(a.rows)
	if !okx || !oky {
		return image.Rectangle{}, false
	}
	r := image.Rect(x0*activityStep, y0*activityStep, min(a.w, x1*activityStep), min(a.h, y1*activityStep))
	trimmed := float64(a.w-r.Dx()) >= minTrim*float64(a.w) || float64(a.h-r.Dy()) >= minTrim*float64(a.h)
	kept := float64(r.Dx()) >= minKeep*float64(a.w) && float64(r.Dy()) >= minKeep*float64(a.h)
	return r, trimmed && kept
}

// span returns the first and one past the last index whose value reaches
// activityShare of the 75th percentile.
func span(v []float64) (int, int, bool) {
	sorted := slices.Clone(v)
	slices.Sort(sorted)
	ref := sorted[len(sorted)*3/4]
	if ref <= 0 {
		return 0, 0, false
	}
	lo, hi := -1, -1
	for i, x := range v {
		if x >= activityShare*ref {
			if lo < 0 {
				lo = i
			}
			hi = i + 1
		}
	}
	return lo, hi, lo >= 0
}
