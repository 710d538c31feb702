package matcher

import (
	"fmt"
	"image"
	"math"
	"strconv"

	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
	"github.com/atkm/herken/matcher/region"
)

// A logo or a watermark stamped in a corner of a re-post changes too much
// of the picture for its PDQ hash to stay within the threshold of the
// known photo's (a badge of 14-22% of a side left 44% of the evaluation
// corpus's copies out of reach). No crop of the known photo leaves a
// corner out, so herken leaves it out on both sides: a known photo in a
// media bank stores the hashes of its parts without the top band and
// without the bottom band (item variants), and a query is also looked up
// by the same parts of itself (query variants, as regions). A mark in a
// corner lies inside the top or the bottom band, so the query's part
// without that band is the stored part without it, the mark gone from
// both. Bands along the left and right sides too found no more (91-94%
// either way) for twice the hashes.

// partBand is the share of the height a part leaves out: a corner logo
// covering up to 5% of the picture's area, 2% of the width from the edges,
// reaches 24% down into a square picture and 30% into a 16:9 one; a
// four-to-one text watermark of the same area 13-19%.
const partBand = 1.0 / 3

// partSides are the sides along which a part leaves a band out, in the
// order their hashes are stored and looked up.
var partSides = [...]string{"top", "bottom"}

// partRect returns the part of a w×h picture without the band along side.
func partRect(side string, w, h int) image.Rectangle {
	bw, bh := int(partBand*float64(w)+0.5), int(partBand*float64(h)+0.5)
	r := image.Rect(0, 0, w, h)
	switch side {
	case "top":
		r.Min.Y = bh
	case "bottom":
		r.Max.Y = h - bh
	case "left":
		r.Min.X = bw
	case "right":
		r.Max.X = w - bw
	}
	return r
}

// partName names a stored part in the evidence: "a stored part (...) of
// the known item".
func partName(side string) string {
	return fmt.Sprintf("part (the %s %.0f%% left out, where a corner logo or watermark may be)", side, 100*partBand)
}

// partDescription describes a query's part as a region.
func partDescription(side string) string {
	return fmt.Sprintf("the picture without its %s %.0f%%, where a corner logo or watermark may be", side, 100*partBand)
}

// partSide is the side a photo is averaged down to before its parts are
// hashed, on both sides (known and query): a PDQ hash of a 128-pixel copy
// costs a sixth of a 512-pixel one's, and the parts found nearly as many
// corner logos and watermarks (91% on the evaluation corpus; 94% at 256,
// 93% from 512).
const partSide = 128

// PartKind is the Region.Kind of a query variant that is a part of the
// picture with a band along one side left out.
const PartKind = "part"

// TrimKind is the Region.Kind of the query variant that is the picture
// trimmed by trimStep on every side, to meet a known photo's stored crops
// halfway (itemcrops.go).
const TrimKind = "trim"

// hashParts adds the query variants a media bank's item variants are
// meant for, each as a region, in the photo's own pixels: the picture
// trimmed by trimStep on every side, then its parts without a band along
// one side (each as found and mirrored, as regions are looked up).
func (h *Hasher) hashParts(img *media.Image, sm *region.Sampler, out *Hashes) error {
	ph := h.regionPool.Get().(*pdq.Hasher) // computes the mirrored hash too
	defer h.regionPool.Put(ph)
	add := func(res pdq.Result, r image.Rectangle, w, ht int, kind, description string) {
		r = scaleRect(r, w, ht, out.Width, out.Height)
		out.Regions = append(out.Regions, RegionHash{
			Region: Region{X: r.Min.X, Y: r.Min.Y, Width: r.Dx(), Height: r.Dy(), Kind: kind, Description: description},
			PDQ:    res.Hash, Mirrored: res.Mirrored, Quality: res.Quality,
		})
	}
	// The trimmed picture is hashed from samples of the photo's own
	// pixels, nearly as PDQ hashes the whole one: the stored crops lie
	// too close together for the bits a smaller copy would move it. The
	// sampler filters them where they are (the hash of the sampled copy).
	tx, ty := int(trimStep*float64(img.Width)+0.5), int(trimStep*float64(img.Height)+0.5)
	if tx > 0 || ty > 0 {
		r := image.Rect(tx, ty, img.Width-tx, img.Height-ty)
		var samples [64 * 64]float32
		var res pdq.Result
		var err error
		if sm.Centred(img.Pix, img.Width, img.Height, img.Channels, r, trimSide, samples[:]) {
			res, err = ph.HashSamples(samples[:])
		} else {
			crop, w, ht := sampled(img, r, trimSide)
			res, err = ph.Hash(crop, w, ht, img.Channels)
		}
		if err != nil {
			return fmt.Errorf("matcher: pdq of the trimmed picture: %w", err)
		}
		add(res, r, img.Width, img.Height, TrimKind, fmt.Sprintf("the picture with %s%% trimmed off each side, to meet a stored crop halfway",
			strconv.FormatFloat(math.Round(400*trimStep)/4, 'f', -1, 64)))
	}
	// The parts are hashed from the photo averaged down once to partSide,
	// as the known photo's parts are: from the sampler's samples of it,
	// which at that size are its own pixels' luma (PDQ's filter window is
	// one sample), and HashSamples. pdq.Hash of each part's copy, the
	// same hash up to float rounding, cost seven times as much.
	src := newCropSource(img, partSide)
	for _, side := range partSides {
		r := partRect(side, src.w, src.h)
		var samples [64 * 64]float32
		var res pdq.Result
		var err error
		if sm.Squashed(src.rgb, src.w, src.h, 3, r, samples[:]) {
			res, err = ph.HashSamples(samples[:])
		} else {
			res, err = src.hash(ph, r)
		}
		if err != nil {
			return fmt.Errorf("matcher: pdq of a part: %w", err)
		}
		add(res, r, src.w, src.h, PartKind, partDescription(side))
	}
	return nil
}

// trimSide bounds the side of the nearest-neighbour samples the trimmed
// picture is hashed from: at 384 the trim found 80% of the evaluation
// corpus's crops with the stored ones, 81% at PDQ's own 512, 76% at 256,
// for half the cost of 512.
const trimSide = 384

// sampled returns the pixels of r in img sampled by nearest neighbour to
// at most side a side, each side on its own, in img's layout.
func sampled(img *media.Image, r image.Rectangle, side int) ([]byte, int, int) {
	w, h, c := min(r.Dx(), side), min(r.Dy(), side), img.Channels
	cols := make([]int, w) // offset of each sampled column in a row
	for x := range cols {
		cols[x] = (r.Min.X + (2*x+1)*r.Dx()/(2*w)) * c
	}
	out := make([]byte, w*h*c)
	o := 0
	for y := range h {
		row := img.Pix[(r.Min.Y+(2*y+1)*r.Dy()/(2*h))*img.Width*c:]
		for _, i := range cols {
			o += copy(out[o:o+c], row[i:i+c])
		}
	}
	return out, w, h
}
