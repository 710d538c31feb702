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
