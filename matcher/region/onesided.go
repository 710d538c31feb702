package region

// A collage app's white gap between two pictures often runs into a
// picture's own white margin (a product shot, a document, an overexposed
// edge). The gap then has only one visible edge: the line where the other
// picture's content ends at full length. split and gapSplit both need the
// gap's two edges (a run of plain lines longer than a gap is a margin, and
// a plain area beside a straight jump is what a flat sky over a horizon
// shows), so they find nothing, and neither picture is proposed.
//
// oneSided proposes the picture on the visible edge's side alone, and only
// when the white run beside the edge ends again inside the image, in
// content, far enough from the image's end to leave room for a second
// picture: a sky over a horizon runs on to the photo's edge. The picture
// across the run is not proposed: where its own margin starts in the white
// cannot be seen.

// minGap is the fewest white lines beside the edge: a gap, not a
// highlight along it.
const minGap = 3

// oneSidedWhite is the least mean luma of the white run: collage gaps are
// white; a grey or coloured plain band beside a straight edge is more
// often a wall or a sky.
const oneSidedWhite = 240

// oneSided returns the lines [a, b) of the picture on the visible side of
// a white gap that merged with the other picture's white margin.
func (p *lineProfile) oneSided() (a, b int, ok bool) {
	n := p.n
	e, ok := p.splitLine()
	if !ok || e < 4 || e > n-5 {
		return 0, 0, false
	}
	// The far picture keeps at least 15% of the axis beyond the run.
	room := n * 15 / 100
	// White after the edge: content ends at e. A resized edge blends one
	// line into the white.
	if p.flat[e-2] <= 0.8 {
		for _, w := range [2]int{e, e + 1} {
			if r, ok := p.whiteRun(w, 1); ok && r-w >= minGap && r <= n-room {
				return 0, e, true
			}
		}
	}
	// White before the edge: content starts at e.
	if p.flat[e+1] <= 0.8 {
		for _, w := range [2]int{e - 1, e - 2} {
			if r, ok := p.whiteRun(w, -1); ok && w-r >= minGap && r >= room-1 {
				return e, n, true
			}
		}
	}
	return 0, 0, false
}

// whiteRun follows uniform white lines (each within gapTol of the one
// before) from l in direction dir and returns the first line past them; ok
// is false when l is not uniform white or the run does not end inside the
// image in a line that is not uniform white.
// JPEG leaves a white margin's lines uniform but not always plain.
func (p *lineProfile) whiteRun(l, dir int) (int, bool) {
	if l < 0 || l >= p.n || p.flat[l] < 0.97 || p.mean[l] < oneSidedWhite {
		return l, false
	}
	r := l + dir
	for r >= 0 && r < p.n && p.flat[r] >= 0.97 && p.mean[r] >= oneSidedWhite {
		// Neighbouring lines within gapTol: JPEG rings beside the edge;
		// a step to another white is where a white-ish picture starts.
		if d := p.mean[r] - p.mean[r-dir]; d > gapTol || d < -gapTol {
			break
		}
		r += dir
	}
	// The run must end inside the image, in content or a darker shade (a
	// white-ish picture's own background).
	if r < 0 || r >= p.n {
		return r, false
	}
	return r, true
}
