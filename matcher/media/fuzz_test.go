package media

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/atkm/herken/fixtures"
)

// fuzzSeeds are small files of every decodable format from testdata/.
func fuzzSeeds(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "seed", "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in testdata/seed: %v", err)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(fixtures.PNGBomb(30000, 30000)[:64])
	f.Add(fixtures.GIFBomb(10, 10, 65535, 65535))
	f.Add(fixtures.WebPBomb(16384, 16384))
	f.Add(fixtures.JPEGBomb(100, 100))
}

// FuzzDecode checks that Decode never panics or hangs, returns either an
// image or an *Error, and that images are well formed and within limits.
func FuzzDecode(f *testing.F) {
	fuzzSeeds(f)
	lim := Limits{MaxSide: 1024, MaxPixels: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, format, err := Decode(data, lim)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %v is %T, not *Error", err, err)
			}
			return
		}
		if !format.Decodable() {
			t.Fatalf("decoded an image of format %v", format)
		}
		if img.Width <= 0 || img.Height <= 0 || img.Width > lim.MaxSide || img.Height > lim.MaxSide ||
			(img.Channels != 1 && img.Channels != 3) || len(img.Pix) != img.Width*img.Height*img.Channels {
			t.Fatalf("malformed image %v with %d bytes", img, len(img.Pix))
		}
	})
}

// FuzzSniff checks that Sniff never panics and depends only on the first
// SniffLen bytes.
func FuzzSniff(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte("\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1avif"))
	f.Add([]byte{0x1a, 0x45, 0xdf, 0xa3, 0x42, 0x82, 0x84, 'w', 'e', 'b', 'm'})
	f.Fuzz(func(t *testing.T, data []byte) {
		got := Sniff(data)
		if len(data) > SniffLen {
			if again := Sniff(bytes.Clone(data[:SniffLen])); again != got {
				t.Fatalf("Sniff looked past SniffLen: %v vs %v", got, again)
			}
		}
		_ = got.String()
	})
}
