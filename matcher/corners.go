package matcher

import (
	"image"

	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
	"github.com/atkm/herken/matcher/region"
)

// hashRegionRect is hashRect (as found and mirrored) of a region whose corners a chat bubble
// rounded (corner > 0, region.Region.Corner): the crop is hashed with its
// corners painted back from the picture (region.FillCorners), which on
// pictures of sparse detail moved the hash tens of bits closer to the
// original's. Only regions Find marks as a screenshot's, with rounded
// corners, pay for the copy.
func (h *Hasher) hashRegionRect(ph *pdq.Hasher, sm *region.Sampler, img *media.Image, r image.Rectangle, corner int) (res, mres pdq.Result, err error) {
	if corner <= 0 {
		return h.hashRect(ph, sm, img, r)
	}
	crop := region.Crop(img.Pix, img.Width, img.Height, img.Channels, r)
	region.FillCorners(crop, r.Dx(), r.Dy(), img.Channels, corner)
	return hashCropPair(ph, crop, r.Dx(), r.Dy(), img.Channels)
}
