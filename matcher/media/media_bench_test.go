package media

import (
	"fmt"
	"testing"

	"github.com/atkm/herken/fixtures"
)

var sinkImage *Image

// BenchmarkDecode decodes fixtures of about 1.6 MP (1600×1004) with the
// JPEG decoder of this build (run with and without -tags turbojpeg to
// compare), and the other formats for scale.
func BenchmarkDecode(b *testing.B) {
	for _, bc := range []struct{ name, file string }{
		{"jpeg", modes + "original.jpg"},
		{"jpeg-cmyk", modes + "CMYK.jpg"},
		{"png", modes + "RGBA.png"},
		{"webp", modes + "PA.webp"},
	} {
		data := readFixture(b, bc.file)
		img, _, err := Decode(data, DefaultLimits)
		if err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("format=%s/mp=%.1f", bc.name, float64(img.Width*img.Height)/1e6)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				sinkImage, _, err = Decode(data, DefaultLimits)
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeRefused is the cost of refusing a decompression bomb.
func BenchmarkDecodeRefused(b *testing.B) {
	data := fixtures.PNGBomb(30000, 30000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(data, DefaultLimits); err == nil {
			b.Fatal("bomb decoded")
		}
	}
}
