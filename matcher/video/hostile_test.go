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
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/video/videotest"
)

// TestHostileManifests: no manifest, playlist or script, whatever video it
// is disguised as, makes ffprobe or ffmpeg open anything but the bytes
// handed over; each is refused, with a message that names no path, no
// process and nothing ffmpeg printed.
func TestHostileManifests(t *testing.T) {
	ffmpeg := fixtures.RequireTool(t, "ffmpeg")
	fixtures.RequireTool(t, "ffprobe")
	c := videotest.NewCanary(t, ffmpeg)
	pid := strconv.Itoa(os.Getpid())
	disguises := videotest.Disguises()
	disguises["bare"] = ""
	for mname, manifest := range videotest.Manifests(c) {
		for dname, prefix := range disguises {
			name := mname + "/" + dname
			in := []byte(prefix + manifest)
			if dname != "bare" && media.Sniff(in).Kind() != media.Video {
				t.Fatalf("%s: not sniffed as a video but as %v", name, media.Sniff(in))
			}
			frames, err := HashBytes(context.Background(), in, Options{})
			switch {
			case err == nil:
				t.Errorf("%s: hashed %d frames", name, len(frames))
			case !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNoVideo):
				t.Errorf("%s: %v, want ErrCorrupt or ErrNoVideo", name, err)
			default:
				msg := err.Error()
				for _, leak := range []string{"/proc", "/dev/fd", pid, c.Dir, "@ 0x", "Invalid data", "ffprobe:"} {
					if strings.Contains(msg, leak) {
						t.Errorf("%s: message %q shows %q", name, msg, leak)
					}
				}
			}
			if touched := c.Touched(); touched != "" {
				t.Errorf("%s: ffmpeg reached the canary: %s", name, touched)
			}
		}
	}

	// The canary is a video that hashes and its watch sees ffmpeg read it:
	// a quiet canary means it was not read, not that it could not be.
	data, err := os.ReadFile(c.Video)
	if err != nil {
		t.Fatal(err)
	}
	if frames, err := HashBytes(context.Background(), data, Options{}); err != nil || len(frames) != 3 {
		t.Fatalf("the canary video: %d frames, %v", len(frames), err)
	}
	c.Touched()
	if _, err := HashFile(context.Background(), c.Video, Options{}); err != nil {
		t.Fatal(err)
	}
	if c.Touched() == "" {
		t.Error("hashing the canary file was not seen: the watch is blind")
	}
}

// TestHostileFile: HashFile and HashReader refuse a disguised manifest as
// HashBytes does.
func TestHostileFile(t *testing.T) {
	ffmpeg := fixtures.RequireTool(t, "ffmpeg")
	fixtures.RequireTool(t, "ffprobe")
	c := videotest.NewCanary(t, ffmpeg)
	for _, m := range []string{"dash-file", "hls-file", "ffconcat"} {
		for _, d := range []string{"free", "bare"} {
			in := []byte(videotest.Disguises()[d] + videotest.Manifests(c)[m])
			p := filepath.Join(t.TempDir(), "x.mov")
			if err := os.WriteFile(p, in, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := HashFile(context.Background(), p, Options{}); !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s/%s: HashFile: %v", m, d, err)
			}
			if _, err := HashReader(context.Background(), bytes.NewReader(in), Options{}); !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s/%s: HashReader: %v", m, d, err)
			}
			if touched := c.Touched(); touched != "" {
				t.Errorf("%s/%s: ffmpeg reached the canary: %s", m, d, touched)
			}
		}
	}
}
