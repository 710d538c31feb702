package matcher

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"os"
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher/pdq"
)

// TestRegionVariantsFindAFramedCopy frames a photo in a thick uniform
// border, as re-posts do, and checks that the hasher finds the picture
// inside, hashes it within PDQ's threshold of the original, names it as
// evidence in the photo's own pixels, and offers it (and its mirror) as
// query variants; with region finding off, it offers none.
func TestRegionVariantsFindAFramedCopy(t *testing.T) {
	data, err := os.ReadFile(fixtures.Path("pdq/debian/opencv-doc/usr/share/doc/opencv-doc/examples/data/baboon.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	orig := mustHasher(t, HasherConfig{Signals: []SignalType{PDQ}}).HashBytes(context.Background(), data)
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	framed := image.NewRGBA(image.Rect(0, 0, b.Dx()+160, b.Dy()+240))
	draw.Draw(framed, framed.Bounds(), image.NewUniform(color.RGBA{30, 90, 200, 255}), image.Point{}, draw.Src)
	at := image.Rect(80, 120, 80+b.Dx(), 120+b.Dy())
	draw.Draw(framed, at, src, b.Min, draw.Src)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, framed, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}

	if got := mustHasher(t, HasherConfig{Signals: []SignalType{PDQ}}).HashBytes(context.Background(), buf.Bytes()); len(got.Regions) != 0 {
		t.Fatalf("regions found with region finding off: %+v", got.Regions)
	}
	hs := mustHasher(t, HasherConfig{Signals: []SignalType{PDQ}, Regions: true}).HashBytes(context.Background(), buf.Bytes())
	want := pdq.Hash(orig.Signals[0].Bytes())
	whole := pdq.Hash(hs.Signals[0].Bytes())
	best, bestAt := 257, -1
	for i, r := range hs.Regions {
		if d := r.PDQ.Distance(want); d < best {
			best, bestAt = d, i
		}
	}
	if bestAt < 0 || best > PDQ.DefaultThreshold() {
		t.Fatalf("framed copy: whole picture at %d bits, best region at %d bits (%+v)", whole.Distance(want), best, hs.Regions)
	}
	r := hs.Regions[bestAt].Region
	if iabs(r.X-at.Min.X) > 4 || iabs(r.Y-at.Min.Y) > 4 || iabs(r.Width-at.Dx()) > 8 || iabs(r.Height-at.Dy()) > 8 {
		t.Errorf("region %+v, want about %v", r, at)
	}
	if r.Description == "" || r.Kind == "" {
		t.Errorf("region without evidence: %+v", r)
	}
	var fromRegion int
	for _, v := range hs.PDQVariants(false) {
		if v.Region != nil {
			fromRegion++
		}
	}
	if fromRegion != 2*len(hs.Regions) {
		t.Errorf("%d region variants for %d regions, want each as found and mirrored", fromRegion, len(hs.Regions))
	}
	t.Logf("whole picture %d bits from the original, region %d bits: %s", whole.Distance(want), best, r.Description)
}

func iabs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestRegionMirroredHashIsTheMirroredPicture frames a mirrored photo, as
// re-posts do, and checks that the region's mirrored hash is that of the
// picture mirrored back: within a few bits of the original's. PDQ's own
// dihedral flip of the region's hash is not: its filter and decimation
// are not symmetric, which was measured at 8-86 bits (typically 12) on
// the bench corpus's mirrored frames, against 0-4 for the mirrored
// pixels.
func TestRegionMirroredHashIsTheMirroredPicture(t *testing.T) {
	for _, name := range []string{"baboon.jpg", "butterfly.jpg", "fruits.jpg", "messi5.jpg"} {
		data, err := os.ReadFile(fixtures.Path("pdq/debian/opencv-doc/usr/share/doc/opencv-doc/examples/data/" + name))
		if err != nil {
			t.Fatal(err)
		}
		orig := mustHasher(t, HasherConfig{Signals: []SignalType{PDQ}}).HashBytes(context.Background(), data)
		src, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		b := src.Bounds()
		framed := image.NewRGBA(image.Rect(0, 0, b.Dx()+90, b.Dy()+90))
		draw.Draw(framed, framed.Bounds(), image.NewUniform(color.RGBA{255, 255, 255, 255}), image.Point{}, draw.Src)
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				framed.Set(45+b.Dx()-1-x, 45+y, src.At(b.Min.X+x, b.Min.Y+y))
			}
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, framed, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		hs := mustHasher(t, HasherConfig{Signals: []SignalType{PDQ}, Regions: true}).HashBytes(context.Background(), buf.Bytes())
		want := pdq.Hash(orig.Signals[0].Bytes())
		best := 257
		for _, r := range hs.Regions {
			best = min(best, r.Mirrored.Distance(want))
		}
		if best > 6 {
			t.Errorf("%s mirrored in a white frame: best region's mirrored hash %d bits from the original's (%d regions)", name, best, len(hs.Regions))
		}
	}
}
