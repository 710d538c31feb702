package matcher

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"testing"

	"github.com/atkm/herken/fixtures"
	xdraw "golang.org/x/image/draw"
)

// regionBenchPhotos returns a 1 MP JPEG of a photo as it is and one of the
// same photo in a black frame (the picture 1000 pixels wide), as a
// re-poster would make it.
func regionBenchPhotos(b *testing.B) (plain, framed []byte) {
	data, err := os.ReadFile(fixtures.Path("pdq/threatexchange/pdq/data/bridge-mods/aaa-orig.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	enc := func(img image.Image) []byte {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
			b.Fatal(err)
		}
		return buf.Bytes()
	}
	sb := src.Bounds()
	whole := image.NewRGBA(image.Rect(0, 0, 1152, 1152*sb.Dy()/sb.Dx()))
	xdraw.CatmullRom.Scale(whole, whole.Bounds(), src, sb, xdraw.Src, nil)
	pic := image.NewRGBA(image.Rect(0, 0, 1000, 1000*sb.Dy()/sb.Dx()))
	xdraw.CatmullRom.Scale(pic, pic.Bounds(), src, sb, xdraw.Src, nil)
	fr := image.NewRGBA(image.Rect(0, 0, 1152, pic.Rect.Dy()+150))
	xdraw.Draw(fr, fr.Bounds(), image.NewUniform(color.RGBA{10, 10, 12, 255}), image.Point{}, xdraw.Src)
	xdraw.Draw(fr, pic.Rect.Add(image.Pt(70, 60)), pic, image.Point{}, xdraw.Src)
	return enc(whole), enc(fr)
}

// BenchmarkHasherRegions times the match path's hashing (every signal) of
// a 1 MP JPEG with and without region finding, on an unframed and a framed
// photo. Issue 14 allows region finding at most 1.5x the time without it:
// compare regions=on with regions=off of the same photo in one run.
func BenchmarkHasherRegions(b *testing.B) {
	plain, framed := regionBenchPhotos(b)
	for _, photo := range []struct {
		name string
		data []byte
	}{{"unframed", plain}, {"framed", framed}} {
		for _, on := range []bool{false, true} {
			name := "photo=" + photo.name + "/regions=off"
			if on {
				name = "photo=" + photo.name + "/regions=on"
			}
			b.Run(name, func(b *testing.B) {
				h, err := NewHasher(HasherConfig{Regions: on})
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				b.SetBytes(int64(len(photo.data)))
				for b.Loop() {
					hs := h.HashBytes(ctx, photo.data)
					if hs.PhotoErr != nil {
						b.Fatal(hs.PhotoErr)
					}
					if on && photo.name == "framed" && len(hs.Regions) == 0 {
						b.Fatal("no region found in the framed photo")
					}
				}
			})
		}
	}
}
