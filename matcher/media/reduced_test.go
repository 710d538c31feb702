package media

import (
	"bytes"
	"image"
	"image/jpeg"
	"strings"
	"sync"
	"testing"
)

// testJPEG encodes a w x h gradient as a JPEG.
func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = byte(i/4%w + i/4/w)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeReduced(t *testing.T) {
	turbo := strings.HasPrefix(JPEGDecoder(), "libjpeg-turbo")
	for _, c := range []struct {
		w, h, minSide int
		want          [2]int // with libjpeg-turbo
	}{
		{2048, 1536, 512, [2]int{1024, 768}}, // 1/2 (1/4 would make 384)
		{4000, 3000, 512, [2]int{1000, 750}}, // 1/4
		{5000, 4500, 512, [2]int{625, 563}},  // 1/8, rounded up
		{1280, 800, 512, [2]int{1280, 800}},  // 1/2 would make 400: full size (6/8 is slower than 8/8)
		{1024, 1024, 512, [2]int{512, 512}},  // 1/2, exactly
		{2000, 400, 512, [2]int{2000, 400}},  // the short side is under 512: full size
		{600, 500, 512, [2]int{600, 500}},
		{2048, 1536, 0, [2]int{2048, 1536}}, // 0 asks for the full image
	} {
		data := testJPEG(t, c.w, c.h)
		img, f, err := DecodeReduced(data, DefaultLimits, c.minSide)
		if err != nil || f != JPEG {
			t.Fatalf("%dx%d: %v %v", c.w, c.h, f, err)
		}
		want := c.want
		if !turbo {
			want = [2]int{c.w, c.h} // image/jpeg cannot scale
		}
		if img.Width != want[0] || img.Height != want[1] || len(img.Pix) != img.Width*img.Height*img.Channels {
			t.Errorf("%dx%d at %d: decoded %v, want %dx%d", c.w, c.h, c.minSide, img, want[0], want[1])
		}
		if img.SourceWidth != c.w || img.SourceHeight != c.h {
			t.Errorf("%dx%d: source size %dx%d", c.w, c.h, img.SourceWidth, img.SourceHeight)
		}
		img.Release()
	}
}

// TestReleasedBuffersAreReused decodes concurrently, releasing every
// image, and checks that reused buffers never leak one decode's pixels
// into another (run with -race).
func TestReleasedBuffersAreReused(t *testing.T) {
	small, large := testJPEG(t, 320, 200), testJPEG(t, 640, 400)
	want := map[int][]byte{}
	for _, d := range [][]byte{small, large} {
		img, _, err := Decode(d, DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		want[len(d)] = bytes.Clone(img.Pix)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 20 {
				d := small
				if (g+i)%2 == 0 {
					d = large
				}
				img, _, err := Decode(d, DefaultLimits)
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(img.Pix, want[len(d)]) {
					t.Errorf("decode %d of goroutine %d differs from a fresh decode", i, g)
				}
				img.Release()
			}
		})
	}
	wg.Wait()
}
