package transform

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"testing"
)

// synthetic is a small picture with structure in both directions, so that
// flips and rotations change it.
func synthetic(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			o := img.PixOffset(x, y)
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = uint8(x*255/w), uint8(y*255/h), uint8((x*y)%251), 0xff
		}
	}
	return img
}

func TestDeterministic(t *testing.T) {
	src := synthetic(60, 40)
	for _, tr := range All() {
		a, err := DeriveWith(tr, src, synthetic(30, 50), DefaultSeed, "orig")
		if err != nil {
			t.Fatalf("%s: %v", tr.Name, err)
		}
		b, err := DeriveWith(tr, synthetic(60, 40), synthetic(30, 50), DefaultSeed, "orig")
		if err != nil {
			t.Fatalf("%s: %v", tr.Name, err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two runs with the same seed differ", tr.Name)
		}
	}
	if !bytes.Equal(src.Pix, synthetic(60, 40).Pix) {
		t.Error("a transform modified its input")
	}
}

func TestSeedMatters(t *testing.T) {
	tr, _ := ByName("crop-10")
	src := synthetic(200, 200)
	seen := map[string]bool{}
	for seed := range uint64(8) {
		b, _ := Derive(tr, src, seed, "orig")
		seen[string(b)] = true
	}
	if len(seen) < 2 {
		t.Error("crop-10 gives the same bytes for 8 seeds: its offset is not drawn from the seed")
	}
}

func TestGeometry(t *testing.T) {
	f := func(name string, w, h, wantW, wantH int) {
		t.Helper()
		tr, ok := ByName(name)
		if !ok {
			t.Fatalf("no transform %q", name)
		}
		b, err := Derive(tr, synthetic(w, h), DefaultSeed, "x")
		if err != nil {
			t.Fatal(err)
		}
		var cfg image.Config
		if tr.Quality == 0 {
			cfg, err = png.DecodeConfig(bytes.NewReader(b))
		} else {
			cfg, err = jpeg.DecodeConfig(bytes.NewReader(b))
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.Width != wantW || cfg.Height != wantH {
			t.Errorf("%s of %dx%d: %dx%d, want %dx%d", name, w, h, cfg.Width, cfg.Height, wantW, wantH)
		}
	}
	f("rot-90", 60, 40, 40, 60)
	f("rot-270", 60, 40, 40, 60)
	f("rot-180", 60, 40, 60, 40)
	f("flip-h", 60, 40, 60, 40)
	f("crop-10", 100, 50, 90, 45)
	f("crop-2", 100, 50, 98, 49)
	f("resize-0.5", 100, 50, 50, 25)
	f("resize-2", 100, 50, 200, 100)
	f("border-5", 100, 60, 110, 66)
	f("letterbox", 100, 60, 100, 100)
	f("rot-5deg", 100, 60, 100, 60)
	f("screenshot", 100, 60, 1280, 800)
}

func TestDihedralPixels(t *testing.T) {
	src := synthetic(5, 3)
	at := func(m *image.RGBA, x, y int) [4]uint8 {
		o := m.PixOffset(x, y)
		return [4]uint8(m.Pix[o : o+4])
	}
	f := func(op Dihedral, sx, sy, dx, dy int) {
		t.Helper()
		if got, want := at(ApplyDihedral(src, op), dx, dy), at(src, sx, sy); got != want {
			t.Errorf("op %d: pixel (%d,%d) should land on (%d,%d)", op, sx, sy, dx, dy)
		}
	}
	f(FlipH, 0, 0, 4, 0)
	f(FlipV, 0, 0, 0, 2)
	f(Rot90, 0, 0, 2, 0) // top left goes to top right, clockwise
	f(Rot180, 0, 0, 4, 2)
	f(Rot270, 0, 0, 0, 4)
	// Four quarter turns are the identity.
	m := src
	for range 4 {
		m = ApplyDihedral(m, Rot90)
	}
	if !bytes.Equal(m.Pix, src.Pix) {
		t.Error("four quarter turns changed the picture")
	}
}

func TestGreyIsEncodedGrey(t *testing.T) {
	b, err := Encode(Grey(synthetic(16, 16)), 90)
	if err != nil {
		t.Fatal(err)
	}
	m, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*image.Gray); !ok {
		t.Errorf("grey picture encoded as %T, want a greyscale JPEG", m)
	}
}
