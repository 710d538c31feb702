package matcher

import (
	"image"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
	"github.com/atkm/herken/matcher/region"
)

// TestRoundedRegionHashIsTheFilledCrop checks that a region with rounded
// corners, hashed from the sampler's samples of its filled copy (as found
// and mirrored), has the PDQ hashes of that copy hashed by pdq itself, up
// to float rounding: regions squashed on both sides, on one and not at
// all, on fixture photos, with a photo loaded in the sampler as
// hashRegions loads it (the copy must not be read from the photo's plane).
func TestRoundedRegionHashIsTheFilledCrop(t *testing.T) {
	h := mustHasher(t, HasherConfig{Signals: []SignalType{PDQ}, Regions: true})
	ph := pdq.NewHasher(pdq.Options{})
	var sm region.Sampler
	hashes, exact := 0, 0
	for _, name := range []string{"baboon.jpg", "fruits.jpg", "messi5.jpg", "butterfly.jpg", "building.jpg", "home.jpg"} {
		img := opencvPhoto(t, name)
		sm.Load(img.Pix, img.Width, img.Height, img.Channels)
		for _, r := range []image.Rectangle{image.Rect(3, 2, img.Width-4, img.Height-1),
			image.Rect(10, 20, min(img.Width, 410), img.Height-5), image.Rect(7, 9, 300, 260)} {
			for _, corner := range []int{6, 20} {
				res, mres, err := h.hashRegionRect(ph, &sm, img, r, corner)
				if err != nil {
					t.Fatal(err)
				}
				crop := region.Crop(img.Pix, img.Width, img.Height, img.Channels, r)
				region.FillCorners(crop, r.Dx(), r.Dy(), img.Channels, corner)
				want, mwant, err := hashCropPair(ph, crop, r.Dx(), r.Dy(), img.Channels)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range []int{res.Hash.Distance(want.Hash), mres.Hash.Distance(mwant.Hash)} {
					hashes++
					if d == 0 {
						exact++
					}
					if d > 4 {
						t.Errorf("%s %v corner %d: %d bits from the filled copy's hash", name, r, corner, d)
					}
				}
				if res.Quality != want.Quality {
					t.Errorf("%s %v corner %d: quality %d, the filled copy's %d", name, r, corner, res.Quality, want.Quality)
				}
			}
		}
		sm.Unload()
	}
	t.Logf("%d of %d hashes equal to the filled copy's", exact, hashes)
	if exact*10 < 9*hashes {
		t.Errorf("only %d of %d hashes equal the filled copy's", exact, hashes)
	}
}
