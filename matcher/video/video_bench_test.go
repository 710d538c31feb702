package video

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/atkm/herken/fixtures"
)

var benchSink []Frame

// BenchmarkHash1080p hashes a generated 10 s 1080p H.264 clip at the
// default rate (10 frames) and, in the same loop, times ffmpeg decoding
// the clip alone (-f null, same thread count). It reports frames hashed a
// second and the ratio of the two times: the cost of vPDQ over decoding.
func BenchmarkHash1080p(b *testing.B) {
	ffmpeg := fixtures.RequireTool(b, "ffmpeg")
	fixtures.RequireTool(b, "ffprobe")
	clip := filepath.Join(b.TempDir(), "clip1080.mp4")
	gen := exec.Command(ffmpeg, "-y", "-nostdin", "-loglevel", "error", "-f", "lavfi",
		"-i", "testsrc2=size=1920x1080:rate=25", "-t", "10",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", clip)
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("making the clip: %v: %s", err, out)
	}
	ctx := context.Background()
	var hashTime, decodeTime time.Duration
	frames := 0
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		fr, err := HashFile(ctx, clip, Options{})
		if err != nil {
			b.Fatal(err)
		}
		hashTime += time.Since(start)
		frames += len(fr)
		benchSink = fr

		start = time.Now()
		dec := exec.Command(ffmpeg, "-nostdin", "-loglevel", "error", "-threads", "2",
			"-i", clip, "-map", "0:v:0", "-f", "null", "-")
		if out, err := dec.CombinedOutput(); err != nil {
			b.Fatalf("ffmpeg -f null: %v: %s", err, out)
		}
		decodeTime += time.Since(start)
	}
	b.ReportMetric(float64(frames)/hashTime.Seconds(), "frames/s")
	b.ReportMetric(hashTime.Seconds()/decodeTime.Seconds(), "x-decode-time")
	b.ReportMetric(float64(hashTime.Milliseconds())/float64(b.N), "hash-ms/clip")
	b.ReportMetric(float64(decodeTime.Milliseconds())/float64(b.N), "decode-ms/clip")
}
