package transform

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

func solid(w, h int, c color.RGBA) *image.RGBA { return canvas(w, h, c) }

// count counts the pixels of m within 40 of c in every channel.
func count(m *image.RGBA, c color.RGBA) int {
	n := 0
	for i := 0; i < len(m.Pix); i += 4 {
		if near(m.Pix[i], c.R) && near(m.Pix[i+1], c.G) && near(m.Pix[i+2], c.B) {
			n++
		}
	}
	return n
}

func near(a, b uint8) bool { return int(a)-int(b) < 40 && int(b)-int(a) < 40 }

func TestRepostGeometry(t *testing.T) {
	src := synthetic(400, 300)
	for _, c := range []struct {
		name string
		w, h int
	}{
		{"letterbox-9x16-black", 1080, 1920}, {"letterbox-9x16-colour", 720, 1280},
		{"blur-pad-9x16", 1080, 1920}, {"blur-pad-1x1", 1080, 1080}, {"stretch-pad-9x16", 720, 1280},
		{"chat-light", 1080, 1920}, {"chat-dark", 720, 1280}, {"mirror-letterbox-9x16", 1080, 1920},
		{"pillarbox-16x9-black", 533, 300},
	} {
		tr, ok := ByName(c.name)
		if !ok {
			t.Fatalf("no transform %q", c.name)
		}
		b, err := DeriveWith(tr, src, nil, DefaultSeed, "x")
		if err != nil {
			t.Fatal(err)
		}
		dec := jpeg.DecodeConfig
		if tr.Quality == 0 {
			dec = png.DecodeConfig
		}
		cfg, err := dec(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if cfg.Width != c.w || cfg.Height != c.h {
			t.Errorf("%s of 400x300: %dx%d, want %dx%d", c.name, cfg.Width, cfg.Height, c.w, c.h)
		}
	}
}

// Every re-post family is in the list, each with several styles, under a
// group that starts with "repost-".
func TestRepostFamilies(t *testing.T) {
	n := map[string]int{}
	for _, tr := range All() {
		if strings.HasPrefix(tr.Group, "repost-") {
			n[tr.Group]++
		}
	}
	for _, g := range []string{"repost-frame", "repost-letterbox", "repost-blur-pad", "repost-caption", "repost-chat", "repost-mirror-frame", "repost-two"} {
		if n[g] < 2 {
			t.Errorf("group %s has %d transforms, want at least 2", g, n[g])
		}
	}
}

func TestFramePlacesThePictureExactly(t *testing.T) {
	red := color.RGBA{0xff, 0, 0, 0xff}
	m := Frame(solid(10, 6, red), [4]int{1, 2, 3, 4}, color.RGBA{0, 0, 0xff, 0xff})
	if m.Rect.Dx() != 14 || m.Rect.Dy() != 12 {
		t.Fatalf("framed 10x6 is %v, want 14x12", m.Rect)
	}
	if m.RGBAAt(1, 2) != red || m.RGBAAt(10, 7) != red || m.RGBAAt(0, 2) == red || m.RGBAAt(11, 8) == red {
		t.Error("the picture is not at (1,2)-(11,8) of the frame")
	}
}

func TestTwoUpShowsBoth(t *testing.T) {
	red, blue := color.RGBA{0xff, 0, 0, 0xff}, color.RGBA{0, 0, 0xff, 0xff}
	for _, stacked := range []bool{false, true} {
		m := TwoUp(solid(200, 100, red), solid(100, 100, blue), stacked, false)
		r, b := count(m, red), count(m, blue)
		if r == 0 || b == 0 {
			t.Errorf("stacked=%v: %d red and %d blue pixels, want both pictures", stacked, r, b)
		}
	}
	tr, _ := ByName("two-stacked")
	if _, err := Derive(tr, solid(10, 10, red), DefaultSeed, "x"); err == nil {
		t.Error("a two-picture post derived without its second picture")
	}
}

func TestCaptionBarsHaveText(t *testing.T) {
	src := solid(400, 300, color.RGBA{0x80, 0x80, 0x80, 0xff})
	m := Caption(src, "top text", "bottom text", Rand(1, "caption", "x"))
	h := m.Rect.Dy()
	if h <= 300+2*35 {
		t.Fatalf("captioned 400x300 is %v: bars missing", m.Rect)
	}
	bar := (h - 300) / 2
	top := m.SubImage(image.Rect(0, 0, 400, bar)).(*image.RGBA)
	bottom := m.SubImage(image.Rect(0, h-bar, 400, h)).(*image.RGBA)
	for name, b := range map[string]*image.RGBA{"top": top, "bottom": bottom} {
		if dark := count(b, color.RGBA{0, 0, 0, 0xff}); dark < 100 {
			t.Errorf("%s bar has %d dark pixels: no text", name, dark)
		}
		if white := count(b, color.RGBA{0xff, 0xff, 0xff, 0xff}); white < 400*bar/2 {
			t.Errorf("%s bar has %d white pixels: not a white bar", name, white)
		}
	}
}

func TestChatShowsThePhoto(t *testing.T) {
	green := color.RGBA{0x10, 0xe0, 0x10, 0xff}
	for _, th := range []chatTheme{chatLight, chatDark} {
		m := ChatScreenshot(solid(400, 300, green), th, Rand(1, "chat", "x"))
		// 55-75% of 1080 wide at 4:3, less the rounded corners.
		n := count(m, green)
		if lo, hi := 594*445*95/100, 810*608; n < lo || n > hi {
			t.Errorf("photo covers %d pixels of the screenshot, want %d-%d", n, lo, hi)
		}
	}
}
