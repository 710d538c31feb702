package matcher

import (
	"image"

	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
	"github.com/atkm/herken/matcher/region"
)

// hashRegionRect is hashRect (as found and mirrored) of a region whose
// corners a chat bubble rounded (corner > 0, region.Region.Corner): the
// crop is hashed with its corners painted back from the picture
// (region.FillCorners), which on pictures of sparse detail moved the hash
// tens of bits closer to the original's. Only regions Find marks as a
// screenshot's, with rounded corners, pay for the copy. The copy is
// sampled as the photo's regions are (the sampler computes the luma of the
// grid's pixels alone, and keeps the photo's plane), not hashed by
// pdq.Hasher.Hash twice: that filtered all of it, twice, and was a third of
// the regions' time on the chat re-posts.
func (h *Hasher) hashRegionRect(ph *pdq.Hasher, sm *region.Sampler, img *media.Image, r image.Rectangle, corner int) (res, mres pdq.Result, err error) {
	if corner <= 0 {
		return h.hashRect(ph, sm, img, r)
	}
	crop := region.Crop(img.Pix, img.Width, img.Height, img.Channels, r)
	w, ht := r.Dx(), r.Dy()
	region.FillCorners(crop, w, ht, img.Channels, corner)
	var samples, mirrored [64 * 64]float32
	if !h.cfg.PDQFullResolution && sm.SquashedPair(crop, w, ht, img.Channels, image.Rect(0, 0, w, ht), samples[:], mirrored[:]) {
		if res, err = ph.HashSamples(samples[:]); err != nil {
			return res, mres, err
		}
		mres, err = ph.HashSamples(mirrored[:])
		return res, mres, err
	}
	return hashCropPair(ph, crop, w, ht, img.Channels)
}
