package service

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/video/videotest"
)

// makeVideo runs ffmpeg to make a test video in dir.
func makeVideo(t *testing.T, ffmpeg, dir, name string, args ...string) []byte {
	t.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.Command(ffmpeg, append(append([]string{"-y", "-loglevel", "error"}, args...), out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", name, err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestVideoMatching adds a known video by upload, then matches a
// re-encoded copy and a short clip of it through the API, with vPDQ's
// evidence, and not a different video.
func TestVideoMatching(t *testing.T) {
	ffmpeg := fixtures.RequireTool(t, "ffmpeg")
	fixtures.RequireTool(t, "ffprobe")
	dir := t.TempDir()
	known := makeVideo(t, ffmpeg, dir, "known.mp4", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "8",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p")
	src := filepath.Join(dir, "known.mp4")
	copyWebM := makeVideo(t, ffmpeg, dir, "copy.webm", "-i", src, "-vf", "scale=240:180", "-c:v", "libvpx", "-b:v", "200k",
		"-deadline", "realtime", "-cpu-used", "8")
	clip := makeVideo(t, ffmpeg, dir, "clip.mp4", "-ss", "3", "-i", src, "-t", "3", "-c:v", "libx264", "-preset", "veryfast")
	other := makeVideo(t, ffmpeg, dir, "other.mp4", "-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=25", "-t", "8",
		"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p")

	s := startServer(t, Config{})
	r := do(t, "POST", s.url+"/v1/banks/demo/items/upload?label=known-video", "video/mp4", bytes.NewReader(known))
	if r.status != 201 {
		t.Fatalf("upload known video: %d %s", r.status, r.body)
	}
	var item matcher.Item
	json.Unmarshal(r.body, &item)
	if item.Video == nil || item.Video.UniqueFrames < 4 {
		t.Fatalf("known video item: %+v", item.Video)
	}

	match := func(name string, data []byte) *matcher.Match {
		t.Helper()
		r := do(t, "POST", s.url+"/v1/match", "", bytes.NewReader(data))
		var res matchAnswer
		if err := json.Unmarshal(r.body, &res); err != nil || r.status != 200 {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
		if res.ContentType != matcher.Video || res.VideoFrames == 0 {
			t.Fatalf("%s: %s", name, r.body)
		}
		for i, m := range res.Matches {
			if m.Video != nil {
				return &res.Matches[i]
			}
		}
		return nil
	}
	for name, data := range map[string][]byte{"re-encoded copy": copyWebM, "3 s clip": clip} {
		m := match(name, data)
		if m == nil || m.ItemID != item.ID || m.Video.QueryMatchPercent < 80 {
			t.Errorf("%s: video match %+v", name, m)
			continue
		}
		if !strings.HasPrefix(m.Explain(), "vpdq: ") {
			t.Errorf("%s: %s", name, m.Explain())
		}
		t.Logf("%s: %s", name, m.Explain())
	}
	if m := match("other video", other); m != nil {
		t.Errorf("a different video matched: %+v", m.Video)
	}
}

// TestHostileVideoUploads: a manifest, playlist or script disguised as
// each video herken sniffs, uploaded to /v1/match, never makes the server
// open a file or a URL: the canary video, known to the index, is neither
// read nor matched, and no answer shows a path, the server's PID or what
// ffmpeg printed.
func TestHostileVideoUploads(t *testing.T) {
	ffmpeg := fixtures.RequireTool(t, "ffmpeg")
	fixtures.RequireTool(t, "ffprobe")
	c := videotest.NewCanary(t, ffmpeg)
	canary, err := os.ReadFile(c.Video)
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, Config{})
	r := do(t, "POST", s.url+"/v1/banks/demo/items/upload?label=canary", "video/mp4", bytes.NewReader(canary))
	if r.status != 201 {
		t.Fatalf("upload the canary: %d %s", r.status, r.body)
	}
	c.Touched()

	// The server's pid as a word of its own: the digits also turn up
	// inside the answer's hex digests by chance.
	pid := regexp.MustCompile(`(^|[^0-9A-Za-z])` + strconv.Itoa(os.Getpid()) + `([^0-9A-Za-z]|$)`)
	for mname, manifest := range videotest.Manifests(c) {
		for dname, prefix := range videotest.Disguises() {
			name := mname + "/" + dname
			r := do(t, "POST", s.url+"/v1/match", "", strings.NewReader(prefix+manifest))
			var res matchAnswer
			if err := json.Unmarshal(r.body, &res); err != nil || r.status >= 500 {
				t.Fatalf("%s: %d %s", name, r.status, r.body)
			}
			if r.status == 200 && (res.Matched || res.VideoFrames > 0 || res.ContentType != matcher.Video) {
				t.Errorf("%s: matched %v, %d frames, %s: %s", name, res.Matched, res.VideoFrames, res.ContentType, r.body)
			}
			for _, leak := range []string{"/proc", "/dev/fd", c.Dir, "@ 0x", "Invalid data", "ffprobe:"} {
				if bytes.Contains(r.body, []byte(leak)) {
					t.Errorf("%s: the answer shows %q: %s", name, leak, r.body)
				}
			}
			if pid.Match(r.body) {
				t.Errorf("%s: the answer shows the server's pid: %s", name, r.body)
			}
			if touched := c.Touched(); touched != "" {
				t.Errorf("%s: the server reached the canary: %s", name, touched)
			}
			if name == "dash-file/free" {
				t.Logf("%s: %d %s", name, r.status, r.body)
			}
		}
	}
}
