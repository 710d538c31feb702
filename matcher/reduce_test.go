package matcher

import (
	"image"
	"os"
	"slices"
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher/media"
)

// TestReducedImageHashesAgree checks that reducing an image before
// goimagehash barely moves its 64-bit hashes: over the reference fixtures,
// against goimagehash on the full decoded image.
func TestReducedImageHashesAgree(t *testing.T) {
	cases, err := fixtures.PDQReference()
	if err != nil {
		t.Fatal(err)
	}
	types := []SignalType{PHash, DHash, AHash}
	dists := make([][]int, len(types))
	reduced := 0
	for _, c := range cases {
		data, err := os.ReadFile(c.Path())
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := media.Decode(data, media.DefaultLimits)
		if err != nil {
			t.Fatalf("%s: %v", c.File, err)
		}
		if img.Width > imageHashSide || img.Height > imageHashSide {
			reduced++
		}
		full, src := fullImage(img), imageHashSource{img: img}
		for i, st := range types {
			a, err := photoHashers[st].(imageHasher).of(st, full)
			if err != nil {
				t.Fatal(err)
			}
			b, err := photoHashers[st].(imageHasher).of(st, src.image())
			if err != nil {
				t.Fatal(err)
			}
			d, _ := a.Distance(b)
			dists[i] = append(dists[i], d)
			if d > st.DefaultThreshold() {
				t.Logf("%s: %s (%dx%d) moves %d bits", st, c.File, img.Width, img.Height, d)
			}
		}
	}
	if reduced < len(cases)/2 {
		t.Fatalf("only %d of %d fixtures are larger than %d pixels: the test proves little", reduced, len(cases), imageHashSide)
	}
	for i, st := range types {
		d := dists[i]
		slices.Sort(d)
		sum, within := 0, 0
		for _, v := range d {
			sum += v
			if v <= st.DefaultThreshold() {
				within++
			}
		}
		mean, share := float64(sum)/float64(len(d)), float64(within)/float64(len(d))
		t.Logf("%s: %d images (%d reduced): mean %.2f bits, p99 %d, max %d; %.1f%% within the threshold of %d",
			st, len(d), reduced, mean, d[len(d)*99/100], d[len(d)-1], 100*share, st.DefaultThreshold())
		// The fixtures include near-flat and noise-like images (16-bit
		// PNGs read as their low bytes, as the reference reads them), on
		// which any change of filter flips bits; on photos the hashes
		// agree.
		if mean > 1 || share < 0.95 {
			t.Errorf("%s: reduced hashes are too far from full-image ones: mean %.2f bits, %.1f%% within %d", st, mean, 100*share, st.DefaultThreshold())
		}
	}
}

// fullImage wraps every decoded pixel for goimagehash, as it would see the
// photo without reduction.
func fullImage(img *media.Image) image.Image {
	r := image.Rect(0, 0, img.Width, img.Height)
	if img.Channels == 1 {
		return &image.Gray{Pix: img.Pix, Stride: img.Width, Rect: r}
	}
	rgba := image.NewRGBA(r)
	for i, j := 0, 0; i < len(img.Pix); i, j = i+3, j+4 {
		rgba.Pix[j], rgba.Pix[j+1], rgba.Pix[j+2], rgba.Pix[j+3] = img.Pix[i], img.Pix[i+1], img.Pix[i+2], 0xff
	}
	return rgba
}

// BenchmarkImageHashes computes the three 64-bit hashes of a 1280x800 RGB
// image, reductions included.
func BenchmarkImageHashes(b *testing.B) {
	img := &media.Image{Width: 1280, Height: 800, Channels: 3, Pix: make([]byte, 1280*800*3)}
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	b.SetBytes(int64(len(img.Pix)))
	for b.Loop() {
		src := imageHashSource{img: img}
		for _, t := range []SignalType{PHash, DHash, AHash} {
			if _, err := photoHashers[t].(imageHasher).of(t, src.image()); err != nil {
				b.Fatal(err)
			}
		}
	}
}
