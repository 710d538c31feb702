package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher/video"
)

var videoReport = flag.String("video-report", "", "write the video accuracy table to this file")

// TestVideoAccuracy measures vPDQ matching per transform on videos that
// ffmpeg generates: for each source and transform, the query percentage,
// the compared percentage, and whether the copy matches its source at the
// reference's thresholds; and that different sources do not match. It runs
// only with -video-report FILE, where it writes the table for the bench
// report.
func TestVideoAccuracy(t *testing.T) {
	if *videoReport == "" {
		t.Skip("a long run for the bench report (make bench): give -video-report FILE; matcher/video's tests are its short version")
	}
	ffmpeg := fixtures.RequireTool(t, "ffmpeg")
	fixtures.RequireTool(t, "ffprobe")
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(ffmpeg, append([]string{"-y", "-loglevel", "error"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
		}
	}
	sources := map[string]string{
		"testsrc2":   "testsrc2=size=480x360:rate=25",
		"mandelbrot": "mandelbrot=size=480x360:rate=25",
		"life":       "life=size=480x360:rate=25:mold=10:ratio=0.2:death_color=#C83232:life_color=#00ff00",
	}
	transforms := []struct{ name, ext string }{
		{"re-encode VP8 200k", "webm"}, {"resize 0.5x", "mp4"}, {"resize 2x", "mp4"}, {"crop 5%", "mp4"},
		{"clip 3 s of 10", "mp4"}, {"grey", "mp4"}, {"brightness +0.1", "mp4"}, {"flip", "mp4"}, {"animated GIF 5 fps", "gif"},
	}
	args := map[string][]string{
		"re-encode VP8 200k": {"-c:v", "libvpx", "-b:v", "200k", "-deadline", "realtime", "-cpu-used", "8"},
		"resize 0.5x":        {"-vf", "scale=240:180"},
		"resize 2x":          {"-vf", "scale=960:720"},
		"crop 5%":            {"-vf", "crop=456:342"},
		"clip 3 s of 10":     {"-ss", "4", "-t", "3"},
		"grey":               {"-vf", "format=gray,format=yuv420p"},
		"brightness +0.1":    {"-vf", "eq=brightness=0.1"},
		"flip":               {"-vf", "hflip"},
		"animated GIF 5 fps": {"-filter_complex", "fps=5,split[a][b];[a]palettegen[p];[b][p]paletteuse"},
	}
	hash := func(path string) []video.Frame {
		t.Helper()
		frames, err := video.HashFile(context.Background(), path, video.Options{})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return frames
	}
	var table strings.Builder
	fmt.Fprintf(&table, "| source | transform | query %% | compared %% | matches |\n|---|---|---|---|---|\n")
	originals := map[string][]video.Frame{}
	matched, total := 0, 0
	for _, name := range []string{"testsrc2", "mandelbrot", "life"} {
		src := filepath.Join(dir, name+".mp4")
		run("-f", "lavfi", "-i", sources[name], "-t", "10", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", src)
		originals[name] = hash(src)
		for _, tr := range transforms {
			out := filepath.Join(dir, name+"-"+strings.ReplaceAll(tr.name, " ", "_")+"."+tr.ext)
			a := []string{"-i", src}
			if tr.name == "clip 3 s of 10" {
				a = []string{"-ss", "4", "-i", src, "-t", "3"}
			} else {
				a = append(a, args[tr.name]...)
			}
			run(append(a, out)...)
			r := video.Match(hash(out), originals[name], video.MatchOptions{})
			total++
			if r.Matched {
				matched++
			}
			fmt.Fprintf(&table, "| %s | %s | %.0f | %.0f | %v |\n", name, tr.name, r.QueryMatchPercent, r.ComparedMatchPercent, r.Matched)
		}
	}
	falsePairs := 0
	for a, fa := range originals {
		for b, fb := range originals {
			if a != b && video.Match(fa, fb, video.MatchOptions{}).Matched {
				falsePairs++
				t.Errorf("%s matches %s", a, b)
			}
		}
	}
	fmt.Fprintf(&table, "\n%d of %d transformed copies match their source; %d of %d pairs of different sources match.\n",
		matched, total, falsePairs, len(originals)*(len(originals)-1))
	t.Logf("\n%s", table.String())
	if *videoReport != "" {
		head := "## Video accuracy (vPDQ)\n\n`go test -run TestVideoAccuracy ./bench/ -args -video-report FILE`: 10 s videos that ffmpeg generates " +
			"(480x360, 25 fps), their transforms, matched at the reference's thresholds (quality >= 50, distance <= 31, query >= 80%).\n\n"
		if err := os.WriteFile(*videoReport, []byte(head+table.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
