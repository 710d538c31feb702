package matcher

import (
	"fmt"
	"image"

	"github.com/corona10/goimagehash"

	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
)

// photoHasher is the implementation of a perceptual signal type: it
// computes its signal from a decoded photo. A new perceptual type is one
// implementation and one line in photoHashers (and one in the signals
// registry); the Hasher dispatches through the table.
type photoHasher interface {
	// hash computes the signal of type t of in and appends it (and what
	// else it computes, like PDQ's quality and variants) to out.
	hash(h *Hasher, t SignalType, in *photoInput, out *Hashes) error
	// minSide is the fewest pixels a side the signal needs from a
	// reduced decode (fast decoding); 0 for the full size.
	minSide(cfg HasherConfig) int
}

// photoHashers is the registry of perceptual implementations, by type;
// TestEveryPhotoTypeHasAHasher holds it equal to the signals registry.
var photoHashers = map[SignalType]photoHasher{
	PDQ:   pdqHasher{},
	PHash: imageHasher(goimagehash.PerceptionHash),
	DHash: imageHasher(goimagehash.DifferenceHash),
	AHash: imageHasher(goimagehash.AverageHash),
}

// photoInput is a decoded photo with what its hashers share: the reduced
// copy the 64-bit hashes start from, made once.
type photoInput struct {
	img     *media.Image
	reduced imageHashSource
}

func (in *photoInput) forImageHash() image.Image {
	in.reduced.img = in.img
	return in.reduced.image()
}

// pdqHasher computes PDQ, with its quality and dihedral variants, and the
// regions and crops the Hasher's configuration asks for.
type pdqHasher struct{}

func (pdqHasher) hash(h *Hasher, _ SignalType, in *photoInput, out *Hashes) error {
	img := in.img
	ph := h.pdqPool.Get().(*pdq.Hasher)
	res, err := ph.Hash(img.Pix, img.Width, img.Height, img.Channels)
	h.pdqPool.Put(ph)
	if err != nil {
		return fmt.Errorf("matcher: pdq: %w", err)
	}
	out.Signals = append(out.Signals, mustSignal(PDQ, res.Hash[:]))
	out.PDQQuality = res.Quality
	out.PDQDihedral = res.Dihedral
	if h.cfg.Regions {
		if err := h.hashRegions(img, out); err != nil {
			return err
		}
	}
	if h.cfg.ItemVariants {
		if err := h.hashCrops(img, out); err != nil {
			return err
		}
	}
	return nil
}

func (pdqHasher) minSide(cfg HasherConfig) int {
	if cfg.PDQFullResolution {
		return 0
	}
	return pdq.SquashSide
}

// imageHasher computes a 64-bit goimagehash signal from the shared reduced
// copy of the photo.
type imageHasher func(image.Image) (*goimagehash.ImageHash, error)

func (f imageHasher) hash(_ *Hasher, t SignalType, in *photoInput, out *Hashes) error {
	sig, err := f.of(t, in.forImageHash())
	if err != nil {
		return err
	}
	out.Signals = append(out.Signals, sig)
	return nil
}

// of computes the signal of type t of img.
func (f imageHasher) of(t SignalType, img image.Image) (Signal, error) {
	ih, err := f(img)
	if err != nil {
		return Signal{}, fmt.Errorf("matcher: %s: %w", t, err)
	}
	var b [8]byte
	v := ih.GetHash()
	for i := range b {
		b[i] = byte(v >> (56 - 8*i))
	}
	return mustSignal(t, b[:]), nil
}

func (imageHasher) minSide(HasherConfig) int { return imageHashSide }
