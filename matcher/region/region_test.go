package region

import (
	"image"
	"image/color"
	"math/rand"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

// TestFindFamilies checks one picture in each kind of frame: the region's
// rectangle is within a few pixels of the truth and its hash matches the
// original's.
func TestFindFamilies(t *testing.T) {
	origs := loadOriginals(t)
	var bridge, coffee *original
	for i := range origs {
		switch origs[i].name {
		case "aaa-orig.jpg":
			bridge = &origs[i]
		case "coffee.png":
			coffee = &origs[i]
		}
	}
	if bridge == nil || coffee == nil {
		t.Fatal("fixtures missing")
	}
	pic := scale(bridge.img, 800, 502)
	want := hashRGBA(t, pdq.NewHasher(pdq.Options{}), pic).Hash
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	for _, fam := range families {
		if fam.name == "side-by-side" || fam.name == "stacked" {
			continue // TestRecallPerFamily measures them over all photos
		}
		if fam.name == "stretched-padding" {
			continue // found for 74% of the fixtures only: see TestRecallPerFamily
		}
		t.Run(fam.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(3))
			p := fam.build(rng, pic, coffee.img)
			m, truth := reencode(t, p, true, 0.9, 80)
			rs := Find(m.Pix, m.Width, m.Height, m.Channels)
			if len(rs) == 0 || len(rs) > MaxRegions {
				t.Fatalf("%d regions", len(rs))
			}
			d, at := bestDistance(t, h, m, rs, want)
			if d > matchThreshold {
				t.Errorf("best region %v is %d bits from the original; regions %v", at, d, rects(rs))
			}
			// A few pixels: a chat bubble's margin of 6 pixels may stay.
			tol := max(6, truth[0].Dx()/100)
			if !near(at, truth[0], tol) {
				t.Errorf("region %v, truth %v (±%d)", at, truth[0], tol)
			}
			t.Logf("%s: %s", rs[0].Kind, rs[0].Explain())
		})
	}
}

// TestFindNegatives: pictures that merely have a dark sky, a white wall, a
// studio background or a straight horizon are not trimmed.
func TestFindNegatives(t *testing.T) {
	src := fixture(t, "baboon.jpg")
	const W, H = 640, 480
	rng := rand.New(rand.NewSource(5))
	noise := func(v int) uint8 { return uint8(min(255, max(0, v+rng.Intn(5)-2))) }
	texture := scale(src, W, H)
	shade := func(f func(x, y int) (color.RGBA, bool)) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, W, H))
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				c, ok := f(x, y)
				if !ok {
					c = texture.RGBAAt(x, y)
				}
				img.SetRGBA(x, y, c)
			}
		}
		return img
	}
	skyline := make([]int, W)
	for x := 0; x < W; x += 40 {
		hgt := 120 + rng.Intn(160)
		for i := x; i < min(W, x+40); i++ {
			skyline[i] = hgt
		}
	}
	inEllipse := func(x, y, cx, cy, rx, ry int) bool {
		dx, dy := float64(x-cx)/float64(rx), float64(y-cy)/float64(ry)
		return dx*dx+dy*dy <= 1
	}
	cases := map[string]*image.RGBA{
		"dark sky over a skyline": shade(func(x, y int) (color.RGBA, bool) {
			v := 8 + y/20
			return color.RGBA{noise(v), noise(v), noise(v + 6), 255}, y < skyline[x]
		}),
		"white wall behind a subject": shade(func(x, y int) (color.RGBA, bool) {
			v := 238 - x/40
			return color.RGBA{noise(v), noise(v), noise(v - 4), 255}, !inEllipse(x, y, W/2, H, 170, 330)
		}),
		"studio background": shade(func(x, y int) (color.RGBA, bool) {
			v := 120 + (y-H/2)/12
			return color.RGBA{noise(v), noise(v), noise(v), 255}, !inEllipse(x, y, W/2, H/2, 150, 190)
		}),
		"horizon under a clear sky": shade(func(x, y int) (color.RGBA, bool) {
			return color.RGBA{noise(120 + y/4), noise(170 + y/6), noise(235), 255}, y < H*2/5
		}),
	}
	for name, img := range cases {
		m, _ := reencode(t, post{img: img}, false, 1, 85)
		for _, r := range Find(m.Pix, m.Width, m.Height, m.Channels) {
			t.Errorf("%s: trimmed: %s: %s", name, r.Kind, r.Explain())
		}
	}
}

func TestCrop(t *testing.T) {
	pix := make([]byte, 4*3*3)
	for i := range pix {
		pix[i] = byte(i)
	}
	got := Crop(pix, 4, 3, 3, image.Rect(1, 1, 3, 3))
	want := []byte{15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32}
	if string(got) != string(want) {
		t.Fatalf("Crop = %v, want %v", got, want)
	}
	if Crop(pix, 4, 3, 3, image.Rect(5, 5, 9, 9)) != nil {
		t.Fatal("Crop outside the image returned pixels")
	}
}

func TestFindBadInput(t *testing.T) {
	for _, c := range []struct{ n, w, h, ch int }{{10, 64, 64, 3}, {64 * 64 * 2, 64, 64, 2}, {0, 0, 0, 1}, {16 * 16, 16, 16, 1}} {
		if rs := Find(make([]byte, c.n), c.w, c.h, c.ch); rs != nil {
			t.Errorf("Find(%v) = %v", c, rs)
		}
	}
}
