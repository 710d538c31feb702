package matcher

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"os"
	"strings"
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

// TestRegionHashedInsideItsEdges: each region found is also hashed a
// little inside its edges, for re-posts whose picture came out a line or
// two too large (a chat bubble's edge, a frame's blended border kept). A
// photo framed as in TestRegionVariantsFindAFramedCopy, with a dark line
// around it that the region takes in, gets beside the region its insets:
// rectangles inside it by 1% and 2.5% of its shorter side, saying so,
// each as found and mirrored; and an inset is nearer the original than
// the region.
func TestRegionHashedInsideItsEdges(t *testing.T) {
	data, err := os.ReadFile(fixtures.Path("pdq/debian/opencv-doc/usr/share/doc/opencv-doc/examples/data/baboon.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	orig := mustHasher(t, HasherConfig{Signals: []SignalType{PDQ}}).HashBytes(context.Background(), data)
	want := pdq.Hash(orig.Signals[0].Bytes())
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	frame := color.RGBA{240, 240, 240, 255}
	framed := image.NewRGBA(image.Rect(0, 0, b.Dx()+160, b.Dy()+240))
	draw.Draw(framed, framed.Bounds(), image.NewUniform(frame), image.Point{}, draw.Src)
	at := image.Rect(80, 120, 80+b.Dx(), 120+b.Dy())
	// A dark line 4 pixels wide around the picture, as a bubble's border
	// or a frame's inner rule: a region finder takes it in with the
	// picture.
	draw.Draw(framed, at.Inset(-4), image.NewUniform(color.RGBA{20, 20, 20, 255}), image.Point{}, draw.Src)
	draw.Draw(framed, at, src, b.Min, draw.Src)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, framed, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	hs := mustHasher(t, HasherConfig{Signals: []SignalType{PDQ}, Regions: true}).HashBytes(context.Background(), buf.Bytes())
	var outer *RegionHash
	insets := map[int]RegionHash{} // by the inset in pixels
	for i := range hs.Regions {
		r := &hs.Regions[i]
		if r.Region.Kind == PartKind || r.Region.Kind == TrimKind {
			continue
		}
		if !strings.Contains(r.Region.Description, "inside its edges") {
			if outer == nil {
				outer = r
			}
			continue
		}
		if outer == nil {
			t.Fatalf("an inset before its region: %+v", hs.Regions)
		}
		d := r.Region.X - outer.Region.X
		if d <= 0 || r.Region.Y-outer.Region.Y != d || r.Region.Width != outer.Region.Width-2*d || r.Region.Height != outer.Region.Height-2*d {
			t.Errorf("inset %+v is not inside %+v by the same on every side", r.Region, outer.Region)
		}
		if !strings.Contains(r.Region.Description, fmt.Sprintf("hashed %d px inside its edges", d)) {
			t.Errorf("inset's evidence does not say how far inside: %q", r.Region.Description)
		}
		insets[d] = *r
	}
	if outer == nil || len(insets) != 2 {
		t.Fatalf("want a region and two insets, got %+v", hs.Regions)
	}
	short := min(outer.Region.Width, outer.Region.Height)
	for _, f := range regionInsets {
		if _, ok := insets[max(2, int(f*float64(short)+0.5))]; !ok {
			t.Errorf("no inset by %.1f%% of %d px: %v", 100*f, short, insets)
		}
	}
	region, best := outer.PDQ.Distance(want), 256
	for _, r := range insets {
		best = min(best, r.PDQ.Distance(want))
	}
	t.Logf("region %+v at %d bits from the original, its nearest inset at %d", outer.Region, region, best)
	if best >= region {
		t.Errorf("no inset nearer the original (%d bits) than the region with the blended edge (%d bits)", best, region)
	}
}
