package matcher

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

// typicalPhotos returns the Debian fixture photos (JPEG and PNG, not the
// derived edits): ordinary, unframed pictures of every kind, the mix the
// match path mostly sees.
func typicalPhotos(b *testing.B) [][]byte {
	root := fixtures.Path("pdq/debian")
	var out [][]byte
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "derived" {
			return filepath.SkipDir
		}
		ext := strings.ToLower(filepath.Ext(path))
		if d.IsDir() || (ext != ".jpg" && ext != ".png") {
			return nil
		}
		data, err := os.ReadFile(path)
		out = append(out, data)
		return err
	})
	if err != nil || len(out) == 0 {
		b.Fatalf("typical photos: %d read, %v", len(out), err)
	}
	return out
}

// BenchmarkHasherRegions times the match path's hashing (every signal) of
// a 1 MP JPEG with and without region finding, on an unframed and a framed
// photo. Issue 14 allows region finding at most 1.5x the time without it:
// compare regions=on with regions=off of the same photo in one run.
// photo=typical hashes every Debian fixture photo once per op: its ratio
// is the mean cost over ordinary photos, the headline figure.
func BenchmarkHasherRegions(b *testing.B) {
	plain, framed := regionBenchPhotos(b)
	typical := typicalPhotos(b)
	for _, photo := range []struct {
		name string
		data [][]byte
	}{{"typical", typical}, {"unframed", [][]byte{plain}}, {"framed", [][]byte{framed}}} {
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
				size := 0
				for _, d := range photo.data {
					size += len(d)
				}
				b.SetBytes(int64(size))
				for b.Loop() {
					for _, d := range photo.data {
						hs := h.HashBytes(ctx, d)
						if hs.PhotoErr != nil {
							b.Fatal(hs.PhotoErr)
						}
						if on && photo.name == "framed" && len(hs.Regions) == 0 {
							b.Fatal("no region found in the framed photo")
						}
					}
				}
			})
		}
	}
}
