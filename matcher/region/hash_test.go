package region

import (
	"image"
	"math/rand"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

// TestSquashedHashesAsTheCrop checks that a region hashed from its squashed
// copy has exactly the PDQ hash (and mirrored hash) of the crop itself, for
// the picture in a black frame of every fixture photo, large and small.
func TestSquashedHashesAsTheCrop(t *testing.T) {
	origs := loadOriginals(t)
	if testing.Short() {
		origs = origs[:min(len(origs), 20)]
	}
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	rng := rand.New(rand.NewSource(7))
	large := 0
	for _, o := range origs {
		m, truth := reencode(t, framed(rng, o.img, black), false, 1, 85)
		for _, r := range []image.Rectangle{truth[0], image.Rect(3, 5, m.Width-2, m.Height)} {
			ref, err := h.Hash(Crop(m.Pix, m.Width, m.Height, m.Channels, r), r.Dx(), r.Dy(), m.Channels)
			if err != nil {
				t.Fatal(err)
			}
			pix, w, hh := Squashed(m.Pix, m.Width, m.Height, m.Channels, r)
			got, err := h.Hash(pix, w, hh, m.Channels)
			if err != nil {
				t.Fatal(err)
			}
			if got.Hash != ref.Hash || *got.Dihedral != *ref.Dihedral || got.Quality != ref.Quality {
				t.Errorf("%s %v: squashed hash %d bits from the crop's", o.name, r, got.Hash.Distance(ref.Hash))
			}
			if w < r.Dx() {
				large++
			}
		}
	}
	if large == 0 {
		t.Error("no region was large enough to be squashed")
	}
}
