package region

import "image"

// A picture drawn on a plain background (a product or a silhouette on
// white, a logo on black), re-posted inside a frame of that same colour,
// shows no edge between frame and picture: no step ends the bars, and
// fromBars proposes nothing. When every side of the image runs in plain
// lines of one colour, the frame can only be guessed: fromPlainGround
// proposes the picture inside an even frame of a few widths, each no
// wider than the plain lines on every side, so that a guess removes
// nothing but lines of the background colour. The hasher's own insets
// (matcher/regions.go) fill the widths between the guesses.

// plainGuesses are the frame widths guessed, as shares of the image's
// shorter side. Each guess is hashed as found and 1% and 2.5% inside
// (matcher/regions.go), so the two cover frames of about 2.5% to 9.5%.
var plainGuesses = []float64{0.03, 0.065}

// plainScore ranks a guessed frame below every region found from an
// edge: it only fills in where nothing else is seen.
const plainScore = 0.3

// fromPlainGround proposes the picture inside guessed even frames when all
// four sides of the image are plain lines of one colour.
func fromPlainGround(rows, cols *lineProfile, width, height int) []scored {
	if rows.n < 32 || cols.n < 32 || !rows.plain(0, -1) {
		return nil
	}
	colour := rows.mean[0]
	run := [4]int{
		rows.plainRun(1, colour), rows.plainRun(-1, colour),
		cols.plainRun(1, colour), cols.plainRun(-1, colour),
	}
	// A frame whose four sides each end in a step across the line is
	// found as it is (fromBars): nothing to guess.
	if rows.stepAfter(run[0], 1) && rows.stepAfter(run[1], -1) && cols.stepAfter(run[2], 1) && cols.stepAfter(run[3], -1) {
		return nil
	}
	least := min(run[0], run[1], run[2], run[3])
	short := float64(min(width, height))
	var out []scored
	for _, f := range plainGuesses {
		d := int(f*short + 0.5)
		if d < 2 || d > least {
			continue
		}
		out = append(out, scored{Region{Rect: image.Rect(d, d, width-d, height-d), Kind: KindBorder,
			Size: image.Pt(width, height), Margin: "a frame of the plain background's colour (width guessed)"}, plainScore})
	}
	return out
}

// plainRun counts the plain lines of colour from one end of this axis
// (from line 0 when dir is 1, from the last when dir is -1), up to half of
// them.
func (p *lineProfile) plainRun(dir int, colour float32) int {
	first := 0
	if dir < 0 {
		first = p.n - 1
	}
	k := 0
	for k < p.n/2 && p.plain(first+k*dir, colour) {
		k++
	}
	return k
}

// A picture whose own background is the bars' colour (a logo or a photo
// of the night sky on black), letterboxed or pillarboxed as an app
// centres it, shows no edge either: fromPlainBars guesses the picture
// centred between plain bars at the usual photo shapes, from the squat to
// the tall, keeping the few least tall (least wide) that leave only plain
// lines in the bars.

// plainAspects are the picture shapes guessed (width over height).
var plainAspects = []float64{16.0 / 9, 3.0 / 2, 4.0 / 3, 1, 3.0 / 4, 2.0 / 3}

// plainBarGuesses is the most shapes kept.
const plainBarGuesses = 3

// phoneShaped reports whether the image has a phone screen's shape, 9:16
// (16:9 when wide): the canvas an app centres a picture on. A photo of
// another shape whose sides are plain (a black wall, a white one) gets no
// guess.
func phoneShaped(width, height int, wide bool) bool {
	if wide {
		width, height = height, width
	}
	return width*16*100 >= height*9*98 && width*16*100 <= height*9*102
}

// fromPlainBars proposes the picture centred between plain bars of one
// colour at each end of an axis (letterbox on a 9:16 image, pillarbox on
// a 16:9 one), spanning the other axis, at the least extended shapes that
// fit.
func fromPlainBars(rows, cols *lineProfile, width, height int) []scored {
	if rows.n < 32 || cols.n < 32 {
		return nil
	}
	var out []scored
	for _, p := range []*lineProfile{rows, cols} {
		if !p.plain(0, -1) || !p.plain(p.n-1, p.mean[0]) || !phoneShaped(width, height, p == cols) {
			continue
		}
		colour := p.mean[0]
		lo, hi := p.plainRun(1, colour), p.plainRun(-1, colour)
		// Bars at least 2% deep on both ends: a picture's own plain
		// edge line or two is no bar.
		if min(lo, hi)*50 < p.n {
			continue
		}
		// Bars that end in a step across the line at both ends are
		// found as they are (fromBars): nothing to guess.
		if p.stepAfter(lo, 1) && p.stepAfter(hi, -1) {
			continue
		}
		span := width // the other axis: the picture spans it
		if p == cols {
			span = height
		}
		kept := 0
		for i := range plainAspects {
			a := plainAspects[i]
			if p == cols {
				a = 1 / plainAspects[len(plainAspects)-1-i] // the least wide first
			}
			ext := int(float64(span)/a + 0.5) // the picture's extent along p
			if ext >= p.n || ext*100 < 15*p.n {
				continue
			}
			s := (p.n - ext) / 2
			// Only plain lines of the bars' colour are cut, give or take
			// a line of rounding.
			if s > lo+1 || p.n-(s+ext) > hi+1 {
				continue
			}
			r := image.Rect(0, s, width, s+ext)
			kind, margin := KindLetterbox, "plain bars of the picture's background colour (its shape guessed)"
			if p == cols {
				r, kind = image.Rect(s, 0, s+ext, height), KindPillarbox
			}
			out = append(out, scored{Region{Rect: r, Kind: kind, Size: image.Pt(width, height), Margin: margin}, plainScore})
			if kept++; kept == plainBarGuesses {
				break
			}
		}
	}
	return out
}

// stepAfter reports whether run plain lines from one end of this axis (as
// plainRun counts them) end in a step across most of the line, over the
// line or two resizing blends.
func (p *lineProfile) stepAfter(run, dir int) bool {
	l := run // the jump into the first line past the run, from line 0
	if dir < 0 {
		l = p.n - run // the jump out of the last line before the run
	}
	l = min(max(l, 1), p.n-2)
	return max(p.wide[l], p.wide[l+dir]) >= 0.5
}
