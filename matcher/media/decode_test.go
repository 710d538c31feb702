package media

import (
	"bytes"
	"compress/lzw"
	"compress/zlib"
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/atkm/herken/fixtures"
)

func readFixture(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

const modes = "threatexchange/pdq/data/misc-images/modes/"

func TestDecodeFixtures(t *testing.T) {
	f := func(rel string, format Format, w, h, channels int) {
		t.Helper()
		img, got, err := Decode(readFixture(t, rel), Limits{})
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return
		}
		if got != format || got.Kind() != Photo {
			t.Errorf("%s: format %v (%v), want %v (photo)", rel, got, got.Kind(), format)
		}
		if img.Width != w || img.Height != h || img.Channels != channels {
			t.Errorf("%s: %v, want %dx%dx%d", rel, img, w, h, channels)
		}
		if len(img.Pix) != w*h*channels {
			t.Errorf("%s: %d bytes of pixels, want %d", rel, len(img.Pix), w*h*channels)
		}
	}
	f(modes+"original.jpg", JPEG, 1600, 1004, 3)
	f(modes+"CMYK.jpg", JPEG, 1600, 1004, 3)
	f(modes+"1.png", PNG, 1600, 1004, 1)    // 1-bit grey
	f(modes+"L.png", PNG, 1600, 1004, 1)    // grey
	f(modes+"LA.png", PNG, 1600, 1004, 1)   // grey + alpha
	f(modes+"P.png", PNG, 1600, 1004, 3)    // palette
	f(modes+"RGBA.png", PNG, 1600, 1004, 3) // alpha dropped
	f(modes+"PA.webp", WebP, 1600, 1004, 3)
	f("debian/derived/t10_camera__gray.jpg", JPEG, 512, 512, 1)
	f("debian/derived/t07_building__progressive_q92.jpg", JPEG, 868, 600, 3)
	f("debian/derived/t11_coffee__png16_blur0.7.png", PNG, 600, 400, 3)
	f("debian/derived/t06_fruits__gif256.gif", GIF, 512, 480, 3)
	f("debian/derived/t06_fruits__webp_q80.webp", WebP, 512, 480, 3)
}

// png16LowByte: 16-bit samples keep their low byte, as the reference does.
func TestPNG16KeepsLowByte(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	fixtures.WritePNGChunk(&buf, "IHDR", fixtures.IHDR(1, 1, 16, 0))
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte{0, 0x12, 0x34}) // one row: filter 0, sample 0x1234
	zw.Close()
	fixtures.WritePNGChunk(&buf, "IDAT", z.Bytes())
	fixtures.WritePNGChunk(&buf, "IEND", nil)
	img, _, err := Decode(buf.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Channels != 1 || img.Pix[0] != 0x34 {
		t.Errorf("got %v %x, want 1 channel 34", img, img.Pix)
	}
}

func TestCMYKToRGB(t *testing.T) {
	f := func(s, k, want byte) {
		t.Helper()
		if got := cmykToRGB(s, k); got != want {
			t.Errorf("cmykToRGB(%d, %d) = %d, want %d", s, k, got, want)
		}
	}
	f(255, 255, 255) // no ink
	f(0, 255, 0)     // full cyan
	f(255, 0, 0)     // full black
	f(128, 128, 64)  // 128·128/255 = 64.25
	f(200, 100, 78)  // 78.43
	f(3, 85, 1)      // exactly 1.0
}

func TestBadInputs(t *testing.T) {
	half := func(rel string) []byte { d := readFixture(t, rel); return d[:len(d)/2] }
	garbage := func(magic string) []byte { return append([]byte(magic), bytes.Repeat([]byte{0x01}, 200)...) }
	f := func(name string, data []byte, want error) {
		t.Helper()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		img, _, err := Decode(data, Limits{})
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, want) {
			t.Errorf("%s: got %v (image %v), want %v", name, err, img, want)
			return
		}
		var me *Error
		if !errors.As(err, &me) || me.Code != want.(*Error).Code {
			t.Errorf("%s: %v is not an *Error with code %s", name, err, want.(*Error).Code)
		}
		t.Logf("%s: %v (%v)", name, err, elapsed)
		if alloc := after.TotalAlloc - before.TotalAlloc; want == ErrTooLarge && alloc > 4<<20 {
			t.Errorf("%s: allocated %d bytes before refusing", name, alloc)
		}
		if want == ErrTooLarge && elapsed > 100*time.Millisecond {
			t.Errorf("%s: took %v to refuse", name, elapsed)
		}
	}
	f("empty", nil, ErrUnsupported)
	f("text", []byte("hello, world"), ErrUnsupported)
	f("video", []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), ErrUnsupported)
	f("heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), ErrUnsupported)

	f("png 30000x30000", fixtures.PNGBomb(30000, 30000), ErrTooLarge)
	f("png 2147483647x1", fixtures.PNGBomb(2147483647, 1), ErrTooLarge)
	f("png 10000x10000", fixtures.PNGBomb(10000, 10000), ErrTooLarge) // 1e8 pixels
	f("png 4294967295x4294967295", fixtures.PNGBomb(0xffffffff, 0xffffffff), ErrCorrupt)
	f("gif 65535x65535", fixtures.GIFBomb(65535, 65535, 1, 1), ErrTooLarge)
	f("gif frame 65535x65535", fixtures.GIFBomb(10, 10, 65535, 65535), ErrTooLarge)
	f("webp 16384x16384", fixtures.WebPBomb(16384, 16384), ErrTooLarge)
	f("webp 16777216x1", fixtures.WebPBomb(1<<24, 1), ErrTooLarge)
	f("jpeg 65500x65500", fixtures.JPEGBomb(65500, 65500), ErrTooLarge)
	f("jpeg 0x10", fixtures.JPEGBomb(0, 10), ErrCorrupt)

	f("truncated jpeg", half("debian/derived/t05_baboon__reencode_q92.jpg"), ErrTruncated)
	f("truncated progressive jpeg", half("debian/derived/t07_building__progressive_q92.jpg"), ErrTruncated)
	f("truncated png", half("debian/derived/t11_coffee__png8_blur0.7.png"), ErrTruncated)
	f("truncated gif", half("debian/derived/t06_fruits__gif256.gif"), ErrTruncated)
	f("truncated webp", half("debian/derived/t06_fruits__webp_q80.webp"), ErrTruncated)
	f("jpeg header only", readFixture(t, modes+"original.jpg")[:200], ErrTruncated)

	// libjpeg skips junk while it looks for markers, so end the junk with
	// EOI: otherwise it is, to libjpeg, a file that ends early.
	f("garbage jpeg", append(garbage("\xff\xd8\xff"), 0xff, 0xd9), ErrCorrupt)
	f("garbage png", garbage("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dJUNK"), ErrCorrupt)
	f("garbage gif", garbage("GIF89a"), ErrCorrupt)
	f("garbage webp", garbage("RIFF\x10\x00\x00\x00WEBP"), ErrCorrupt)
}

// TestSniffIgnoresName: content decides, whatever the file is called.
func TestSniffIgnoresName(t *testing.T) {
	data := readFixture(t, "debian/derived/t06_fruits__webp_q80.webp")
	dir := t.TempDir()
	p := filepath.Join(dir, "photo.jpg")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if _, f, err := Decode(b, Limits{}); err != nil || f != WebP {
		t.Errorf("webp named .jpg: %v, %v", f, err)
	}
}

func TestErrorMessage(t *testing.T) {
	_, _, err := Decode(fixtures.PNGBomb(30000, 30000), Limits{})
	want := "media: png image 30000x30000 exceeds the 16384-pixel side limit"
	if err == nil || err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	var me *Error
	if !errors.As(err, &me) || me.Format != PNG {
		t.Errorf("format of %v not recorded", err)
	}
	_, _, err = Decode(fixtures.PNGBomb(100, 100), Limits{MaxSide: 50})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("custom limit: got %v", err)
	}
	if errors.Is(err, ErrCorrupt) {
		t.Errorf("%v matches the wrong sentinel", err)
	}
}

// TestFromImageUnpremultiplies: translucent premultiplied pixels come out
// as their non-premultiplied 8-bit colour, as ImageMagick writes them.
func TestFromImageUnpremultiplies(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 2, 1))
	m.SetRGBA(0, 0, color.RGBA{100, 50, 0, 128}) // NRGBA ≈ {199, 99, 0, 128}
	m.SetRGBA(1, 0, color.RGBA{10, 20, 30, 255})
	got := fromImage(m, false).Pix
	want := []byte{199, 99, 0, 10, 20, 30}
	if !bytes.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	m64 := image.NewRGBA64(image.Rect(0, 0, 1, 1))
	m64.SetRGBA64(0, 0, color.RGBA64{0x1234, 0x5678, 0x9abc, 0xffff})
	if got := fromImage(m64, false).Pix; !bytes.Equal(got, []byte{0x34, 0x78, 0xbc}) {
		t.Errorf("16-bit: got %x, want 3478bc", got)
	}
}

// TestGIFTransparentKeepsColour: image/gif turns the transparent palette
// entry into transparent black; ImageMagick keeps its colour, and so must
// we (the reference drops alpha without compositing).
func TestGIFTransparentKeepsColour(t *testing.T) {
	var pixels bytes.Buffer
	lw := lzw.NewWriter(&pixels, lzw.LSB, 2)
	lw.Write([]byte{0, 1})
	lw.Close()
	b := []byte("GIF89a\x02\x00\x01\x00\x80\x00\x00")
	b = append(b, 255, 0, 0, 0, 255, 0)               // red, green
	b = append(b, 0x21, 0xf9, 4, 0x01, 0, 0, 0, 0)    // index 0 transparent
	b = append(b, 0x2c, 0, 0, 0, 0, 2, 0, 1, 0, 0, 2) // 2x1 frame, LZW width 2
	b = append(b, byte(pixels.Len()))
	b = append(append(b, pixels.Bytes()...), 0, 0x3b)
	img, _, err := Decode(b, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{255, 0, 0, 0, 255, 0}; !bytes.Equal(img.Pix, want) {
		t.Errorf("got %v, want %v", img.Pix, want)
	}
}

// TestTruncatedUnderConcurrency decodes truncated and whole JPEGs on many
// goroutines at once: each truncated file must be reported as truncated,
// whichever thread its decoder's messages land on.
func TestTruncatedUnderConcurrency(t *testing.T) {
	whole := readFixture(t, "threatexchange/pdq/data/bridge-mods/aaa-orig.jpg")
	cut := whole[:len(whole)/2]
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				data := cut
				if (g+i)%2 == 0 {
					data = whole
				}
				_, _, err := Decode(data, Limits{})
				if len(data) == len(cut) && !errors.Is(err, ErrTruncated) {
					t.Errorf("truncated file decoded with err = %v", err)
					return
				}
				if len(data) == len(whole) && err != nil {
					t.Errorf("whole file: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}
