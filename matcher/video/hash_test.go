package video

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestHashFileSampling(t *testing.T) {
	frames := hashTestVideo(t, "base.mp4")
	if len(frames) != 8 {
		t.Fatalf("8 s at 25 fps sampled once a second: got %d frames, want 8", len(frames))
	}
	for i, f := range frames {
		if f.Number != 25*i || f.Timestamp != float64(i) {
			t.Errorf("frame %d: number %d, timestamp %v; want %d, %d", i, f.Number, f.Timestamp, 25*i, i)
		}
		if f.Quality < DefaultQuality {
			t.Errorf("frame %d: quality %d", i, f.Quality)
		}
	}
	if got := len(Unique(frames, MatchOptions{})); got < 6 {
		t.Errorf("only %d distinct frame hashes in 8 s of a moving pattern", got)
	}

	f := func(opts Options, want int) {
		t.Helper()
		got, err := HashFile(context.Background(), filepath.Join(videos(t), "base.mp4"), opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != want {
			t.Errorf("%+v: %d frames, want %d", opts, len(got), want)
		}
	}
	f(Options{FramesPerSecond: 5}, 40)  // every 5th frame
	f(Options{FramesPerSecond: 0.5}, 4) // every 50th
	f(Options{AllFrames: true}, 200)
}

func TestGIFSampling(t *testing.T) {
	frames := hashTestVideo(t, "anim.gif")
	if len(frames) != 8 {
		t.Fatalf("8 s GIF at 5 fps: %d frames, want 8", len(frames))
	}
	for i, f := range frames {
		if f.Number != 5*i || f.Timestamp != float64(i) || f.Quality < DefaultQuality {
			t.Errorf("frame %d: %+v", i, f)
		}
	}
}

// TestTransforms: transformed copies match the base video in both
// directions; a different video does not.
func TestTransforms(t *testing.T) {
	base := hashTestVideo(t, "base.mp4")
	for _, tc := range []struct {
		name         string
		match        bool
		minQuery     float64 // percentages the copy must reach
		minCompared  float64
		maxCompared  float64
		allowNoMatch bool // reported, not required
	}{
		{"faststart.mp4", true, 100, 100, 100, false},
		{"reencode.webm", true, 90, 90, 100, false},
		{"resized.mkv", true, 90, 90, 100, false},
		{"upscaled.mov", true, 90, 90, 100, false},
		// The 256-colour palette moves the flat bars of the synthetic
		// pattern by ~5 luma levels on average, and PDQ by 70-90 bits:
		// reported, not required. TestGIFSampling checks the decoding.
		{"anim.gif", false, 0, 0, 100, true},
		{"cropped.mp4", true, 0, 0, 100, true},
		{"clip.mp4", true, 100, 25, 60, false},
		{"other.mp4", false, 0, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frames := hashTestVideo(t, tc.name)
			r := Match(frames, base, MatchOptions{})
			t.Logf("%s vs base: query %.0f%% (%d/%d), compared %.0f%% (%d/%d), matched %v",
				tc.name, r.QueryMatchPercent, r.QueryMatched, r.QueryFrames,
				r.ComparedMatchPercent, r.ComparedMatched, r.ComparedFrames, r.Matched)
			if tc.allowNoMatch {
				return
			}
			if r.Matched != tc.match {
				t.Fatalf("matched %v, want %v", r.Matched, tc.match)
			}
			if r.QueryMatchPercent < tc.minQuery || r.ComparedMatchPercent < tc.minCompared ||
				r.ComparedMatchPercent > tc.maxCompared {
				t.Errorf("percentages %.1f/%.1f outside [%v, 100]/[%v, %v]", r.QueryMatchPercent,
					r.ComparedMatchPercent, tc.minQuery, tc.minCompared, tc.maxCompared)
			}
		})
	}
}

func TestHashReader(t *testing.T) {
	dir := videos(t)
	// Not GIF: ffmpeg 5.1's GIF demuxer seeks, so it fails on a pipe.
	for _, name := range []string{"reencode.webm", "faststart.mp4", "resized.mkv"} {
		fromFile := hashTestVideo(t, name)
		in, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		// A plain io.Reader, so that nothing can seek.
		fromPipe, err := HashReader(context.Background(), struct{ io.Reader }{in}, Options{})
		in.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(fromFile, fromPipe) {
			t.Errorf("%s: piped hashes differ from the file's", name)
		}
	}
	// MP4 with its index last needs seeking: a clear error.
	b, err := os.ReadFile(filepath.Join(dir, "base.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = HashReader(context.Background(), bytes.NewReader(b), Options{ProbeBytes: 64 << 10})
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("moov-last MP4 from a pipe: %v, want ErrCorrupt", err)
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	f := func(name string, opts Options, in []byte, want error) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, in, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := HashFile(context.Background(), p, opts)
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
		if err != nil {
			t.Logf("%s: %v", name, err)
		}
	}
	missing := Options{FFmpeg: filepath.Join(dir, "no-such-ffmpeg")}
	f("missing", missing, []byte("x"), ErrFFmpegMissing)
	if _, err := HashReader(context.Background(), bytes.NewReader(nil), missing); !errors.Is(err, ErrFFmpegMissing) {
		t.Errorf("HashReader without ffmpeg: %v", err)
	}
	if Available() != (lookPathOK("ffmpeg") && lookPathOK("ffprobe")) {
		t.Error("Available disagrees with PATH")
	}

	videos(t) // the rest needs ffmpeg
	f("garbage.mp4", Options{}, bytes.Repeat([]byte("not a video "), 1000), ErrCorrupt)
	f("empty.webm", Options{}, nil, ErrCorrupt)
	base, err := os.ReadFile(filepath.Join(videoDir, "base.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	f("truncated.mp4", Options{}, base[:len(base)/2], ErrCorrupt)
	f("big.mp4", Options{MaxPixels: 320*240 - 1}, base, ErrTooLarge)
	if _, err := HashReader(context.Background(), bytes.NewReader(nil), Options{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("empty reader: %v", err)
	}
	if _, err := HashFile(context.Background(), filepath.Join(dir, "absent.mp4"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file: %v", err)
	}
}

// TestMaxSide: frames scaled down for memory still match the original.
func TestMaxSide(t *testing.T) {
	frames, err := HashFile(context.Background(), filepath.Join(videos(t), "base.mp4"), Options{MaxSide: 100})
	if err != nil {
		t.Fatal(err)
	}
	if r := Match(frames, hashTestVideo(t, "base.mp4"), MatchOptions{}); !r.Matched || r.QueryMatchPercent < 90 {
		t.Errorf("scaled to 100 px: %+v", r)
	}
}

// TestTimeout: ffmpeg is killed when the timeout passes, also while it
// waits for input that never comes.
func TestTimeout(t *testing.T) {
	dir := videos(t)
	_, err := HashFile(context.Background(), filepath.Join(dir, "base.mp4"), Options{Timeout: time.Millisecond})
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("1 ms timeout: %v", err)
	}

	webm, err := os.ReadFile(filepath.Join(dir, "reencode.webm"))
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write(webm[:len(webm)/2]) }() // then nothing, never closed
	start := time.Now()
	_, err = HashReader(context.Background(), pr, Options{Timeout: 700 * time.Millisecond, ProbeBytes: 4096})
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("stalled input: %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 700*time.Millisecond+2*waitDelay {
		t.Errorf("stalled input returned after %v", d)
	}
}

func lookPathOK(name string) bool {
	o := Options{FFmpeg: name}
	_, err := o.withDefaults()
	if err != nil {
		return false
	}
	_, _, err = Options{FFmpeg: name, FFprobe: name}.programs()
	return err == nil
}

// TestHashBytes: a video in memory, MP4 with its index at the end included
// (which a pipe cannot decode), hashes as from its file.
func TestHashBytes(t *testing.T) {
	src := filepath.Join(videos(t), "base.mp4")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	fromFile := hashTestVideo(t, "base.mp4")
	fromMemory, err := HashBytes(context.Background(), data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fromFile) == 0 || len(fromFile) != len(fromMemory) || !reflect.DeepEqual(fromFile[0], fromMemory[0]) {
		t.Fatalf("memory %d frames, file %d", len(fromMemory), len(fromFile))
	}
}
