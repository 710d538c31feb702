package region

import (
	"fmt"
	"image"
	"sort"
	"strings"
)

// Kind names what was around a region.
type Kind string

// The kinds of surroundings Find recognises.
const (
	KindBorder     Kind = "border"     // a uniform frame on two or more sides
	KindLetterbox  Kind = "letterbox"  // uniform bars above and below
	KindPillarbox  Kind = "pillarbox"  // uniform bars left and right
	KindPadding    Kind = "padding"    // a blurred, stretched or smooth fill on opposite sides
	KindCaption    Kind = "caption"    // a bar with text above and/or below
	KindScreenshot Kind = "screenshot" // an app's interface around the picture
	KindSplit      Kind = "split"      // one of two pictures shown together
)

// MaxRegions is the most regions Find returns.
const MaxRegions = 6

// Region is a rectangle of the input that may be a whole picture.
type Region struct {
	Rect image.Rectangle // in the input image's pixel coordinates
	Kind Kind
	// Size is the input image's size, so that Explain can say how much
	// was removed on each side.
	Size image.Point
	// Margin says in words what surrounded the region.
	Margin string
	// Corner is the radius in pixels of the rounded corners a chat
	// bubble painted over the picture (corners.go), 0 when its corners
	// are not rounded: FillCorners undoes them before hashing.
	Corner int
}

// Explain says, for an analyst, where the region is and what was removed.
func (r Region) Explain() string {
	var cut []string
	removed := [4]int{r.Rect.Min.X, r.Rect.Min.Y, r.Size.X - r.Rect.Max.X, r.Size.Y - r.Rect.Max.Y}
	for s, px := range removed {
		if px <= 0 {
			continue
		}
		dim := r.Size.X
		if s == top || s == bottom {
			dim = r.Size.Y
		}
		cut = append(cut, fmt.Sprintf("%.0f%% %s", 100*float64(px)/float64(dim), sideNames[s]))
	}
	what := "the picture inside " + r.Margin
	if r.Kind == KindSplit {
		what = "one of the pictures shown together"
	}
	return fmt.Sprintf("%s at %d,%d %d×%d (%s removed)", what, r.Rect.Min.X, r.Rect.Min.Y,
		r.Rect.Dx(), r.Rect.Dy(), strings.Join(cut, ", "))
}

// Find returns candidate regions of the image that may each be a whole
// picture, best first: never the full image, at most MaxRegions, each at
// least 15% of the image. pix holds 8-bit samples as matcher/media.Image
// does: channels is 1 (grey) or 3 (RGB interleaved), stride width*channels.
// A buffer that does not match its shape, or an image under 32 pixels a
// side, yields no regions.
func Find(pix []byte, width, height, channels int) []Region {
	if width < 32 || height < 32 || (channels != 1 && channels != 3) || len(pix) != width*height*channels {
		return nil
	}
	ps := newLineProfiles(pix, width, height, channels)
	lined := fromLines(&ps.rows, &ps.cols, width, height)
	lined = append(lined, fromWhiteGaps(&ps.rows, &ps.cols, lined, width, height)...) // whitegap.go
	edge := ps.rows.uniformEdge() || ps.cols.uniformEdge()
	if edge {
		lined = append(lined, fromBars(&ps.rows, &ps.cols, width, height)...)
		lined = append(lined, fromPlainGround(&ps.rows, &ps.cols, width, height)...) // plainground.go
		lined = append(lined, fromPlainBars(&ps.rows, &ps.cols, width, height)...)
	}
	calm := ps.rows.coverCalm() || ps.cols.coverCalm()
	ps.release()
	lined = append(lined, crossPadded(pix, width, height, channels, lined)...)
	var covered []scored
	if calm && !centredAll(lined, width, height) {
		covered = coverPadded(pix, width, height, channels) // cover.go
	}
	if len(lined) == 0 && !edge && len(covered) == 0 {
		// Nothing at the edges and nothing across the middle: no frame.
		return nil
	}
	k := newWork(pix, width, height, channels)
	cands := k.fromComponents()
	cands = append(cands, k.fromSeams(cands)...)
	full := newFullLuma(pix, width, height, channels)
	var worked []scored
	for _, c := range cands {
		r := Region{Rect: k.toFull(c, full), Kind: c.kind, Size: image.Pt(width, height), Margin: c.margin}
		if c.kind == KindScreenshot {
			if r.Corner = full.roundedCorner(r.Rect); r.Corner > 0 {
				r.Rect = full.trimBlended(r.Rect)
			}
		}
		worked = append(worked, scored{r, c.score})
	}
	k.release() // nothing below reads the working copy
	crossed := len(lined)
	lined = append(lined, worked...)
	lined = append(lined, crossOpen(pix, width, height, channels, lined, crossed)...) // cross.go
	sort.SliceStable(lined, func(i, j int) bool { return lined[i].score > lined[j].score })
	var out []Region
	for _, c := range lined {
		r := c.Region
		if r.Rect.Dx() < 8 || r.Rect.Dy() < 8 || r.Rect == image.Rect(0, 0, width, height) || duplicate(out, r.Rect) {
			continue
		}
		out = append(out, r)
		if len(out) == MaxRegions {
			break
		}
	}
	out = withCover(out, covered, width, height)              // cover.go
	return withComplements(pix, width, height, channels, out) // complement.go
}

// scored is a proposed region and how sure Find is of it.
type scored struct {
	Region
	score float64
}

// duplicate reports whether rect nearly coincides with a region already
// chosen: hashing it again would add a lookup and no recall.
func duplicate(rs []Region, rect image.Rectangle) bool {
	for _, r := range rs {
		in := r.Rect.Intersect(rect)
		un := r.Rect.Dx()*r.Rect.Dy() + rect.Dx()*rect.Dy() - in.Dx()*in.Dy()
		if un > 0 && float64(in.Dx()*in.Dy()) >= 0.92*float64(un) {
			return true
		}
	}
	return false
}

// Crop returns a copy of the pixels of r (clipped to the image), in the same
// layout as pix, ready to hash.
func Crop(pix []byte, width, height, channels int, r image.Rectangle) []byte {
	r = r.Intersect(image.Rect(0, 0, width, height))
	if r.Empty() || len(pix) < width*height*channels {
		return nil
	}
	out := make([]byte, 0, r.Dx()*r.Dy()*channels)
	stride := width * channels
	for y := r.Min.Y; y < r.Max.Y; y++ {
		out = append(out, pix[y*stride+r.Min.X*channels:y*stride+r.Max.X*channels]...)
	}
	return out
}
