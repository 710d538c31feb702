package matcher

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher/pdq"
	xdraw "golang.org/x/image/draw"
)

// TestRegionMirroredHashIsTheMirroredPicturesHash: a mirrored re-post's
// region must meet the original through the region's mirrored hash. For a
// region larger than PDQ's 512 samples a side, PDQ's dihedral FlipY of the
// squashed samples was up to 52 bits from the hash of the mirrored region
// (here, and on the corpus's mirror-blur-pad copies), which lost mirrored
// copies whose picture was found exactly. Each photo is scaled to 720
// pixels wide and framed, unmirrored and mirrored: the mirrored post's
// region must be about as close to the original through its mirrored
// hash as the unmirrored post's through its hash.
func TestRegionMirroredHashIsTheMirroredPicturesHash(t *testing.T) {
	dir := fixtures.Path("pdq/debian/python3-skimage/usr/lib/python3/dist-packages/skimage/data")
	names, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures in %s: %v", dir, err)
	}
	plain := mustHasher(t, HasherConfig{Signals: []SignalType{PDQ}})
	withRegions := mustHasher(t, HasherConfig{Signals: []SignalType{PDQ}, Regions: true})
	ctx := context.Background()
	tried, worst := 0, 0
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		orig := plain.HashBytes(ctx, data)
		if orig.PhotoErr != nil || orig.PDQQuality < 50 {
			continue
		}
		src, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			continue
		}
		b := src.Bounds()
		w := 720
		h := b.Dy() * w / b.Dx()
		small := image.NewRGBA(image.Rect(0, 0, w, h))
		xdraw.CatmullRom.Scale(small, small.Bounds(), src, b, xdraw.Src, nil)
		want := pdq.Hash(orig.Signals[0].Bytes())
		// The same post unmirrored and mirrored: the mirrored one's region
		// must meet the original through its mirrored hash about as well as
		// the unmirrored one's does through its hash.
		var dist [2]int
		found := true
		for m, mirror := range []bool{false, true} {
			framed := image.NewRGBA(image.Rect(0, 0, w+80, h+120))
			draw.Draw(framed, framed.Bounds(), image.NewUniform(color.RGBA{128, 128, 128, 255}), image.Point{}, draw.Src)
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					tx := x
					if mirror {
						tx = w - 1 - x
					}
					framed.SetRGBA(40+tx, 60+y, small.RGBAAt(x, y))
				}
			}
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, framed, &jpeg.Options{Quality: 90}); err != nil {
				t.Fatal(err)
			}
			hs := withRegions.HashBytes(ctx, buf.Bytes())
			dist[m] = 257
			for _, r := range hs.Regions {
				h := r.PDQ
				if mirror {
					h = r.Mirrored
				}
				dist[m] = min(dist[m], h.Distance(want))
			}
			found = found && len(hs.Regions) > 0
		}
		if !found {
			continue // no region found: not what this test is about
		}
		tried++
		worst = max(worst, dist[1]-dist[0])
		if dist[1] > dist[0]+8 {
			t.Errorf("%s: mirrored post's region %d bits from the original, unmirrored %d", filepath.Base(name), dist[1], dist[0])
		}
	}
	if tried < 5 {
		t.Fatalf("only %d framed fixtures had a region", tried)
	}
	t.Logf("%d framed fixtures, mirroring costs at most %d bits", tried, worst)
}
