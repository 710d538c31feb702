package evaluation

import (
	"bufio"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/atkm/herken/bench/corpus/transform"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/media"
)

// PerceptualSignals are the signals with a curve and a threshold: the
// registry's perceptual types.
var PerceptualSignals = func() []matcher.SignalType {
	var out []matcher.SignalType
	for _, t := range Signals {
		if !t.Exact() {
			out = append(out, t)
		}
	}
	return out
}()

// Machine describes where the evaluation ran.
type Machine struct {
	Uname, CPU, Go, JPEGDecoder string
	CPUs                        int
}

// ThisMachine reads uname, /proc/cpuinfo and the build's details.
func ThisMachine() Machine {
	m := Machine{Go: runtime.Version(), JPEGDecoder: media.JPEGDecoder(), CPUs: runtime.NumCPU()}
	if b, err := exec.Command("uname", "-srmo").Output(); err == nil {
		m.Uname = strings.TrimSpace(string(b))
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// PlotFile is the name of a signal's plot.
func PlotFile(t matcher.SignalType) string { return "accuracy-" + t.String() + ".png" }

// RocFile is the name of the plot comparing the perceptual signals.
const RocFile = "accuracy-roc.png"

const fprFloor = 1e-6 // the left edge of the log FPR axes; 0 is drawn there

// WritePlots writes one PNG per perceptual signal and RocFile into dir.
func (r *Result) WritePlots(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, t := range PerceptualSignals {
		img := image.NewRGBA(image.Rect(0, 0, 1100, 420))
		half := image.Rect(0, 0, 550, 420)
		r.thresholdChart(t).draw(img, half)
		r.rocChart(t.String()+": recall against false-positive rate", []matcher.SignalType{t}).draw(img, half.Add(image.Pt(550, 0)))
		if err := writePNG(filepath.Join(dir, PlotFile(t)), img); err != nil {
			return err
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, 700, 460))
	r.rocChart("recall against FPR (derived vs other originals), all transforms", PerceptualSignals).draw(img, img.Rect)
	return writePNG(filepath.Join(dir, RocFile), img)
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (r *Result) thresholdChart(t matcher.SignalType) *chart {
	n := t.Bits() / 2
	var xs, rec, fpr, cross []float64
	for d := 0; d <= n; d++ {
		xs = append(xs, float64(d))
		rec = append(rec, r.Recall(t, "", d))
		fpr = append(fpr, r.FPR(t, d))
		cross = append(cross, r.CrossFPR(t, d))
	}
	step := float64(n / 8)
	c := &chart{title: t.String() + ": rates by threshold", xlabel: "threshold (Hamming distance)", ylabel: "rate",
		xmin: 0, xmax: float64(n), ymin: 0, ymax: 1, yticks: []float64{0, 0.2, 0.4, 0.6, 0.8, 1},
		series: []series{{name: "recall, all transforms", c: palette[0], xs: xs, ys: rec},
			{name: "FPR, original pairs", c: palette[1], xs: xs, ys: fpr},
			{name: "FPR, derived vs others", c: palette[3], xs: xs, ys: cross}}}
	for x := 0.0; x <= float64(n); x += step {
		c.xticks = append(c.xticks, x)
	}
	c.vlines = append(c.vlines, marker{x: float64(t.DefaultThreshold()), label: fmt.Sprintf("default %d", t.DefaultThreshold()), c: palette[4]})
	if thr, _, ok := r.Recommend(t); ok && thr != t.DefaultThreshold() {
		c.vlines = append(c.vlines, marker{x: float64(thr), label: fmt.Sprintf("rec. %d", thr), c: palette[2]})
	}
	return c
}

func (r *Result) rocChart(title string, ts []matcher.SignalType) *chart {
	c := &chart{title: title, xlabel: "FPR, derived vs other originals (0 drawn at 1e-6)", ylabel: "recall",
		xmin: fprFloor, xmax: 1, xlog: true, ymin: 0, ymax: 1,
		xticks: []float64{1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1}, yticks: []float64{0, 0.2, 0.4, 0.6, 0.8, 1},
		legendBottomRight: true}
	for i, t := range ts {
		s := series{name: t.String(), c: palette[i], dots: len(ts) == 1}
		for d := 0; d <= t.Bits()/2; d++ {
			s.xs = append(s.xs, math.Max(r.CrossFPR(t, d), fprFloor))
			s.ys = append(s.ys, r.Recall(t, "", d))
		}
		c.series = append(c.series, s)
	}
	return c
}

// Report is what WriteReport needs besides the Result.
type Report struct {
	Commands    []string // how the corpus and the report were made
	CorpusKind  string   // e.g. "Debian packages"
	Machine     Machine
	Took        time.Duration // the whole evaluation
	PlotsRelDir string        // the plots' folder relative to the report
	// Candidates are thresholds to tabulate besides the default and the
	// recommended ones, e.g. values proposed elsewhere.
	Candidates map[matcher.SignalType]int
}

// WriteReport writes the Markdown report.
func (r *Result) WriteReport(w io.Writer, rep Report) error {
	b := &strings.Builder{}
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("# herken accuracy evaluation\n\n")
	p("Generated by `go run ./bench/accuracy`; every number below comes from the run described here. ")
	p("Regenerate it with the commands below rather than editing it.\n\n## How it was made\n\n```sh\n%s\n```\n\n", strings.Join(rep.Commands, "\n"))
	m := rep.Machine
	p("- machine: `%s`, %s, %d CPUs (shared with other work during the run)\n", m.Uname, m.CPU, m.CPUs)
	p("- %s; herken's JPEG decoder: %s\n", m.Go, m.JPEGDecoder)
	p("- hashes: herken's `matcher.Hasher` with its defaults (PDQ with the reference CLI's 512x512 squash, dihedral ")
	p("variants on); a derived copy is compared with its own original directly, which gives the recall of herken's exact ")
	p("index search at the same threshold\n")
	p("- evaluation time: %s (hashing %d files: %s)\n\n", rep.Took.Round(time.Second), len(r.Originals)+len(r.Derived), r.HashTime.Round(time.Second))
	r.writeCorpus(p, rep)
	r.writeRecall(p)
	r.writeThresholds(p, rep)
	r.writeDihedral(p)
	r.writeFast(p)
	r.writeQuality(p)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Result) writeCorpus(p func(string, ...any), rep Report) {
	pkgs := map[string]int{}
	for _, o := range r.Originals {
		pkgs[o.Package]++
	}
	names := make([]string, 0, len(pkgs))
	for k := range pkgs {
		names = append(names, k)
	}
	slices.Sort(names)
	p("## Corpus\n\n%s: %d originals, %d derived copies (%d transforms), %d pairs of distinct originals, %d (derived, other original) pairs.\n\n",
		rep.CorpusKind, len(r.Originals), len(r.Derived), len(r.Transforms), r.NumPairs(), r.NumCross())
	p("- MANIFEST.tsv sha256 `%s`\n- DERIVED.tsv sha256 `%s`\n", r.ManifestDigest, r.DerivedDigest)
	for _, n := range names {
		p("- `%s`: %d originals\n", n, pkgs[n])
	}
	if r.Failed > 0 {
		p("- %d files had no photo signals (decoding failed); they count as misses\n", r.Failed)
	}
	p("\nOriginals are the packages' JPEG and PNG pictures with both sides >= 300 px, shrunk to at most 1024 px ")
	p("(as PNG) when larger; near-duplicates (one wallpaper at several sizes) are dropped. Derived copies are JPEG q90 ")
	p("unless the transform says otherwise; exact flips and rotations and the screenshot are PNG.\n\n")
	p("Transforms: `jpeg-qN` re-encodes at quality N; `resize-F` scales both sides by F (Catmull-Rom); `crop-P` removes ")
	p("P%% of the width and of the height, split at random between the sides; `border-5` adds a frame of a random colour, 5%% ")
	p("of the size per side; `letterbox` pads to a square with black; `flip-*` and `rot-90/180/270` are exact; `rot-Ndeg` ")
	p("rotates by N degrees about the centre keeping the size (black corners); `grey` is the luma; `blur` is Gaussian, sigma ")
	p("0.3%% of the longer side; `sharpen` an unsharp mask (sigma 1, amount 1); `bright±40` adds ±40 levels; `contrast±30` ")
	p("scales about 128 by 1.3 or 0.7; `text` writes a line of text 70%% of the width wide in the lower third; `logo` puts ")
	p("an opaque framed rectangle 15%% of the width wide in a random corner; `screenshot` fits the picture into 60%% of a ")
	p("1280x800 window with a title bar. Random choices come from PCG seeded with the corpus seed (default %d).\n\n", transform.DefaultSeed)
}

func pct(v float64) string { return fmt.Sprintf("%.1f", 100*v) }

func (r *Result) writeRecall(p func(string, ...any)) {
	p("## Recall at the default thresholds\n\nShare (%%) of derived copies within the default threshold of their own original ")
	p("(pdq %d, phash %d, dhash %d, ahash %d; sha256 and md5 must be equal). PDQ here is without the quality gate and ",
		matcher.PDQ.DefaultThreshold(), matcher.PHash.DefaultThreshold(), matcher.DHash.DefaultThreshold(), matcher.AHash.DefaultThreshold())
	p("without dihedral matching (both below).\n\n| transform |")
	for _, t := range Signals {
		p(" %s |", t)
	}
	p("\n|---|")
	for range Signals {
		p("---:|")
	}
	p("\n")
	rows := append(slices.Clone(r.Transforms), "")
	for _, tr := range rows {
		name := tr
		if tr == "" {
			name = "**all**"
		}
		p("| %s |", name)
		for _, t := range Signals {
			p(" %s |", pct(r.Recall(t, tr, t.DefaultThreshold())))
		}
		p("\n")
	}
	p("\n## False positives at the default thresholds\n\n| signal | threshold | FPR, %d original pairs | FPR, %d derived-vs-other pairs |\n|---|---:|---:|---:|\n",
		r.NumPairs(), r.NumCross())
	for _, t := range Signals {
		p("| %s | %d | %.2e | %.2e |\n", t, t.DefaultThreshold(), r.FPR(t, t.DefaultThreshold()), r.CrossFPR(t, t.DefaultThreshold()))
	}
	p("\nClosest pairs of distinct originals:\n\n| signal | distance | original A | original B |\n|---|---:|---|---|\n")
	for _, t := range PerceptualSignals {
		for _, c := range r.Closest[t][:min(3, len(r.Closest[t]))] {
			p("| %s | %d | `%s` %s | `%s` %s |\n", t, c.Distance, c.A.Package, c.A.Path, c.B.Package, c.B.Path)
		}
	}
	p("\n")
}

func (r *Result) writeThresholds(p func(string, ...any), rep Report) {
	p("## Thresholds\n\nRecommended: the largest threshold whose false-positive rate is at most %.0e both over pairs of ", MaxFPR)
	p("distinct originals and over derived copies against the originals they were not made from. With %d pairs of ", r.NumPairs())
	p("originals, one pair is a rate of %.1e: the recommendation rests on a handful of pairs (see the closest pairs above, ", 1/float64(r.NumPairs()))
	p("which may be variants of one picture) and is to be confirmed on a larger corpus.\n\n| signal | bits | default | recall at default | FPR at default | recommended | recall at recommended | FPR (pairs / cross) at recommended |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range PerceptualSignals {
		def := t.DefaultThreshold()
		thr, rec, ok := r.Recommend(t)
		if !ok {
			p("| %s | %d | %d | %s | %.2e | none | | |\n", t, t.Bits(), def, pct(r.Recall(t, "", def)), r.FPR(t, def))
			continue
		}
		p("| %s | %d | %d | %s | %.2e | %d | %s | %.2e / %.2e |\n", t, t.Bits(), def, pct(r.Recall(t, "", def)),
			r.FPR(t, def), thr, pct(rec), r.FPR(t, thr), r.CrossFPR(t, thr))
	}
	r.writeCandidates(p, rep.Candidates)
	r.writeGroups(p)
	p("\n![recall vs FPR, all perceptual signals](%s/%s)\n\n", rep.PlotsRelDir, RocFile)
	for _, t := range PerceptualSignals {
		p("![%s](%s/%s)\n\n", t, rep.PlotsRelDir, PlotFile(t))
	}
}

// writeCandidates tabulates recall and FPR at the candidate thresholds.
func (r *Result) writeCandidates(p func(string, ...any), c map[matcher.SignalType]int) {
	if len(c) == 0 {
		return
	}
	p("\nAt the candidate thresholds given with `--at`:\n\n| signal | threshold | recall | FPR, original pairs | FPR, derived vs others |\n|---|---:|---:|---:|---:|\n")
	for _, t := range PerceptualSignals {
		if thr, ok := c[t]; ok {
			p("| %s | %d | %s | %.2e | %.2e |\n", t, thr, pct(r.Recall(t, "", thr)), r.FPR(t, thr), r.CrossFPR(t, thr))
		}
	}
}

// writeGroups tabulates recall by group of transforms at the default and
// the recommended thresholds.
func (r *Result) writeGroups(p func(string, ...any)) {
	var groups []string
	for _, tr := range r.Transforms {
		if g := r.Groups[tr]; g != "" && !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	p("\nRecall (%%) by group of transforms, at the default / the recommended threshold:\n\n| group |")
	for _, t := range PerceptualSignals {
		p(" %s |", t)
	}
	p("\n|---|")
	for range PerceptualSignals {
		p("---:|")
	}
	p("\n")
	for _, g := range groups {
		p("| %s |", g)
		for _, t := range PerceptualSignals {
			var hs [][]int
			for _, tr := range r.Transforms {
				if r.Groups[tr] == g {
					hs = append(hs, r.Dist[t][tr])
				}
			}
			h := sum(hs...)
			a, _ := within(h, t.DefaultThreshold())
			thr, _, ok := r.Recommend(t)
			b := 0.0
			if ok {
				b, _ = within(h, thr)
			}
			p(" %s / %s |", pct(a), pct(b))
		}
		p("\n")
	}
}

func (r *Result) writeDihedral(p func(string, ...any)) {
	thr := matcher.PDQ.DefaultThreshold()
	p("## Dihedral matching (PDQ)\n\nPDQ recall at %d on flips and rotations, comparing the query's hash only, and the smallest ", thr)
	p("distance over its eight dihedral variants (as `herken match` does unless `--no-dihedral`).\n\n| transform | plain | dihedral | gain |\n|---|---:|---:|---:|\n")
	var plain, dih float64
	for _, tr := range DihedralTransforms {
		if _, ok := r.DihedralDist[tr]; !ok {
			continue
		}
		a, b := r.Recall(matcher.PDQ, tr, thr), r.DihedralRecall(tr, thr)
		plain, dih = plain+a, dih+b
		p("| %s | %s | %s | +%s |\n", tr, pct(a), pct(b), pct(b-a))
	}
	var hs [][]int
	for _, tr := range DihedralTransforms {
		if h, ok := r.DihedralDist[tr]; ok {
			hs = append(hs, h)
		}
	}
	n := float64(len(DihedralTransforms))
	p("| **mean** | %s | %s | +%s |\n\n", pct(plain/n), pct(dih/n), pct((dih-plain)/n))
	p("Exact flips and rotations do not come back at distance 0: the variants are computed from the DCT of ")
	p("the picture as it is and only approximate the hash of the flipped picture (median best-variant distance here: %d bits). ", median(sum(hs...)))
	p("The cost: the false-positive rate over original pairs at %d goes from %.2e (plain) to %.2e (dihedral); ", thr, r.FPR(matcher.PDQ, thr), r.DihedralFPR(thr))
	p("recall over every transform with dihedral matching is %s%%.\n\n", pct(r.dihedralAll(thr)))
}

// median is the median distance of a histogram (-1 when empty).
func median(h []int) int {
	n := 0
	for _, c := range h {
		n += c
	}
	k := 0
	for d, c := range h {
		k += c
		if 2*k >= n && n > 0 {
			return d
		}
	}
	return -1
}

func (r *Result) dihedralAll(thr int) float64 {
	var hs [][]int
	for _, name := range r.Transforms {
		hs = append(hs, r.DihedralDist[name])
	}
	v, _ := within(sum(hs...), thr)
	return v
}

func (r *Result) writeQuality(p func(string, ...any)) {
	p("## PDQ quality\n\nherken does not match a PDQ query whose quality is below %d (the reference's guidance). ", matcher.DefaultMinPDQQuality)
	p("Distribution of quality:\n\n| quality | originals | derived |\n|---|---:|---:|\n")
	for i := range r.QualityOriginals {
		label := fmt.Sprintf("%d-%d", 10*i, 10*i+9)
		if i == 10 {
			label = "100"
		}
		p("| %s | %d | %d |\n", label, r.QualityOriginals[i], r.QualityDerived[i])
	}
	thr := matcher.PDQ.DefaultThreshold()
	p("\nPDQ recall at %d: without the gate, with the gate (low-quality queries count as misses, as in herken), and with ", thr)
	p("low-quality queries left out.\n\n| transform | low-quality queries | no gate | gated | low quality excluded |\n|---|---:|---:|---:|---:|\n")
	for _, tr := range append(slices.Clone(r.Transforms), "") {
		g, e, low := r.GatedRecall(tr, thr)
		name := tr
		if tr == "" {
			name = "**all**"
		}
		p("| %s | %d | %s | %s | %s |\n", name, low, pct(r.Recall(matcher.PDQ, tr, thr)), pct(g), pct(e))
	}
	p("\n")
}

// percentile is the smallest distance at or below which a share q of h's
// counts lie.
func percentile(h []int, q float64) int {
	n := 0
	for _, c := range h {
		n += c
	}
	k := 0
	for d, c := range h {
		k += c
		if float64(k) >= q*float64(n) {
			return d
		}
	}
	return len(h) - 1
}

func meanOf(h []int) float64 {
	n, s := 0, 0
	for d, c := range h {
		n += c
		s += d * c
	}
	if n == 0 {
		return 0
	}
	return float64(s) / float64(n)
}

func (r *Result) writeFast(p func(string, ...any)) {
	f := r.Fast
	p("## Fast decoding\n\n`--decode fast` decodes a JPEG at the smallest of the DCT scales 1/8, 1/4 and 1/2 that keeps 512 pixels a side, ")
	p("PDQ's squash size; other formats and smaller JPEGs decode as in exact mode. %d of the %d files were decoded smaller. ",
		f.Reduced, len(r.Originals)+len(r.Derived))
	p("Hashing the whole corpus took %s exact and %s fast (%.2fx).\n\n", r.HashTime.Round(time.Millisecond),
		f.HashTime.Round(time.Millisecond), r.HashTime.Seconds()/max(f.HashTime.Seconds(), 1e-9))
	p("Distance between a file's fast and exact hash (over the reduced files), and recall and false positives at the default ")
	p("threshold with the derived copy hashed exact or fast against exactly hashed originals (as a fast-mode service ")
	p("matches a bank of exactly hashed items):\n\n")
	p("| signal | threshold | mean | p99 | max | recall exact | recall fast | FPR exact | FPR fast |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range PerceptualSignals {
		thr := t.DefaultThreshold()
		same := f.SameFile[t]
		rf, _ := within(f.Dist[t], thr)
		cf, _ := within(f.Cross[t], thr)
		p("| %s | %d | %.2f | %d | %d | %s | %s | %.2e | %.2e |\n", t, thr, meanOf(same), percentile(same, 0.99), percentile(same, 1),
			pct(r.Recall(t, "", thr)), pct(rf), r.CrossFPR(t, thr), cf)
	}
	p("\n")
}
