package bench

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/draw"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/media"
)

// onePixelJPEG returns a tiny JPEG, to measure djpeg's start-up cost.
func onePixelJPEG(tb testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 8, 8)), nil); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// megapixelJPEGs writes 1 MP (1280x800) JPEGs, quality 90, made from the
// larger fixture photos, into dir and returns their paths.
func megapixelJPEGs(tb testing.TB, dir string) []string {
	tb.Helper()
	cases, err := fixtures.PDQReference()
	if err != nil {
		tb.Fatal(err)
	}
	var paths []string
	for _, c := range cases {
		if c.Width < 1000 || c.Height < 600 || c.Transform != "none" || filepath.Ext(c.File) != ".jpg" {
			continue
		}
		data, err := os.ReadFile(c.Path())
		if err != nil {
			tb.Fatal(err)
		}
		src, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			continue // CMYK and other variants the standard decoder declines
		}
		dst := image.NewRGBA(image.Rect(0, 0, 1280, 800))
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		var out bytes.Buffer
		if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 90}); err != nil {
			tb.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("mp%02d.jpg", len(paths)))
		if err := os.WriteFile(p, out.Bytes(), 0o600); err != nil {
			tb.Fatal(err)
		}
		paths = append(paths, p)
	}
	if len(paths) < 5 {
		tb.Fatalf("only %d source photos", len(paths))
	}
	return paths
}

// BenchmarkPhotoVsDjpeg hashes 1 MP JPEGs end to end (read, decode once,
// PDQ; all photo signals; everything), decoding exactly and fast, and
// compares with djpeg, libjpeg-turbo's own
// command-line decoder, decoding the same files in the same run. djpeg's
// time includes starting a process; djpeg-decode subtracts the start-up
// measured on an 8x8 JPEG.
func BenchmarkPhotoVsDjpeg(b *testing.B) {
	djpeg := fixtures.RequireTool(b, "djpeg")
	dir := b.TempDir()
	files := megapixelJPEGs(b, dir)
	tiny := filepath.Join(dir, "tiny.jpg")
	if err := os.WriteFile(tiny, onePixelJPEG(b), 0o600); err != nil {
		b.Fatal(err)
	}
	run := func(file string) {
		if err := exec.Command(djpeg, "-dct", "int", "-outfile", os.DevNull, file).Run(); err != nil {
			b.Fatal(err)
		}
	}
	perFile := func(f func(string)) time.Duration {
		start := time.Now()
		for _, p := range files {
			f(p)
		}
		return time.Since(start) / time.Duration(len(files))
	}
	var djpegTime, startup time.Duration
	b.Run("tool=djpeg", func(b *testing.B) {
		for b.Loop() {
			djpegTime += perFile(run)
			startup += perFile(func(string) { run(tiny) })
		}
		djpegTime /= time.Duration(b.N)
		startup /= time.Duration(b.N)
		b.ReportMetric(float64(djpegTime.Microseconds())/1000, "ms/file")
		b.ReportMetric(float64((djpegTime-startup).Microseconds())/1000, "decode-ms/file")
	})
	photo := []matcher.SignalType{matcher.PDQ, matcher.PHash, matcher.DHash, matcher.AHash}
	for _, c := range []struct {
		name    string
		signals []matcher.SignalType
		decode  matcher.DecodeMode
	}{
		{"pdq", []matcher.SignalType{matcher.PDQ}, matcher.DecodeExact},
		{"photo-signals", photo, matcher.DecodeExact},
		{"all", nil, matcher.DecodeExact},
		{"pdq", []matcher.SignalType{matcher.PDQ}, matcher.DecodeFast},
		{"photo-signals", photo, matcher.DecodeFast},
		{"all", nil, matcher.DecodeFast},
	} {
		b.Run("tool=herken/decode="+string(c.decode)+"/signals="+c.name, func(b *testing.B) {
			h, err := matcher.NewHasher(matcher.HasherConfig{Signals: c.signals, Decode: c.decode})
			if err != nil {
				b.Fatal(err)
			}
			// djpeg runs again alongside, file set by file set, so that
			// the ratio compares times taken in the same moments of a
			// noisy machine.
			var total, withDjpeg time.Duration
			for b.Loop() {
				total += perFile(func(p string) {
					f, err := os.Open(p)
					if err != nil {
						b.Fatal(err)
					}
					hs, err := h.Hash(context.Background(), f)
					f.Close()
					if err != nil || hs.PhotoErr != nil {
						b.Fatal(err, hs.PhotoErr)
					}
				})
				b.StopTimer()
				withDjpeg += perFile(run)
				b.StartTimer()
			}
			per := total / time.Duration(b.N)
			alongside := withDjpeg / time.Duration(b.N)
			b.ReportMetric(float64(per.Microseconds())/1000, "ms/file")
			if startup > 0 {
				b.ReportMetric(float64(per)/float64(alongside), "x-djpeg")
				b.ReportMetric(float64(per)/float64(alongside-startup), "x-djpeg-decode")
			}
		})
	}
	b.Logf("%d files of 1280x800; jpeg decoder: %s", len(files), media.JPEGDecoder())
}

// BenchmarkPhotoVsReference compares herken's PDQ (exact decoding) with
// Meta's reference command-line hasher, pdq-photo-hasher from the pdq/cpp
// folder of facebook/ThreatExchange, on the same 1 MP JPEGs in the same
// run. The reference reads images through ImageMagick; it is given every
// file in one invocation, so its process start is shared. It runs when
// HERKEN_PDQ_REFERENCE names the binary (make bench PDQ_REFERENCE=...);
// the target of issue 9 is at least 5x the reference's rate. Its hashes
// are checked against herken's: a comparison with a hasher that disagrees
// would mean nothing.
func BenchmarkPhotoVsReference(b *testing.B) {
	ref := os.Getenv("HERKEN_PDQ_REFERENCE")
	if ref == "" {
		b.Skip("HERKEN_PDQ_REFERENCE is not set")
	}
	files := megapixelJPEGs(b, b.TempDir())
	refHashes := map[string]string{}
	var refTime time.Duration
	b.Run("tool=reference", func(b *testing.B) {
		for b.Loop() {
			start := time.Now()
			out, err := exec.Command(ref, files...).Output()
			refTime += time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				f := strings.Split(line, ",") // hash,quality,file
				if len(f) == 3 {
					refHashes[f[2]] = f[0]
				}
			}
		}
		refTime /= time.Duration(b.N * len(files))
		b.ReportMetric(float64(refTime.Microseconds())/1000, "ms/file")
	})
	photo := []matcher.SignalType{matcher.PDQ, matcher.PHash, matcher.DHash, matcher.AHash}
	for _, c := range []struct {
		name    string
		signals []matcher.SignalType
	}{{"pdq", []matcher.SignalType{matcher.PDQ}}, {"photo-signals", photo}} {
		h, err := matcher.NewHasher(matcher.HasherConfig{Signals: c.signals, Decode: matcher.DecodeExact})
		if err != nil {
			b.Fatal(err)
		}
		b.Run("tool=herken/signals="+c.name, func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				for _, p := range files {
					start := time.Now()
					data, err := os.ReadFile(p)
					if err != nil {
						b.Fatal(err)
					}
					hs := h.HashBytes(context.Background(), data)
					total += time.Since(start)
					sig, ok := hs.Signal(matcher.PDQ)
					if !ok || sig.String() != refHashes[p] {
						b.Fatalf("%s: herken's PDQ %s, the reference's %s", p, sig, refHashes[p])
					}
				}
			}
			per := total / time.Duration(b.N*len(files))
			b.ReportMetric(float64(per.Microseconds())/1000, "ms/file")
			if refTime > 0 {
				b.ReportMetric(float64(refTime)/float64(per), "x-reference-rate")
			}
		})
	}
}

// BenchmarkLargePhoto hashes a 6.4 MP JPEG (fixtures.LargeJPEG) with every
// photo signal, decoding exactly and fast (at 1/2 scale with
// libjpeg-turbo), to show what fast decoding gains on camera-sized photos.
func BenchmarkLargePhoto(b *testing.B) {
	data := fixtures.LargeJPEG(b)
	photo := []matcher.SignalType{matcher.PDQ, matcher.PHash, matcher.DHash, matcher.AHash}
	var exact time.Duration
	for _, mode := range []matcher.DecodeMode{matcher.DecodeExact, matcher.DecodeFast} {
		b.Run("decode="+string(mode), func(b *testing.B) {
			h, err := matcher.NewHasher(matcher.HasherConfig{Signals: photo, Decode: mode})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			for b.Loop() {
				if hs := h.HashBytes(context.Background(), data); hs.PhotoErr != nil {
					b.Fatal(hs.PhotoErr)
				}
			}
			per := time.Since(start) / time.Duration(b.N)
			b.ReportMetric(float64(per.Microseconds())/1000, "ms/file")
			if mode == matcher.DecodeExact {
				exact = per
			} else if exact > 0 {
				b.ReportMetric(float64(exact)/float64(per), "x-faster-than-exact")
			}
		})
	}
}

// BenchmarkFormats hashes one photo of each decoded format with every
// photo signal and the digests: throughput per format.
func BenchmarkFormats(b *testing.B) {
	modes := "pdq/threatexchange/pdq/data/misc-images/modes/"
	h, err := matcher.NewHasher(matcher.HasherConfig{})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ format, file string }{
		{"jpeg", modes + "original.jpg"},
		{"jpeg-cmyk", modes + "CMYK.jpg"},
		{"png", modes + "RGBA.png"},
		{"png-palette", modes + "P.png"},
		{"gif", "pdq/debian/derived/t06_fruits__gif256.gif"},
		{"webp", modes + "PA.webp"},
	} {
		data, err := os.ReadFile(fixtures.Path(c.file))
		if err != nil {
			b.Logf("skipping %s: %v", c.format, err)
			continue
		}
		b.Run("format="+c.format, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var w, hgt int
			for b.Loop() {
				hs := h.HashBytes(context.Background(), data)
				if hs.PhotoErr != nil {
					b.Fatal(hs.PhotoErr)
				}
				w, hgt = hs.Width, hs.Height
			}
			b.ReportMetric(float64(w*hgt)/1e6, "MP")
		})
	}
}
