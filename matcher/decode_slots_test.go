//go:build linux

package matcher

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher/video"
)

// TestPhotoDoesNotWaitForVideos: with every video decode slot held by a
// long video, a photo still hashes at once, since photos have slots of
// their own; and the video stops when its context is cancelled.
func TestPhotoDoesNotWaitForVideos(t *testing.T) {
	ffmpeg := fixtures.RequireTool(t, "ffmpeg")
	fixtures.RequireTool(t, "ffprobe")
	long := filepath.Join(t.TempDir(), "long.mp4")
	out, err := exec.Command(ffmpeg, "-y", "-nostdin", "-loglevel", "error", "-threads", "2",
		"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "120",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", long).CombinedOutput()
	if err != nil {
		t.Fatalf("making the video: %v\n%s", err, out)
	}
	clip, err := os.ReadFile(long)
	if err != nil {
		t.Fatal(err)
	}
	photo := readFixture(t, testJPEG)

	// One slot of each: were they one pool, the video would hold it.
	h := mustHasher(t, HasherConfig{MaxDecodes: 1, MaxVideoDecodes: 1,
		Video: video.Options{AllFrames: true}})
	vctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan *Hashes, 1)
	go func() { done <- h.HashBytes(vctx, clip) }()
	// ffmpeg runs only once the video holds its slot, whichever pool.
	for start := time.Now(); !childRunning("ffmpeg"); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the video never started decoding")
		}
	}

	pctx, pcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer pcancel()
	got := h.HashBytes(pctx, photo)
	if got.PhotoErr != nil {
		t.Fatalf("photo while the video decodes: %v", got.PhotoErr)
	}
	if _, ok := got.Signal(PDQ); !ok {
		t.Fatal("photo without PDQ")
	}
	select {
	case hs := <-done:
		t.Fatalf("the video finished before the photo was checked (%d frames, %v): the test proves nothing",
			len(hs.VideoFrames), hs.VideoErr)
	default:
	}

	cancel()
	select {
	case hs := <-done:
		if !errors.Is(hs.VideoErr, context.Canceled) {
			t.Errorf("cancelled video: %v, want context.Canceled", hs.VideoErr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the cancelled video still decodes 5 s later")
	}
	if len(h.videos) > 0 || len(h.photos) > 0 {
		t.Error("a slot is still held")
	}
}

// childRunning reports whether a child process of this one runs the
// named program.
func childRunning(name string) bool {
	ents, _ := os.ReadDir("/proc")
	me := strconv.Itoa(os.Getpid())
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		if f := strings.Fields(s[end+1:]); len(f) > 1 && f[1] == me && s[open+1:end] == name {
			return true
		}
	}
	return false
}
