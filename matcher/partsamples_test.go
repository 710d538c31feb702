package matcher

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"

	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
	"github.com/atkm/herken/matcher/region"
)

// TestPartHashesAreThePartCopies checks that the query's parts, hashed
// from the sampler's samples and HashSamples, have the PDQ hashes (and
// mirrored hashes) of the parts' copies hashed by pdq itself, as a known
// photo's stored parts are, up to float rounding; and the trimmed
// picture's that of its sampled copy.
func TestPartHashesAreThePartCopies(t *testing.T) {
	h := mustHasher(t, HasherConfig{Signals: []SignalType{PDQ}, Regions: true})
	ph := pdq.NewHasher(pdq.Options{Mirrored: true})
	hashes, exact := 0, 0
	for _, name := range []string{"baboon.jpg", "fruits.jpg", "messi5.jpg", "butterfly.jpg", "building.jpg", "home.jpg"} {
		img := opencvPhoto(t, name)
		var sm region.Sampler
		sm.Load(img.Pix, img.Width, img.Height, img.Channels)
		out := Hashes{Width: img.Width, Height: img.Height}
		if err := h.hashParts(img, &sm, &out); err != nil {
			t.Fatal(err)
		}
		parts := newCropSource(img, partSide)
		var want []pdq.Result
		for _, v := range out.Regions {
			switch v.Region.Kind {
			case TrimKind:
				crop, w, ht := sampled(img, regionRect(v.Region), trimSide)
				res, err := ph.Hash(crop, w, ht, img.Channels)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, res)
			case PartKind:
				r := scaleRect(regionRect(v.Region), img.Width, img.Height, parts.w, parts.h)
				res, err := parts.hash(ph, r)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, res)
			}
		}
		if len(want) != 3 || len(out.Regions) != 3 {
			t.Fatalf("%s: %d query variants, %d of them the trim and parts", name, len(out.Regions), len(want))
		}
		for i, v := range out.Regions {
			for _, d := range []int{v.PDQ.Distance(want[i].Hash), v.Mirrored.Distance(want[i].Mirrored)} {
				hashes++
				if d == 0 {
					exact++
				}
				if d > 4 {
					t.Errorf("%s %s: %d bits from its copy's hash", name, v.Region.Description, d)
				}
			}
			if v.Quality != want[i].Quality {
				t.Errorf("%s %s: quality %d, its copy's %d", name, v.Region.Description, v.Quality, want[i].Quality)
			}
		}
	}
	t.Logf("%d of %d hashes equal to their copies'", exact, hashes)
	if exact*10 < 9*hashes {
		t.Errorf("only %d of %d hashes equal their copies'", exact, hashes)
	}
}

// regionRect is a Region's rectangle.
func regionRect(r Region) image.Rectangle {
	return image.Rect(r.X, r.Y, r.X+r.Width, r.Y+r.Height)
}

// opencvPhoto decodes one of opencv-doc's example JPEGs among the PDQ
// fixtures into RGB samples, as the hasher's decoder lays them out.
func opencvPhoto(t *testing.T, name string) *media.Image {
	t.Helper()
	src, err := jpeg.Decode(bytes.NewReader(readFixture(t, "pdq/debian/opencv-doc/usr/share/doc/opencv-doc/examples/data/"+name)))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	img := &media.Image{Width: b.Dx(), Height: b.Dy(), Channels: 3, Pix: make([]byte, 0, b.Dx()*b.Dy()*3)}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := src.At(x, y).RGBA()
			img.Pix = append(img.Pix, byte(r>>8), byte(g>>8), byte(bl>>8))
		}
	}
	return img
}
