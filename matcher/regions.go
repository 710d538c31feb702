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
		// The mirrored hash is the hash of the mirrored samples: PDQ's
		// dihedral FlipY of a region was measured up to 52 bits from it
		// (a squashed region, PDQ's 512x512 samples of a larger one), and
		// far enough on smaller ones to lose mirrored re-posts found
		// exactly (mirror-blur-pad, mirror-frame-white).
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

// mirrorRows flips w×h pixels of the given channels left to right in place.
func mirrorRows(pix []byte, w, h, channels int) {
	for y := 0; y < h; y++ {
		row := pix[y*w*channels : (y+1)*w*channels]
		for i, j := 0, w-1; i < j; i, j = i+1, j-1 {
			for c := 0; c < channels; c++ {
				row[i*channels+c], row[j*channels+c] = row[j*channels+c], row[i*channels+c]
			}
		}
	}
}
