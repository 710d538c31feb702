package matcher

import (
	"fmt"
	"image"

	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
	"github.com/atkm/herken/matcher/region"
)

// hashRegions finds the pictures inside a photo (framed, padded,
// captioned, in a screenshot, or shown with another) and PDQ-hashes each,
// as found and mirrored, so that a re-post is found from the original's
// PDQ hash alone; then the photo trimmed a little and its parts without
// the top or the bottom band (partvariants.go), which meet a media bank's
// stored crops and parts.
func (h *Hasher) hashRegions(img *media.Image, out *Hashes) error {
	found := region.Find(img.Pix, img.Width, img.Height, img.Channels)
	ph := h.regionPool.Get().(*pdq.Hasher)
	defer h.regionPool.Put(ph)
	for _, r := range found {
		// Squashed gives PDQ's own 512x512 samples of a large region: the
		// same hash as the crop for a quarter of the copying.
		crop, w, ht := region.Squashed(img.Pix, img.Width, img.Height, img.Channels, r.Rect)
		if h.cfg.PDQFullResolution {
			crop, w, ht = region.Crop(img.Pix, img.Width, img.Height, img.Channels, r.Rect), r.Rect.Dx(), r.Rect.Dy()
		}
		res, err := ph.Hash(crop, w, ht, img.Channels)
		if err != nil {
			return fmt.Errorf("matcher: pdq of a region: %w", err)
		}
		// The mirrored hash is that of the region's pixels mirrored, not
		// PDQ's dihedral flip of its hash: PDQ's filter and decimation are
		// not symmetric, and the flip was measured 8-86 bits (typically
		// 12) from a mirrored re-post's original on the bench corpus,
		// against 0-4 for the mirrored pixels. The crop is our own copy.
		mirrorRows(crop, w, ht, img.Channels)
		mres, err := ph.Hash(crop, w, ht, img.Channels)
		if err != nil {
			return fmt.Errorf("matcher: pdq of a mirrored region: %w", err)
		}
		// Evidence is given in the photo's own pixels, which differ from
		// the decoded ones when fast decoding scaled it.
		r.Rect = scaleRect(r.Rect, img.Width, img.Height, out.Width, out.Height)
		r.Size = image.Pt(out.Width, out.Height)
		out.Regions = append(out.Regions, RegionHash{
			Region: Region{X: r.Rect.Min.X, Y: r.Rect.Min.Y, Width: r.Rect.Dx(), Height: r.Rect.Dy(),
				Kind: string(r.Kind), Description: r.Explain()},
			PDQ: res.Hash, Mirrored: mres.Hash, Quality: res.Quality,
		})
	}
	return h.hashParts(img, out) // partvariants.go
}

// scaleRect maps r from a w×h image to a tw×th one.
func scaleRect(r image.Rectangle, w, h, tw, th int) image.Rectangle {
	if w == tw && h == th {
		return r
	}
	x := func(v int) int { return (v*tw + w/2) / w }
	y := func(v int) int { return (v*th + h/2) / h }
	return image.Rect(x(r.Min.X), y(r.Min.Y), x(r.Max.X), y(r.Max.Y))
}

// mirrorRows mirrors a w×h image left to right in place.
func mirrorRows(pix []byte, w, h, channels int) {
	for y := 0; y < h; y++ {
		row := pix[y*w*channels : (y+1)*w*channels]
		for a, b := 0, w-1; a < b; a, b = a+1, b-1 {
			for c := 0; c < channels; c++ {
				row[a*channels+c], row[b*channels+c] = row[b*channels+c], row[a*channels+c]
			}
		}
	}
}
