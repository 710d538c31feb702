package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/knowntest"
	"github.com/atkm/herken/matcher/video"
)

var videoReport = flag.String("video-report", "", "write the video accuracy table to this file")

// The videos of the video accuracy run: 10 s at 320x240 and 25 fps, small
// so that the run stays short on a loaded machine. Known videos are
// synthetic sources and pans over Debian photos; the unrelated ones are
// other sources and pans over other photos.
const (
	videoSide    = "320x240"
	videoSeconds = "10"
)

// videoSource is a video made by ffmpeg: the inputs and filter that make it.
type videoSource struct {
	name string
	args []string
}

func lavfiSource(name, spec string) videoSource {
	return videoSource{name, []string{"-f", "lavfi", "-i", spec}}
}

// photoPan shows four photos for 2.5 s each, each panned slowly: the kind
// of slideshow that re-posts of a photo series are.
func photoPan(name string, photos []string) videoSource {
	var args []string
	var filter strings.Builder
	for i, p := range photos {
		args = append(args, "-loop", "1", "-framerate", "25", "-t", "2.5", "-i", p)
		fmt.Fprintf(&filter, "[%d:v]scale=400:300,setsar=1,crop=320:240:x='t*24':y='t*16',format=yuv420p[v%d];", i, i)
	}
	for i := range photos {
		fmt.Fprintf(&filter, "[v%d]", i)
	}
	fmt.Fprintf(&filter, "concat=n=%d:v=1:a=0", len(photos))
	return videoSource{name, append(args, "-filter_complex", filter.String())}
}

// videoTransform is one re-post of a known video: its family (the recall
// is reported per family) and the ffmpeg filter that makes it. lead, when
// set, puts that many seconds of an unrelated video before the copy.
type videoTransform struct {
	family, name, filter string
	lead                 string
}

const font = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

var videoTransforms = []videoTransform{
	{family: "plain", name: "re-encode VP8", filter: "null"},
	{family: "plain", name: "resize 0.5x", filter: "scale=160:120"},
	{family: "plain", name: "clip 4 s", filter: "trim=start=3:duration=4,setpts=PTS-STARTPTS"},
	{family: "plain", name: "grey", filter: "format=gray,format=yuv420p"},
	{family: "letterbox black", name: "9:16 phone", filter: "pad=320:568:0:164:black"},
	{family: "letterbox black", name: "thin bars", filter: "pad=320:300:0:30:black"},
	{family: "pillarbox black", name: "16:9", filter: "pad=428:240:54:0:black"},
	{family: "pillarbox black", name: "wide 2.3:1, scaled", filter: "pad=560:240:120:0:black,scale=280:120"},
	{family: "letterbox blurred", name: "9:16 phone", filter: "split[a][b];[a]scale=426:568,crop=320:568,boxblur=16[bg];[bg][b]overlay=0:164"},
	{family: "pillarbox blurred", name: "16:9 stretched", filter: "split[a][b];[a]scale=428:240,boxblur=16[bg];[bg][b]overlay=54:0"},
	{family: "pillarbox blurred", name: "16:9 zoomed", filter: "split[a][b];[a]scale=428:321,crop=428:240,gblur=sigma=12[bg];[bg][b]overlay=54:0"},
	{family: "mirrored", name: "hflip", filter: "hflip"},
	{family: "mirrored", name: "hflip, resized", filter: "hflip,scale=240:180"},
	{family: "crop 5%", name: "5% of each dimension, centred", filter: "crop=304:228"},
	{family: "crop 5%", name: "5% off right and bottom", filter: "crop=304:228:0:0"},
	{family: "crop 5%", name: "5% off every side", filter: "crop=288:216,scale=320:240"},
	{family: "crop 5%", name: "5% off the top", filter: "crop=320:228:0:12"},
	{family: "logo", name: "box logo top right", filter: "drawbox=x=250:y=12:w=58:h=28:color=white@0.85:t=fill,drawtext=fontfile=" + font + ":text=TV9:x=262:y=17:fontsize=18:fontcolor=red"},
	{family: "logo", name: "text watermark bottom left", filter: "drawtext=fontfile=" + font + ":text='herken news':x=10:y=h-28:fontsize=16:fontcolor=white@0.7"},
	{family: "news ticker", name: "scrolling ticker 12%", filter: "drawbox=x=0:y=ih*0.88:w=iw:h=ih*0.12:color=navy:t=fill,drawtext=fontfile=" + font + ":text='BREAKING NEWS  markets fall as storm nears the coast':x=w-mod(t*80\\,w+tw):y=h*0.9:fontsize=16:fontcolor=white"},
	{family: "news ticker", name: "lower third 15%", filter: "drawbox=x=0:y=ih*0.85:w=iw:h=ih*0.15:color=red@0.9:t=fill,drawtext=fontfile=" + font + ":text='LIVE  city centre':x=10:y=h*0.88:fontsize=18:fontcolor=yellow"},
	{family: "leading footage", name: "3 s of another video", filter: "null", lead: "3"},
	{family: "leading footage", name: "5 s of another video", filter: "null", lead: "5"},
}

// negativeTransforms are applied to the unrelated videos too: the readings
// they exercise are those that could admit a false match.
var negativeTransforms = map[string]bool{"re-encode VP8": true, "9:16 phone": true, "16:9 stretched": true, "hflip": true, "scrolling ticker 12%": true}

// TestVideoAccuracy measures vPDQ identification per re-post family on
// videos that ffmpeg generates: each known video's copies are looked up in
// a bank of all known videos through matcher.Identify, once as plain vPDQ
// (neither side hashed with views) and once with herken's readings (query
// views, known items with their stored views); unrelated videos and their
// copies must match nothing, and no copy may match another known video.
// It runs only with -video-report FILE, where it writes the report.
func TestVideoAccuracy(t *testing.T) {
	if *videoReport == "" {
		t.Skip("a long run for the bench report (make bench): give -video-report FILE; matcher/video's and matcher's video tests are its short version")
	}
	ffmpeg := fixtures.RequireTool(t, "ffmpeg")
	fixtures.RequireTool(t, "ffprobe")
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(ffmpeg, append([]string{"-y", "-nostdin", "-loglevel", "error", "-threads", "2"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
		}
	}
	photos := videoPhotos(t)
	known := []videoSource{
		lavfiSource("testsrc2", "testsrc2=size="+videoSide+":rate=25"),
		lavfiSource("mandelbrot", "mandelbrot=size="+videoSide+":rate=25"),
		lavfiSource("life", "life=size="+videoSide+":rate=25:seed=1:mold=10:ratio=0.2:death_color=#C83232:life_color=#00ff00"),
		lavfiSource("cellauto", "cellauto=size="+videoSide+":rate=25:rule=30:seed=7:scroll=1"),
		photoPan("photos A", photos[0:4]),
		photoPan("photos B", photos[4:8]),
		photoPan("photos C", photos[8:12]),
	}
	unrelated := []videoSource{
		lavfiSource("testsrc", "testsrc=size="+videoSide+":rate=25"),
		lavfiSource("smptehdbars", "smptehdbars=size="+videoSide+":rate=25"),
		lavfiSource("mandelbrot elsewhere", "mandelbrot=size="+videoSide+":rate=25:start_x=-0.743643887037151:start_y=0.13182590420533:start_scale=0.02:end_scale=0.0001"),
		lavfiSource("life, other seed", "life=size="+videoSide+":rate=25:seed=99:mold=5:ratio=0.3"),
		lavfiSource("cellauto rule 110", "cellauto=size="+videoSide+":rate=25:rule=110:seed=3:scroll=1"),
		lavfiSource("gradients", "gradients=size="+videoSide+":rate=25:seed=5:speed=0.05"),
		lavfiSource("noise", "color=c=gray:size="+videoSide+":rate=25,noise=alls=60:allf=t"),
		photoPan("photos D", photos[12:16]),
		photoPan("photos E", photos[16:20]),
		photoPan("photos F", photos[20:24]),
	}
	encode := func(src videoSource, out string) {
		run(append(append([]string{}, src.args...), "-t", videoSeconds, "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p", out)...)
	}
	path := func(s string) string {
		return filepath.Join(dir, strings.NewReplacer(" ", "_", ",", "", ":", "").Replace(s))
	}
	for _, s := range append(append([]videoSource{}, known...), unrelated...) {
		encode(s, path(s.name+".mp4"))
	}
	leadSrc := path("lead.mp4")
	encode(lavfiSource("lead", "mandelbrot=size="+videoSide+":rate=25:start_x=-0.75:start_y=0.1:start_scale=0.05:end_scale=0.001"), leadSrc)
	transform := func(src string, tr videoTransform) string {
		out := path(filepath.Base(src) + "-" + tr.name + ".mp4")
		codec := []string{"-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "-pix_fmt", "yuv420p"}
		if tr.name == "re-encode VP8" {
			out = strings.TrimSuffix(out, ".mp4") + ".webm"
			codec = []string{"-c:v", "libvpx", "-b:v", "200k", "-deadline", "realtime", "-cpu-used", "8"}
		}
		if tr.lead != "" {
			run(append([]string{"-t", tr.lead, "-i", leadSrc, "-i", src, "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0"}, append(codec, out)...)...)
			return out
		}
		run(append([]string{"-i", src, "-filter_complex", tr.filter}, append(codec, out)...)...)
		return out
	}

	bank := matcher.Bank{Name: "videos", Enabled: true, Categories: []matcher.Category{matcher.Incitement}}
	type setup struct {
		name         string
		query, items *matcher.Hasher
		bank         *knowntest.Memory
		hashTime     time.Duration
		pdqHashes    int
		itemTime     time.Duration
		itemHashes   int
		variants     int
	}
	newHasher := func(cfg matcher.HasherConfig) *matcher.Hasher {
		cfg.Signals = []matcher.SignalType{matcher.PDQ}
		h, err := matcher.NewHasher(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	setups := []*setup{
		{name: "plain vPDQ", query: newHasher(matcher.HasherConfig{}), items: newHasher(matcher.HasherConfig{})},
		{name: "herken readings", query: newHasher(matcher.HasherConfig{Dihedral: true, Regions: true}), items: newHasher(matcher.HasherConfig{ItemVariants: true})},
	}
	hash := func(h *matcher.Hasher, file string) *matcher.Hashes {
		t.Helper()
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		hs := h.HashBytes(context.Background(), b)
		if hs.VideoErr != nil {
			t.Fatalf("%s: %v", file, hs.VideoErr)
		}
		return hs
	}
	for _, s := range setups {
		var items []matcher.Item
		for _, k := range known {
			start := time.Now()
			hs := hash(s.items, path(k.name+".mp4"))
			s.itemTime += time.Since(start)
			s.itemHashes += pdqHashCount(hs.VideoFrames)
			it, _, err := hs.KnownItem()
			s.variants += len(it.Variants)
			if err != nil {
				t.Fatal(err)
			}
			it.Bank, it.Label, it.Categories = bank.Name, k.name, bank.Categories
			items = append(items, it)
		}
		s.bank = knowntest.NewMemory([]matcher.Bank{bank}, items)
	}

	type outcome struct{ found, total, wrong int }
	results := map[string]map[string]*outcome{} // setup, family
	var falseMatches []string
	negatives := 0
	var evidence []string
	lookup := func(s *setup, file string) []matcher.Match {
		t.Helper()
		start := time.Now()
		hs := hash(s.query, file)
		s.hashTime += time.Since(start)
		s.pdqHashes += pdqHashCount(hs.VideoFrames)
		l, err := matcher.Identify(s.bank, matcher.Queries(hs, true), matcher.DefaultRule)
		if err != nil {
			t.Fatal(err)
		}
		return l.Matches
	}
	var rows strings.Builder
	fmt.Fprintf(&rows, "| known video | family | copy | plain vPDQ | herken | reading that matched |\n|---|---|---|---|---|---|\n")
	for _, k := range known {
		for _, tr := range videoTransforms {
			file := transform(path(k.name+".mp4"), tr)
			var cells []string
			reading := ""
			for _, s := range setups {
				if results[s.name] == nil {
					results[s.name] = map[string]*outcome{}
				}
				o := results[s.name][tr.family]
				if o == nil {
					o = &outcome{}
					results[s.name][tr.family] = o
				}
				o.total++
				cell := "–"
				for _, m := range lookup(s, file) {
					if s == setups[0] && m.Video != nil && m.Video.Contained {
						continue // herken's containment rule, not the reference's
					}
					if m.Label != k.name {
						o.wrong++
						falseMatches = append(falseMatches, fmt.Sprintf("%s: %s (%s) matched %s: %s", s.name, k.name, tr.name, m.Label, m.Explanation))
						continue
					}
					o.found++
					cell = fmt.Sprintf("%.0f%% / %.0f%%", m.Video.QueryMatchPercent, m.Video.ComparedMatchPercent)
					if m.Video.Contained {
						cell += " (contained)"
					}
					if s == setups[1] {
						reading = m.Video.Reading
						if len(evidence) < 6 && reading != "" && !strings.Contains(strings.Join(evidence, "\n"), tr.family) {
							evidence = append(evidence, fmt.Sprintf("- %s, %s: %s", k.name, tr.family, m.Explanation))
						}
					}
				}
				cells = append(cells, cell)
			}
			fmt.Fprintf(&rows, "| %s | %s | %s | %s | %s | %s |\n", k.name, tr.family, tr.name, cells[0], cells[1], reading)
		}
	}
	for _, u := range unrelated {
		files := []string{path(u.name + ".mp4")}
		for _, tr := range videoTransforms {
			if negativeTransforms[tr.name] {
				files = append(files, transform(files[0], tr))
			}
		}
		for _, f := range files {
			negatives++
			for _, s := range setups {
				for _, m := range lookup(s, f) {
					falseMatches = append(falseMatches, fmt.Sprintf("%s: unrelated %s matched %s: %s", s.name, filepath.Base(f), m.Label, m.Explanation))
				}
			}
		}
	}

	var rep strings.Builder
	fmt.Fprintf(&rep, "## Video accuracy: vPDQ and herken's readings\n\n"+
		"`go test -run TestVideoAccuracy ./bench/ -args -video-report FILE` (from `make bench`). "+
		"%d known videos (%s s, %s, 25 fps: lavfi testsrc2, mandelbrot, life, cellauto, and three slow pans over four distinct Debian photos each) "+
		"in one bank; each re-posted %d ways and looked up with matcher.Identify. *plain vPDQ*: neither side hashed with views "+
		"(the reference's rule: quality >= 50, distance <= 31, query >= 80%%). *herken*: each query frame is also read mirrored, "+
		"as the picture region.Find sees inside it and as the part of it that holds sharp edges over the video so far (each as found and mirrored), "+
		"and without its top and bottom %.0f%%; known videos store each frame's crops (2.5%% and 5%% off every side, "+
		"5%% of the width and height off each corner) and its view without the top and bottom bands as item variants; "+
		"each reading is tallied on its own, and one matches at query >= 80%% or, containment, "+
		"compared >= %.0f%% with >= %d frames each side.\n\n",
		len(known), videoSeconds, videoSide, len(videoTransforms), 100*video.BandCut, video.DefaultContainedPercent, video.DefaultMinContainedFrames)
	fmt.Fprintf(&rep, "### Recall per family\n\n| family | copies | plain vPDQ | herken |\n|---|---|---|---|\n")
	families := []string{}
	for f := range results[setups[0].name] {
		families = append(families, f)
	}
	sort.Slice(families, func(i, j int) bool { return familyOrder(families[i]) < familyOrder(families[j]) })
	for _, f := range families {
		a, b := results[setups[0].name][f], results[setups[1].name][f]
		fmt.Fprintf(&rep, "| %s | %d | %d (%.0f%%) | %d (%.0f%%) |\n", f, a.total, a.found, pct(a.found, a.total), b.found, pct(b.found, b.total))
	}
	fmt.Fprintf(&rep, "\n### False matches\n\n%d unrelated videos (other lavfi sources: testsrc, smptehdbars, mandelbrot elsewhere, life and cellauto of other seeds and rules, "+
		"gradients, noise; pans over 12 other Debian photos), each as is and re-posted %d ways (%d queries), against the bank of %d known videos; "+
		"and every known video's copies against the other known videos (%d pairs).\n\n",
		len(unrelated), len(negativeTransforms), negatives, len(known), len(known)*len(videoTransforms)*(len(known)-1))
	fmt.Fprintf(&rep, "**%d false matches**", len(falseMatches))
	for _, f := range falseMatches {
		fmt.Fprintf(&rep, "\n- %s", f)
		t.Errorf("false match: %s", f)
	}
	plain, ours := setups[0], setups[1]
	fmt.Fprintf(&rep, ".\n\n### Cost\n\nHashing every query above (%d files, decode included, one run): plain vPDQ %.1f s and %d PDQ hashes; "+
		"with the query readings %.1f s (%.2f×) and %d PDQ hashes (%.2f×; the mirror comes from the frame's own DCT, no extra hash). "+
		"Hashing the %d known videos: plain %.1f s and %d PDQ hashes; with their views %.1f s (%.2f×) and %d PDQ hashes (%.2f×), "+
		"storing %d item variants (%d views per unique frame of quality >= 50; a video with more than %d unique frames keeps the band and %d core crops of each, "+
		"one with more than %d those of every k-th frame: one item holds at most 256 variants).\n",
		len(known)*len(videoTransforms)+negatives, plain.hashTime.Seconds(), plain.pdqHashes, ours.hashTime.Seconds(),
		ours.hashTime.Seconds()/plain.hashTime.Seconds(), ours.pdqHashes, float64(ours.pdqHashes)/float64(plain.pdqHashes),
		len(known), plain.itemTime.Seconds(), plain.itemHashes, ours.itemTime.Seconds(), ours.itemTime.Seconds()/plain.itemTime.Seconds(),
		ours.itemHashes, float64(ours.itemHashes)/float64(plain.itemHashes), ours.variants,
		1+len(video.Crops), 256/(1+len(video.Crops)), video.CoreCrops, 256/(1+video.CoreCrops))
	fmt.Fprintf(&rep, "\n### Evidence, as the analyst reads it\n\n%s\n\n### Every copy\n\nquery %% / compared %% of the match (– no match).\n\n%s",
		strings.Join(evidence, "\n"), rows.String())
	t.Logf("\n%s", rep.String())
	if err := os.WriteFile(*videoReport, []byte(rep.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// videoPhotos lists 24 distinct Debian photos of the fixtures (the
// packages' own pictures, not the derived copies), in a fixed order.
func videoPhotos(t *testing.T) []string {
	t.Helper()
	var out []string
	root := fixtures.Path("pdq/debian")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "derived" {
			return filepath.SkipDir
		}
		if ext := strings.ToLower(filepath.Ext(p)); !d.IsDir() && (ext == ".jpg" || ext == ".png") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	// Stereo pairs and sequences (left/right, aloeL/aloeR, ...) are near
	// duplicates: keep one picture of each name stem.
	seen := map[string]bool{}
	var distinct []string
	for _, p := range out {
		stem, _, _ := strings.Cut(strings.TrimSuffix(filepath.Base(p), filepath.Ext(p)), "_")
		stem = strings.TrimRight(stem, "0123456789LRAB")
		if strings.HasPrefix(stem, "left") || strings.HasPrefix(stem, "right") {
			stem = "stereo"
		}
		if seen[stem] {
			continue
		}
		seen[stem] = true
		distinct = append(distinct, p)
	}
	if len(distinct) < 24 {
		t.Fatalf("%d distinct photos under %s, want 24", len(distinct), root)
	}
	return distinct[:24]
}

// pdqHashCount is how many PDQ hashes hashing computed: one per frame and
// one per view that is not a dihedral variant of another.
func pdqHashCount(frames []video.Frame) int {
	n := len(frames)
	for _, f := range frames {
		for _, v := range f.Views {
			if v.Kind != video.ViewMirrored && v.Kind != video.ViewRegionMirrored {
				n++
			}
		}
	}
	return n
}

func familyOrder(f string) int {
	for i, tr := range videoTransforms {
		if tr.family == f {
			return i
		}
	}
	return len(videoTransforms)
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
