package region

import (
	"image"
	"math/rand"
	"slices"
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

// TestSamplerHashesAsTheCrop checks that a region hashed from the
// Sampler's 64x64 samples (as the matcher hashes regions and the trimmed
// picture) has the PDQ hash of the crop itself, up to the float rounding
// of applying the filter as weights: the picture in a black frame of every
// fixture photo, a nearly whole one, and a small corner.
func TestSamplerHashesAsTheCrop(t *testing.T) {
	origs := loadOriginals(t)
	if testing.Short() {
		origs = origs[:min(len(origs), 20)]
	}
	h := pdq.NewHasher(pdq.Options{Mirrored: true})
	var sm Sampler
	rng := rand.New(rand.NewSource(7))
	var dists []int
	for _, o := range origs {
		m, truth := reencode(t, framed(rng, o.img, black), false, 1, 85)
		for _, r := range []image.Rectangle{truth[0], image.Rect(3, 5, m.Width-2, m.Height), image.Rect(0, 0, m.Width/3, m.Height/4)} {
			ref, err := h.Hash(Crop(m.Pix, m.Width, m.Height, m.Channels, r), r.Dx(), r.Dy(), m.Channels)
			if err != nil {
				t.Fatal(err)
			}
			var s [64 * 64]float32
			if !sm.Squashed(m.Pix, m.Width, m.Height, m.Channels, r, s[:]) {
				t.Fatalf("%s %v: no samples", o.name, r)
			}
			got, err := h.HashLuma(s[:], 64, 64)
			if err != nil {
				t.Fatal(err)
			}
			d := got.Hash.Distance(ref.Hash)
			dists = append(dists, d, got.Mirrored.Distance(ref.Mirrored))
			if d > 4 || got.Quality != ref.Quality {
				t.Errorf("%s %v: %d bits from the crop's hash, quality %d (the crop's %d)", o.name, r, d, got.Quality, ref.Quality)
			}
		}
	}
	slices.Sort(dists)
	zero := 0
	for _, d := range dists {
		if d == 0 {
			zero++
		}
	}
	t.Logf("%d hashes from the samples: %d equal to the crop's, worst %d bits", len(dists), zero, dists[len(dists)-1])
	if zero*10 < 9*len(dists) {
		t.Errorf("only %d of %d hashes from the samples equal the crop's", zero, len(dists))
	}
	// Under pdq.MinSide a side there is nothing to filter (pdq hashes
	// it to zero): the matcher hashes such a crop as it is.
	if sm.Squashed(make([]byte, 16), 4, 4, 1, image.Rect(0, 0, 4, 4), make([]float32, 64*64)) {
		t.Error("a 4x4 region gave samples")
	}
}

// TestSamplerMirroredIsTheMirroredCrop checks that SquashedMirrored gives
// the samples of the region flipped left to right: exactly what Squashed
// gives of the same region in the photo mirrored, large (squashed) and
// small regions alike.
func TestSamplerMirroredIsTheMirroredCrop(t *testing.T) {
	origs := loadOriginals(t)
	origs = origs[:min(len(origs), 12)]
	var sm Sampler
	rng := rand.New(rand.NewSource(11))
	for _, o := range origs {
		m, truth := reencode(t, framed(rng, o.img, black), false, 1, 85)
		mirrored := slices.Clone(m.Pix)
		for y := range m.Height {
			row := mirrored[y*m.Width*m.Channels : (y+1)*m.Width*m.Channels]
			for i, j := 0, m.Width-1; i < j; i, j = i+1, j-1 {
				for c := range m.Channels {
					row[i*m.Channels+c], row[j*m.Channels+c] = row[j*m.Channels+c], row[i*m.Channels+c]
				}
			}
		}
		for _, r := range []image.Rectangle{truth[0], image.Rect(3, 5, m.Width-2, m.Height), image.Rect(7, 0, m.Width/3, m.Height/4)} {
			var got, want [64 * 64]float32
			if !sm.SquashedMirrored(m.Pix, m.Width, m.Height, m.Channels, r, got[:]) {
				t.Fatalf("%s %v: no samples", o.name, r)
			}
			mr := image.Rect(m.Width-r.Max.X, r.Min.Y, m.Width-r.Min.X, r.Max.Y)
			if !sm.Squashed(mirrored, m.Width, m.Height, m.Channels, mr, want[:]) {
				t.Fatalf("%s %v: no samples of the mirrored photo", o.name, mr)
			}
			if got != want {
				t.Errorf("%s %v: the mirrored samples are not those of the mirrored photo's region", o.name, r)
			}
		}
	}
}

// TestSamplerLoadedIsTheSame checks that the samples read from a loaded
// luma plane, as the matcher hashes a photo's regions, their insets and
// mirrors, are bit for bit those computed from the pixels: regions
// squashed on both sides, on one (a side under 512 stretched, its rows
// repeated), small ones, overlapping ones, grey photos; Centred reading the
// rows the regions filled and computing the others; and a Load of another
// photo, which must not be read.
func TestSamplerLoadedIsTheSame(t *testing.T) {
	origs := loadOriginals(t)
	origs = origs[:min(len(origs), 8)]
	rng := rand.New(rand.NewSource(5))
	var fresh, loaded Sampler
	for _, o := range origs {
		m, truth := reencode(t, framed(rng, o.img, black), false, 1, 85)
		grey := make([]byte, m.Width*m.Height)
		for i := range grey {
			grey[i] = m.Pix[3*i+1]
		}
		for _, ph := range []struct {
			pix      []byte
			channels int
		}{{m.Pix, 3}, {grey, 1}} {
			loaded.Load(ph.pix, m.Width, m.Height, ph.channels)
			outers := []image.Rectangle{truth[0], image.Rect(9, 4, min(m.Width, 200), min(m.Height, 150)),
				image.Rect(1, 2, m.Width-3, min(m.Height, 300)), image.Rect(0, 0, m.Width, m.Height)}
			for _, outer := range outers {
				for _, r := range []image.Rectangle{outer, outer.Inset(3), outer.Inset(11), image.Rect(outer.Min.X, outer.Min.Y, outer.Max.X-1, outer.Max.Y)} {
					for _, mirrored := range []bool{false, true} {
						var got, want [64 * 64]float32
						okW := fresh.squashed(ph.pix, m.Width, m.Height, ph.channels, r, mirrored, want[:])
						okG := loaded.squashed(ph.pix, m.Width, m.Height, ph.channels, r, mirrored, got[:])
						if okW != okG || got != want {
							t.Errorf("%s %d channels, %v mirrored %v: the loaded samples differ", o.name, ph.channels, r, mirrored)
						}
					}
				}
				// Centred after the regions: rows partly in the plane.
				for _, side := range []int{384, 100} {
					r := image.Rect(5, 3, m.Width-5, m.Height-3)
					var got, want [64 * 64]float32
					fresh.Centred(ph.pix, m.Width, m.Height, ph.channels, r, side, want[:])
					loaded.Centred(ph.pix, m.Width, m.Height, ph.channels, r, side, got[:])
					if got != want {
						t.Errorf("%s %d channels, after %v: the loaded centred samples differ", o.name, ph.channels, outer)
					}
				}
			}
			// Loaded with another photo, the plane is not read for this
			// one.
			other := slices.Clone(ph.pix)
			for i := range other {
				other[i] ^= 0x55
			}
			r := image.Rect(2, 2, m.Width-2, m.Height-2)
			var got, want [64 * 64]float32
			fresh.squashed(ph.pix, m.Width, m.Height, ph.channels, r, false, want[:])
			loaded.Load(other, m.Width, m.Height, ph.channels)
			loaded.squashed(other, m.Width, m.Height, ph.channels, r, false, got[:])
			loaded.squashed(ph.pix, m.Width, m.Height, ph.channels, r, false, got[:])
			if got != want {
				t.Errorf("%s %d channels: a plane of another photo was read", o.name, ph.channels)
			}
		}
	}
}

// TestSamplerDropsALargePlane: a pooled Sampler does not keep the luma
// plane of a very large photo after Unload (it would hold 4 bytes a pixel
// of the largest photo it saw), and keeps a small one for the next photo.
func TestSamplerDropsALargePlane(t *testing.T) {
	var s Sampler
	out := make([]float32, 64*64)
	for _, c := range []struct {
		w, h int
		kept bool
	}{{640, 480, true}, {4096, 2049, false}} {
		pix := make([]byte, c.w*c.h)
		for i := range pix {
			pix[i] = byte(i * 7)
		}
		s.Load(pix, c.w, c.h, 1)
		if !s.Squashed(pix, c.w, c.h, 1, image.Rect(10, 10, c.w-10, c.h-10), out) {
			t.Fatalf("%dx%d: not sampled", c.w, c.h)
		}
		if cap(s.plane.luma) < c.w*c.h {
			t.Fatalf("%dx%d: the plane was not filled (cap %d)", c.w, c.h, cap(s.plane.luma))
		}
		s.Unload()
		if kept := s.plane.luma != nil; kept != c.kept {
			t.Errorf("%dx%d: plane kept after Unload: %v, want %v", c.w, c.h, kept, c.kept)
		}
	}
}
