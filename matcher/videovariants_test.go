package matcher_test

import (
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/knowntest"
	"github.com/atkm/herken/matcher/pdq"
	"github.com/atkm/herken/matcher/video"
)

// TestVideoReadings identifies re-posts of a known video that vPDQ alone
// misses, through the real hashers and Identify: a mirrored copy, a copy
// in blurred padding, a corner crop and a copy after other footage; each
// match says how it was found, and an unrelated video matches nothing.
func TestVideoReadings(t *testing.T) {
	ffmpeg := fixtures.RequireTool(t, "ffmpeg")
	fixtures.RequireTool(t, "ffprobe")
	dir := t.TempDir()
	mk := func(name string, args ...string) []byte {
		t.Helper()
		out := filepath.Join(dir, name)
		args = append([]string{"-y", "-nostdin", "-loglevel", "error", "-threads", "2"}, args...)
		args = append(args, "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-pix_fmt", "yuv420p", out)
		if msg, err := exec.Command(ffmpeg, args...).CombinedOutput(); err != nil {
			t.Fatalf("making %s: %v\n%s", name, err, msg)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	base := filepath.Join(dir, "base.mp4")
	known := mk("base.mp4", "-f", "lavfi", "-t", "8", "-i", "testsrc2=size=320x240:rate=25")
	other := filepath.Join(dir, "other.mp4")
	unrelated := mk("other.mp4", "-f", "lavfi", "-t", "8", "-i", "mandelbrot=size=320x240:rate=25")
	copies := []struct {
		name    string
		data    []byte
		variant string // Match.Variant
		reading string // in the explanation
	}{
		{"mirrored", mk("mirrored.mp4", "-i", base, "-vf", "hflip"), matcher.MirroredVariant, "mirrored left to right"},
		{"blurred padding", mk("padded.mp4", "-i", base, "-filter_complex",
			"split[a][b];[a]scale=428:240,boxblur=16[bg];[bg][b]overlay=54:0"), "orig", "the part of the frames where the video moves"},
		{"corner crop", mk("cropped.mp4", "-i", base, "-vf", "crop=304:228:0:0"), "orig", "crop (5.0% off the right, 5.0% off the bottom)"},
		{"after other footage", mk("lead.mp4", "-t", "3", "-i", other, "-i", base, "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0"),
			"orig", "among other footage"},
	}

	items, err := matcher.NewHasher(matcher.HasherConfig{Signals: []matcher.SignalType{matcher.PDQ}, ItemVariants: true})
	if err != nil {
		t.Fatal(err)
	}
	it, _, err := items.HashBytes(context.Background(), known).KnownItem()
	if err != nil {
		t.Fatal(err)
	}
	if it.Video == nil || len(it.Variants) == 0 {
		t.Fatalf("known video item: %+v, %d variants", it.Video, len(it.Variants))
	}
	bank := matcher.Bank{Name: "v", Enabled: true, Categories: []matcher.Category{matcher.Incitement}}
	it.Bank, it.Label, it.Categories = bank.Name, "base", bank.Categories
	content := knowntest.NewMemory([]matcher.Bank{bank}, []matcher.Item{it})
	bare := it
	bare.Variants = nil
	plainContent := knowntest.NewMemory([]matcher.Bank{bank}, []matcher.Item{bare})

	query, err := matcher.NewHasher(matcher.HasherConfig{Signals: []matcher.SignalType{matcher.PDQ}, Dihedral: true, Regions: true})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := matcher.NewHasher(matcher.HasherConfig{Signals: []matcher.SignalType{matcher.PDQ}})
	if err != nil {
		t.Fatal(err)
	}
	identify := func(h *matcher.Hasher, content matcher.KnownContent, data []byte) []matcher.Match {
		t.Helper()
		hs := h.HashBytes(context.Background(), data)
		if hs.VideoErr != nil {
			t.Fatal(hs.VideoErr)
		}
		l, err := matcher.Identify(content, matcher.Queries(hs, true), matcher.DefaultRule)
		if err != nil {
			t.Fatal(err)
		}
		return l.Matches
	}
	for _, c := range copies {
		if c.name != "after other footage" {
			if ms := identify(plain, plainContent, c.data); len(ms) != 0 {
				t.Errorf("%s matched without the readings: %s", c.name, ms[0].Explanation)
			}
		}
		ms := identify(query, content, c.data)
		if len(ms) != 1 || ms[0].Video == nil {
			t.Errorf("%s: %d matches", c.name, len(ms))
			continue
		}
		if ms[0].Variant != c.variant || !strings.Contains(ms[0].Explanation, c.reading) {
			t.Errorf("%s: variant %q, %s", c.name, ms[0].Variant, ms[0].Explanation)
		}
	}
	if ms := identify(query, content, unrelated); len(ms) != 0 {
		t.Errorf("an unrelated video matched: %s", ms[0].Explanation)
	}
}

// TestVideoItemVariantsBudget: a short known video stores every view of
// every frame, named for its frame; a long one keeps the band and the core
// crops, then those of every k-th frame, within one item's budget.
func TestVideoItemVariantsBudget(t *testing.T) {
	frames := func(n int) []video.Frame {
		out := make([]video.Frame, n)
		for i := range out {
			var h pdq.Hash
			binary.BigEndian.PutUint32(h[:], uint32(i+1))
			out[i] = video.Frame{Number: i * 25, Quality: 90, Hash: h, Timestamp: float64(i)}
			view := func(k video.ViewKind, crop int) video.View {
				v := h
				v[31] = byte(k)<<4 | byte(crop)
				return video.View{Kind: k, Hash: v, Quality: 90, Crop: crop}
			}
			out[i].Views = append(out[i].Views, view(video.ViewBand, 0))
			for c := range video.Crops {
				out[i].Views = append(out[i].Views, view(video.ViewCrop, c))
			}
		}
		return out
	}
	short := matcher.VideoItemVariants(frames(10))
	if len(short) != 10*(1+len(video.Crops)) || !strings.HasPrefix(short[len(short)-1].Name, "frame 10 at 9.0 s: crop (") {
		t.Errorf("10 frames: %d variants, the last %q", len(short), short[len(short)-1].Name)
	}
	budget := known.MaxVideoVariants
	core := budget / (1 + video.CoreCrops) // frames whose core views fit
	for _, c := range []struct{ n, min, max int }{
		{core, core * (1 + video.CoreCrops), core * (1 + video.CoreCrops)}, // every frame, the core views
		{3 * core, budget * 2 / 3, budget},                                 // every k-th frame
	} {
		n := c.n
		vs := matcher.VideoItemVariants(frames(n))
		if len(vs) < c.min || len(vs) > c.max {
			t.Errorf("%d frames: %d variants, want %d to %d", n, len(vs), c.min, c.max)
		}
		for _, v := range vs {
			if strings.Contains(v.Name, "off the ") {
				t.Errorf("%d frames: a corner or side crop kept: %s", n, v.Name)
				break
			}
		}
	}
}
