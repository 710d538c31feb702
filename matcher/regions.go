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
//
// Each is hashed from the 64x64 samples PDQ's filter keeps of it, computed
// from the photo's pixels by region.Sampler: the hash of the crop, for a
// fraction of copying the crop and filtering all of it.
func (h *Hasher) hashRegions(img *media.Image, out *Hashes) error {
	found := region.Find(img.Pix, img.Width, img.Height, img.Channels)
	ph := h.cropPool.Get().(*pdq.Hasher)
	defer h.cropPool.Put(ph)
	sm := h.samplerPool.Get().(*region.Sampler)
	defer h.samplerPool.Put(sm)
	// The regions' hashes read mostly the same pixels (each region's
	// insets and mirror, and the regions overlap): the sampler computes
	// each pixel's luma once.
	sm.Load(img.Pix, img.Width, img.Height, img.Channels)
	defer sm.Unload()
	for _, r := range found {
		// Each region is hashed as found and, for the re-posts whose
		// edges came out a line or two off (a chat bubble's rounded
		// corner, a frame's blended edge), also a little inside them.
		rects := []image.Rectangle{r.Rect}
		for _, f := range regionInsets {
			if in := insetRect(r.Rect, f); !in.Empty() && in != rects[len(rects)-1] {
				rects = append(rects, in)
			}
		}
		for i, rect := range rects {
			// A chat bubble's rounded corners are filled back in the
			// region as found (corners.go); the insets cut into them.
			corner := 0
			if i == 0 {
				corner = r.Corner
			}
			// The mirrored hash is the hash of the mirrored crop: PDQ's
			// dihedral FlipY of a region was measured up to 52 bits from
			// it (a squashed region, PDQ's 512x512 samples of a larger
			// one), and far enough on smaller ones to lose mirrored
			// re-posts found exactly (mirror-blur-pad, mirror-frame-white).
			res, mres, err := h.hashRegionRect(ph, sm, img, rect, corner)
			if err != nil {
				return fmt.Errorf("matcher: pdq of a region: %w", err)
			}
			// Evidence is given in the photo's own pixels, which differ
			// from the decoded ones when fast decoding scaled it.
			shown := r
			shown.Rect = scaleRect(r.Rect, img.Width, img.Height, out.Width, out.Height)
			shown.Size = image.Pt(out.Width, out.Height)
			description := shown.Explain()
			rect = scaleRect(rect, img.Width, img.Height, out.Width, out.Height)
			if i > 0 {
				description += fmt.Sprintf(", hashed %d px inside its edges", rect.Min.X-shown.Rect.Min.X)
			}
			out.Regions = append(out.Regions, RegionHash{
				Region: Region{X: rect.Min.X, Y: rect.Min.Y, Width: rect.Dx(), Height: rect.Dy(),
					Kind: string(r.Kind), Description: description},
				PDQ: res.Hash, Mirrored: mres.Hash, Quality: res.Quality,
			})
		}
	}
	return h.hashParts(img, sm, out) // partvariants.go
}

// hashRect returns the PDQ hashes of the part r of img and of its mirror
// image, as if the crop and its mirror were hashed: from the sampler's
// 64x64 samples of both (one pass over the rows they share), or at full
// resolution from the crop itself when the Hasher does not squash.
func (h *Hasher) hashRect(ph *pdq.Hasher, sm *region.Sampler, img *media.Image, r image.Rectangle) (res, mres pdq.Result, err error) {
	if h.cfg.PDQFullResolution {
		return hashCropPair(ph, region.Crop(img.Pix, img.Width, img.Height, img.Channels, r), r.Dx(), r.Dy(), img.Channels)
	}
	var samples, mirrored [64 * 64]float32
	if sm.SquashedPair(img.Pix, img.Width, img.Height, img.Channels, r, samples[:], mirrored[:]) {
		// HashSamples, not HashLuma: the same hash up to float rounding
		// (the samples are already the crop's up to float rounding), for
		// 0.6 of the work.
		if res, err = ph.HashSamples(samples[:]); err != nil {
			return res, mres, err
		}
		mres, err = ph.HashSamples(mirrored[:])
		return res, mres, err
	}
	// Under pdq.MinSide a side: what pdq makes of it.
	crop, w, ht := region.Squashed(img.Pix, img.Width, img.Height, img.Channels, r)
	return hashCropPair(ph, crop, w, ht, img.Channels)
}

// hashCropPair returns the PDQ hashes of a w×h crop and of its mirror
// image; it mirrors crop in place.
func hashCropPair(ph *pdq.Hasher, crop []byte, w, ht, channels int) (res, mres pdq.Result, err error) {
	if res, err = ph.Hash(crop, w, ht, channels); err != nil {
		return res, mres, err
	}
	mirrorRows(crop, w, ht, channels)
	mres, err = ph.Hash(crop, w, ht, channels)
	return res, mres, err
}

// regionInsets are how far inside a region's edges its other hashes are
// taken, as shares of its shorter side (at least two pixels).
var regionInsets = []float64{0.01, 0.025}

// insetRect returns r moved inside its edges by f of its shorter side, or
// the empty rectangle when r is too small for it.
func insetRect(r image.Rectangle, f float64) image.Rectangle {
	d := max(2, int(f*float64(min(r.Dx(), r.Dy()))+0.5))
	in := r.Inset(d)
	if in.Dx() < 4*d || in.Dy() < 4*d {
		return image.Rectangle{}
	}
	return in
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
