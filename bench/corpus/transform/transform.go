// Package transform derives altered copies of a photo for herken's accuracy
// evaluation: re-encodes, resizes, crops, borders, flips and rotations,
// colour changes, overlays and a screenshot-like framing, each implemented
// here in plain Go so that the corpus does not depend on an outside tool.
//
// Every transform is deterministic: its only randomness (a crop's offset, an
// overlay's position and colour) comes from a PCG generator seeded with the
// corpus seed and the names of the transform and the original, so the same
// input and seed give byte-identical output whatever the order or the
// parallelism of the build. Go's image/jpeg and image/png encoders are
// themselves deterministic.
//
// The functions are safe for concurrent use; they never modify their input.
package transform

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"image"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
)

// DefaultSeed is the seed of the published corpus (the date the corpus
// was specified, as a number). Changing it changes the bytes of every
// derived image that uses randomness.
const DefaultSeed uint64 = 20261122

// Transform is one kind of alteration.
type Transform struct {
	// Name is the transform's name, used as its folder in the corpus.
	Name string
	// Group gathers related transforms in the report, e.g. "jpeg", "crop".
	Group string
	// Quality is the JPEG quality of the output; 0 means PNG (used where a
	// lossless result matters, e.g. exact rotations, or where the real
	// thing is usually PNG, e.g. a screenshot).
	Quality int
	// Apply returns the altered pixels. src is opaque and is not modified.
	Apply func(src *image.RGBA, rng *rand.Rand) *image.RGBA
	// Pair, set instead of Apply, makes a post that shows src and another
	// original of the corpus, other: a copy of both (see DeriveWith).
	Pair func(src, other *image.RGBA, rng *rand.Rand) *image.RGBA
}

// Ext is the file extension of the transform's output, with its dot.
func (t Transform) Ext() string {
	if t.Quality == 0 {
		return ".png"
	}
	return ".jpg"
}

// DefaultJPEGQuality is the quality of the JPEG copies whose transform is
// not itself a re-encode: a typical quality for a photo re-shared online.
const DefaultJPEGQuality = 90

func identity(src *image.RGBA, _ *rand.Rand) *image.RGBA { return src }

// All returns every transform, in report order.
func All() []Transform {
	var ts []Transform
	add := func(name, group string, q int, f func(*image.RGBA, *rand.Rand) *image.RGBA) {
		ts = append(ts, Transform{Name: name, Group: group, Quality: q, Apply: f})
	}
	for _, q := range []int{90, 70, 50, 30} {
		add(fmt.Sprintf("jpeg-q%d", q), "jpeg", q, identity)
	}
	for _, s := range []struct {
		name string
		f    float64
	}{{"0.25", 0.25}, {"0.5", 0.5}, {"0.75", 0.75}, {"1.5", 1.5}, {"2", 2}} {
		f := s.f
		add("resize-"+s.name, "resize", DefaultJPEGQuality, func(src *image.RGBA, _ *rand.Rand) *image.RGBA {
			return Scale(src, f)
		})
	}
	for _, p := range []int{2, 5, 10} {
		add(fmt.Sprintf("crop-%d", p), "crop", DefaultJPEGQuality, func(src *image.RGBA, rng *rand.Rand) *image.RGBA {
			return Crop(src, p, rng)
		})
	}
	add("border-5", "border", DefaultJPEGQuality, func(src *image.RGBA, rng *rand.Rand) *image.RGBA {
		return Border(src, 5, rng)
	})
	add("letterbox", "border", DefaultJPEGQuality, func(src *image.RGBA, _ *rand.Rand) *image.RGBA {
		return Letterbox(src)
	})
	for _, d := range []struct {
		name string
		op   Dihedral
	}{{"flip-h", FlipH}, {"flip-v", FlipV}, {"rot-90", Rot90}, {"rot-180", Rot180}, {"rot-270", Rot270}} {
		op := d.op
		add(d.name, "dihedral", 0, func(src *image.RGBA, _ *rand.Rand) *image.RGBA {
			return ApplyDihedral(src, op)
		})
	}
	for _, deg := range []float64{2, 5} {
		add(fmt.Sprintf("rot-%gdeg", deg), "small-rotation", DefaultJPEGQuality, func(src *image.RGBA, _ *rand.Rand) *image.RGBA {
			return RotateSmall(src, deg)
		})
	}
	add("grey", "colour", DefaultJPEGQuality, func(src *image.RGBA, _ *rand.Rand) *image.RGBA { return Grey(src) })
	add("blur", "filter", DefaultJPEGQuality, func(src *image.RGBA, _ *rand.Rand) *image.RGBA {
		return Blur(src, blurSigma(src))
	})
	add("sharpen", "filter", DefaultJPEGQuality, func(src *image.RGBA, _ *rand.Rand) *image.RGBA {
		return Sharpen(src, 1.0, 1.0)
	})
	add("bright+40", "colour", DefaultJPEGQuality, func(src *image.RGBA, _ *rand.Rand) *image.RGBA { return Levels(src, 1, 40) })
	add("bright-40", "colour", DefaultJPEGQuality, func(src *image.RGBA, _ *rand.Rand) *image.RGBA { return Levels(src, 1, -40) })
	add("contrast+30", "colour", DefaultJPEGQuality, func(src *image.RGBA, _ *rand.Rand) *image.RGBA { return Levels(src, 1.3, 0) })
	add("contrast-30", "colour", DefaultJPEGQuality, func(src *image.RGBA, _ *rand.Rand) *image.RGBA { return Levels(src, 0.7, 0) })
	add("text", "overlay", DefaultJPEGQuality, func(src *image.RGBA, rng *rand.Rand) *image.RGBA {
		return TextOverlay(src, "shared via example.org - do not repost", rng)
	})
	add("logo", "overlay", DefaultJPEGQuality, func(src *image.RGBA, rng *rand.Rand) *image.RGBA { return LogoOverlay(src, rng) })
	add("screenshot", "screenshot", 0, func(src *image.RGBA, _ *rand.Rand) *image.RGBA { return Screenshot(src, 1280, 800, 0.6) })
	return append(append(ts, repostTransforms()...), mediaBankTransforms()...)
}

// ByName returns the named transform.
func ByName(name string) (Transform, bool) {
	for _, t := range All() {
		if t.Name == name {
			return t, true
		}
	}
	return Transform{}, false
}

// Rand returns the generator for one transform of one original: PCG seeded
// with seed and a hash of both names, independent of the build's order.
func Rand(seed uint64, transform, original string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(transform))
	h.Write([]byte{0})
	h.Write([]byte(original))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// Derive applies t to src with the generator for (seed, t, original) and
// returns the encoded file. A Pair transform needs DeriveWith.
func Derive(t Transform, src *image.RGBA, seed uint64, original string) ([]byte, error) {
	return DeriveWith(t, src, nil, seed, original)
}

// DeriveWith is Derive for any transform: other is the second picture of
// a Pair transform's post (ignored by the others).
func DeriveWith(t Transform, src, other *image.RGBA, seed uint64, original string) ([]byte, error) {
	rng := Rand(seed, t.Name, original)
	var out *image.RGBA
	switch {
	case t.Pair != nil && other == nil:
		return nil, fmt.Errorf("transform: %s shows two pictures and needs a second one", t.Name)
	case t.Pair != nil:
		out = t.Pair(src, other, rng)
	default:
		out = t.Apply(src, rng)
	}
	return Encode(out, t.Quality)
}

// Encode writes img as a JPEG of the given quality, or as a PNG when
// quality is 0. An image whose pixels are all grey is written as a
// greyscale file, as a grey photo usually is.
func Encode(img *image.RGBA, quality int) ([]byte, error) {
	var m image.Image = img
	if g, ok := asGray(img); ok {
		m = g
	}
	var buf bytes.Buffer
	var err error
	if quality == 0 {
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		err = enc.Encode(&buf, m)
	} else {
		err = jpeg.Encode(&buf, m, &jpeg.Options{Quality: quality})
	}
	if err != nil {
		return nil, fmt.Errorf("transform: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// asGray returns img as *image.Gray when every pixel has R = G = B.
func asGray(img *image.RGBA) (*image.Gray, bool) {
	b := img.Bounds()
	g := image.NewGray(b)
	for y := 0; y < b.Dy(); y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*b.Dx()]
		for x := 0; x < b.Dx(); x++ {
			p := row[4*x : 4*x+3]
			if p[0] != p[1] || p[1] != p[2] {
				return nil, false
			}
			g.Pix[y*g.Stride+x] = p[0]
		}
	}
	return g, true
}
