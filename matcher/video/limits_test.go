//go:build linux

package video

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher/video/videotest"
)

// sizeSwitch makes an MPEG-TS that starts as 20 s of 64x64 frames and
// then switches to 8192x4096, just over DefaultMaxPixels: ffprobe sees
// only the first size. It returns the whole stream and its small start.
func sizeSwitch(t *testing.T) (whole, small []byte) {
	t.Helper()
	ffmpeg := fixtures.RequireTool(t, "ffmpeg")
	fixtures.RequireTool(t, "ffprobe")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.ts"), filepath.Join(dir, "b.ts")
	videotest.Make(t, ffmpeg, "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=25", "-t", "20",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", a)
	videotest.Make(t, ffmpeg, "-f", "lavfi", "-i", "color=c=gray:size=8192x4096:rate=2", "-t", "2",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-output_ts_offset", "20", b)
	small, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	big, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	return append(bytes.Clone(small), big...), small
}

// peakRSS runs f and returns the largest peak RSS, in bytes, of the
// ffmpeg and ffprobe processes it ran.
func peakRSS(t *testing.T, f func()) int64 {
	t.Helper()
	var (
		mu   sync.Mutex
		peak int64
	)
	childExited = func(st *os.ProcessState) {
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			mu.Lock()
			peak = max(peak, ru.Maxrss<<10)
			mu.Unlock()
		}
	}
	defer func() { childExited = nil }()
	f()
	if peak == 0 {
		t.Fatal("no child was seen")
	}
	return peak
}

// TestFrameSizeSwitch: frames that grow past MaxPixels after the stream
// header are refused by the decoder itself, so ffmpeg does not allocate
// them, and the caller hears why.
func TestFrameSizeSwitch(t *testing.T) {
	whole, small := sizeSwitch(t)
	var err error
	smallRSS := peakRSS(t, func() { _, err = HashBytes(context.Background(), small, Options{}) })
	if err != nil {
		t.Fatal(err)
	}
	var frames []Frame
	rss := peakRSS(t, func() { frames, err = HashBytes(context.Background(), whole, Options{}) })
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("frames growing to 8192x4096: %d frames, %v; want ErrTooLarge", len(frames), err)
	}
	// What the limit saves: the same stream with a pixel limit above it.
	openRSS := peakRSS(t, func() {
		_, err = HashBytes(context.Background(), whole, Options{MaxPixels: 1 << 30})
	})
	t.Logf("ffmpeg's peak RSS: 64x64 only %d MiB; switching to 8192x4096: %d MiB refused, %d MiB decoded "+
		"(%.1fx the 64x64 one)", smallRSS>>20, rss>>20, openRSS>>20, float64(openRSS)/float64(smallRSS))
}

// TestMemoryLimit: the address-space limit holds for the child, whether
// set by the prlimit program or on the started process: with too little
// even ffmpeg's libraries do not load, so nothing is decoded.
func TestMemoryLimit(t *testing.T) {
	src := filepath.Join(videos(t), "base.mp4")
	saved := prlimitProgram
	defer func() { prlimitProgram = saved }()
	for _, prog := range []string{"prlimit", ""} {
		prlimitProgram = prog
		if prog != "" && !lookPathOK(prog) {
			t.Logf("no %s program here", prog)
			continue
		}
		_, err := HashFile(context.Background(), src, Options{MaxMemory: 32 << 20})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("prlimit program %q: within 32 MiB of address space: %v, want ErrTooLarge", prog, err)
		}
		if frames, err := HashFile(context.Background(), src, Options{}); err != nil || len(frames) != 8 {
			t.Errorf("prlimit program %q: the default limit: %d frames, %v", prog, len(frames), err)
		}
	}
}

// TestCancel: cancelling the context stops a long decode within about a
// second, and leaves no ffmpeg process behind.
func TestCancel(t *testing.T) {
	ffmpeg := fixtures.RequireTool(t, "ffmpeg")
	fixtures.RequireTool(t, "ffprobe")
	p := filepath.Join(t.TempDir(), "long.mp4")
	videotest.Make(t, ffmpeg, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "120",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", p)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, after := range []time.Duration{20 * time.Millisecond, 700 * time.Millisecond} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := HashBytes(ctx, data, Options{AllFrames: true})
			done <- err
		}()
		time.Sleep(after)
		if after > 100*time.Millisecond && len(children()) == 0 {
			t.Fatalf("no ffmpeg running after %v", after)
		}
		cancel()
		start := time.Now()
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("cancelled after %v: still decoding 10 s later", after)
		}
		took := time.Since(start)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled after %v: %v, want context.Canceled", after, err)
		}
		if took > 1500*time.Millisecond {
			t.Errorf("cancelled after %v: returned %v later", after, took)
		}
		if c := children(); len(c) > 0 {
			t.Errorf("cancelled after %v: children left: %v", after, c)
		}
		t.Logf("cancelled after %v: returned %v later", after, took)
	}
}

// children lists this process's child processes by name.
func children() []string {
	var names []string
	ents, _ := os.ReadDir("/proc")
	me := strconv.Itoa(os.Getpid())
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		j := strings.IndexByte(s, '(')
		if i < 0 || j < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == me {
			names = append(names, s[j+1:i])
		}
	}
	return names
}
