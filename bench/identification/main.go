// Command identification measures herken's decision rule (issue 14): how
// often it would name a known item for a picture that is not a copy of it,
// and how many re-posted copies it finds. Every pair of the negative
// corpus (go run ./bench/negative) is compared through the full query path
// of a match (the whole picture, its dihedral variants, the regions found
// inside it as found and mirrored) against each picture as a bank holds it,
// with a PDQ-only bank and with a media bank (each picture with its stored
// crops); the evaluation corpus (go run ./bench/corpus) gives the recall of
// each candidate rule. The rule chosen is the one of at most --max-false
// false pairs in either bank that finds the most re-posts; the report
// lists every false pair, the 95% bound, the per-pair rate per signal and
// the false identifications to expect per query at banks of 1M and 10M.
//
//	go run -tags turbojpeg ./bench/identification --negative DIR --corpus DIR --out bench/REPORT-identification.md
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/atkm/herken/bench/accuracy/decide"
	"github.com/atkm/herken/bench/accuracy/falsepairs"
	"github.com/atkm/herken/bench/accuracy/recall"
	"github.com/atkm/herken/bench/negative/negset"
	"github.com/atkm/herken/matcher"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "identification:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("identification", flag.ContinueOnError)
	neg := fs.String("negative", "", "the negative corpus folder (go run ./bench/negative build)")
	corpus := fs.String("corpus", "", "the evaluation corpus folder (go run ./bench/corpus build), for recall under the rule")
	out := fs.String("out", "bench/REPORT-identification.md", "the markdown report to write")
	whole := fs.Int("whole", 0, "the rule's PDQ threshold for the whole picture (default: chosen, or 31 without --corpus)")
	variant := fs.Int("variant", 0, "the rule's PDQ threshold for query variants (default: chosen, or matcher.VariantPDQThreshold)")
	crop := fs.Int("crop", 0, "the rule's PDQ threshold for stored crops (default: chosen, or matcher.ItemVariantPDQThreshold)")
	minQ := fs.Int("min-quality", matcher.DefaultMinPDQQuality, "the PDQ quality gate of query and bank hashes")
	maxFalse := fs.Int("max-false", 5, "the most false pairs a chosen rule may have")
	media := fs.Bool("media", true, "also count false pairs with a media bank (each picture with its crops)")
	command := fs.String("command", "", "the command line to print in the report (default: this one)")
	buildCommand := fs.String("build-command", "go run ./bench/negative build --out DIR", "the command that built the negative corpus, for the report")
	corpusCommand := fs.String("corpus-command", "go run ./bench/corpus build --out DIR", "the command that built the evaluation corpus, for the report")
	recallOnly := fs.Bool("recall-only", false, "measure recall on --corpus only, under the rule given (or herken's), and print the table")
	groupsFlag := fs.String("groups", "", "with --recall-only: comma-separated transform groups to keep (repost-frame,crop,...)")
	costOnly := fs.Bool("cost-only", false, "measure only the cost of region finding on --corpus, and print the table")
	costRounds := fs.Int("cost-rounds", 3, "rounds of the cost measurement (0: leave it out)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *costOnly {
		if *corpus == "" {
			return errors.New("--cost-only needs --corpus")
		}
		costs, err := measureCost(ctx, *corpus, max(1, *costRounds))
		if err != nil {
			return err
		}
		writeCost(func(format string, args ...any) { fmt.Printf(format, args...) }, costs)
		return nil
	}
	if *recallOnly {
		return recallOnlyRun(ctx, *corpus, *groupsFlag, *whole, *variant, *crop, *minQ, *media)
	}
	if *neg == "" {
		return errors.New("--negative is required")
	}
	if *whole < 0 || *whole > 64 || *variant < 0 || *variant > 64 || *crop < 0 || *crop > 64 || *minQ < 0 || *minQ > 100 {
		return errors.New("--whole, --variant and --crop must be within 0-64 and --min-quality within 0-100")
	}
	pics, err := negset.ReadManifest(*neg)
	if err != nil {
		return err
	}
	groups, err := negset.ReadGroups(*neg)
	if err != nil {
		return err
	}
	tiles, err := negset.ReadTileGroups(*neg)
	if err != nil {
		return err
	}
	sigs := falsepairs.Signals
	bank, err := matcher.NewHasher(matcher.HasherConfig{Signals: sigs, NoVideo: true, ItemVariants: *media})
	if err != nil {
		return err
	}
	query, err := matcher.NewHasher(matcher.HasherConfig{Signals: sigs, NoVideo: true, Dihedral: true, Regions: true})
	if err != nil {
		return err
	}
	cfg := falsepairs.Config{Bank: falsepairs.BankHasher(bank), Query: falsepairs.FullQuery(query), MinQuality: *minQ}
	for _, p := range pics {
		cfg.Pictures = append(cfg.Pictures, falsepairs.Picture{Name: p.Name(), File: filepath.Join(*neg, p.File),
			Source: p.Package + ":" + p.Path})
	}
	start := time.Now()
	res, err := falsepairs.Run(ctx, cfg)
	if err != nil {
		return err
	}
	negTime := time.Since(start)
	var rec *recall.Result
	var recTime time.Duration
	if *corpus != "" {
		t0 := time.Now()
		if rec, err = recall.Run(ctx, recall.Config{Corpus: *corpus}); err != nil {
			return err
		}
		recTime = time.Since(t0)
	}
	var costs []costResult
	if *corpus != "" && *costRounds > 0 {
		if costs, err = measureCost(ctx, *corpus, *costRounds); err != nil {
			return err
		}
	}
	// The candidate rules, as herken has them (one variant threshold for
	// query variants and stored crops) and with a threshold of their own
	// for stored crops (Rule.Crop), an alternative measured for the lead.
	// The candidate rules: a threshold for the whole picture (the bank's),
	// one for query variants and one for stored crops
	// (matcher.Rule.VariantPDQThreshold, ItemVariantPDQThreshold).
	var grid []decide.Rule
	for _, w := range wholes {
		for _, v := range variants {
			for _, c := range variants {
				if v <= w && c <= w {
					grid = append(grid, decide.Rule{Whole: w, Variant: v, MinQuality: *minQ, Crop: c})
				}
			}
		}
	}
	var mediaPairs []falsepairs.MediaPair
	crops := 0
	if *media {
		if mediaPairs, crops, err = res.MediaPairs(ctx, grid, runtime.GOMAXPROCS(0)); err != nil {
			return err
		}
	}
	counted := map[decide.Rule]int{}
	for i, r := range grid {
		for _, mp := range mediaPairs {
			if mp.Matched[i] {
				counted[r]++
			}
		}
	}
	mediaFalse := func(r decide.Rule) int {
		if r.Crop == 0 {
			r.Crop = r.Variant
		}
		return counted[r]
	}
	rule, why := choose(res, rec, mediaFalse, *whole, *variant, *crop, *minQ, *maxFalse)
	elapsed := time.Since(start)
	cmd := *command
	if cmd == "" {
		cmd = "go run ./bench/identification " + strings.Join(args, " ")
	}
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Identification: the decision rule, its false pairs and its recall\n\n")
	p("Issue 14: herken must name a known item only for a copy of it (item 1), and find the copies as they are re-posted (items 2 and 3). ")
	p("Every unordered pair of the negative corpus is compared through herken's full query path — the whole picture, its seven dihedral variants, and each region found inside it as found and mirrored (matcher.HasherConfig{Dihedral, Regions}, matcher.Queries) — ")
	p("against each picture as a bank holds it (one PDQ hash with its quality, and the 64-bit hashes), both directions, with the rule applied as matcher.Identify applies it (package bench/accuracy/decide, whose test checks it against matcher.Identify). ")
	p("Recall is measured on the evaluation corpus's re-posts and media-bank copies under the same rule.\n\n")
	p("- negative corpus: `%s`\n", *buildCommand)
	if *corpus != "" {
		p("- evaluation corpus: `%s`\n", *corpusCommand)
	}
	p("- report: `%s`\n", cmd)
	p("- %d CPUs (%s/%s); negative corpus hashed and counted in %.0fs", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, negTime.Seconds())
	if rec != nil {
		p(", evaluation corpus hashed in %.0fs", recTime.Seconds())
	}
	p(", %.0fs in all\n\n", elapsed.Seconds())
	p("## The rule\n\n**Whole picture within %d bits, a query variant (dihedral, region as found or mirrored) within %d bits, a stored crop of a known photo within %d bits, PDQ quality ≥ %d on the query and the known side** (matcher.Rule: the bank's threshold, VariantPDQThreshold, ItemVariantPDQThreshold, MinPDQQuality). %s\n\n",
		rule.Whole, min(rule.Whole, rule.Variant), min(rule.Whole, rule.Crop), rule.MinQuality, why)
	if rec != nil {
		writeChoice(p, res, rec, mediaFalse, *minQ, *maxFalse)
		p("\n## Recall under the rule\n\n")
		rec.WriteMarkdown(&b, rule)
		p("\n")
	}
	if costs != nil {
		writeCost(p, costs)
	}
	res.WriteMarkdown(&b, rule)
	if *media {
		writeMedia(p, res, grid, rule, mediaPairs, crops)
	}
	writeCorpus(p, pics, groups, tiles)
	res.WriteListed(&b)
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return err
	}
	k := int64(len(res.RulePairs(rule)))
	fmt.Printf("%d pictures, %d pairs; rule whole<=%d variant<=%d crop<=%d quality>=%d: %d false pairs (rate %.3g, 95%% bound %.3g); report in %s\n",
		len(pics), res.Pairs, rule.Whole, min(rule.Whole, rule.Variant), min(rule.Whole, rule.Crop), *minQ, k, float64(k)/float64(res.Pairs),
		falsepairs.PoissonUpper(k, 0.95)/float64(res.Pairs), *out)
	return nil
}

// writeCorpus describes the negative corpus: pictures per package, tiles
// and whole pictures, and the near-duplicate groups of which one was kept.
func writeCorpus(p func(string, ...any), pics []negset.Picture, groups []negset.GroupRow, tiles []negset.TileRow) {
	type count struct{ sources, tiles, whole int }
	per := map[string]*count{}
	srcs := map[string]bool{}
	for _, x := range pics {
		c := per[x.Package]
		if c == nil {
			c = &count{}
			per[x.Package] = c
		}
		if !srcs[x.Package+x.Path] {
			srcs[x.Package+x.Path] = true
			c.sources++
		}
		if x.Whole {
			c.whole++
		} else {
			c.tiles++
		}
	}
	var names []string
	for k := range per {
		names = append(names, k)
	}
	slices.Sort(names)
	p("## Negative corpus\n\n%d pictures from %d source pictures of %d Debian packages. ", len(pics), len(srcs), len(names))
	p("A source picture whose both sides are at least twice the tile side is cut into non-overlapping square tiles (each a picture of the corpus); a smaller one is kept whole.\n\n")
	p("| package | source pictures | tiles | whole pictures |\n|---|---:|---:|---:|\n")
	for _, k := range names {
		c := per[k]
		p("| %s | %d | %d | %d |\n", k, c.sources, c.tiles, c.whole)
	}
	ng := 0
	if len(groups) > 0 {
		ng = groups[len(groups)-1].Group
	}
	p("\n### Near-duplicate groups\n\n%d groups of source pictures derived from one photograph or design (the same file, the same design by name — sizes, aspect ratios, a theme's screens, stereo eyes — or PDQ distance ≤ the loose threshold under any dihedral variant, of the whole pictures or of their central squares). ", ng)
	p("Only the largest member of each (**kept**) is in the corpus. Links say what joined a member to earlier ones (member:reason:PDQ distance).\n\n")
	p("| group | member | package | path | size | links |\n|---:|---:|---|---|---|---|\n")
	for _, g := range groups {
		name, _, _ := strings.Cut(g.Package, "=")
		path := "`" + g.Path + "`"
		if g.Kept {
			path = "**" + path + "**"
		}
		p("| %d | %d | %s | %s | %dx%d | %s |\n", g.Group, g.Member, name, path, g.Width, g.Height, g.Links)
	}
	p("\n")
	writeTiles(p, tiles)
}

// writeTiles lists the groups of near-duplicate tiles, one line each: the
// source, the tile kept and the tiles dropped with their PDQ links.
func writeTiles(p func(string, ...any), tiles []negset.TileRow) {
	if len(tiles) == 0 {
		return
	}
	type group struct {
		rows []negset.TileRow
	}
	var gs []*group
	for _, t := range tiles {
		if len(gs) == 0 || gs[len(gs)-1].rows[0].Group != t.Group {
			gs = append(gs, &group{})
		}
		g := gs[len(gs)-1]
		g.rows = append(g.rows, t)
	}
	dropped := len(tiles) - len(gs)
	sizes := map[[2]int]int{}
	for _, t := range tiles {
		sizes[[2]int{t.W, t.H}]++
	}
	common, most := [2]int{}, 0
	for s, n := range sizes {
		if n > most || (n == most && s[0] < common[0]) {
			common, most = s, n
		}
	}
	p("\n### Near-duplicate tiles\n\n%d groups of tiles of one source picture within the same loose PDQ threshold under any dihedral variant (a repeating pattern's tiles, a photograph's flat sky): the tile of the highest PDQ quality (**kept**) is in the corpus, the other %d are not. ", len(gs), dropped)
	p("Tiles are named by their top-left corner in the source (all are %d×%d unless said); q is the PDQ quality; links are member:PDQ distance to earlier members.\n\n", common[0], common[1])
	p("| group | source | tiles (x,y q links) |\n|---:|---|---|\n")
	for _, g := range gs {
		name, _, _ := strings.Cut(g.rows[0].Package, "=")
		var parts []string
		for _, t := range g.rows {
			s := fmt.Sprintf("%d,%d q%d", t.X, t.Y, t.Quality)
			if t.W != common[0] || t.H != common[1] {
				s += fmt.Sprintf(" %dx%d", t.W, t.H)
			}
			if t.Links != "" {
				s += " [" + t.Links + "]"
			}
			if t.Kept {
				s = "**" + s + "**"
			}
			parts = append(parts, s)
		}
		p("| %d | %s:`%s` | %s |\n", g.rows[0].Group, name, g.rows[0].Path, strings.Join(parts, "; "))
	}
	p("\n")
}

// wholes and variants are the candidate rules' thresholds.
var (
	wholes   = []int{24, 25, 26, 27, 28, 29, 30, 31}
	variants = []int{8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 31}
)

// choose picks the rule: the thresholds given, or else the candidate rule
// (whole picture, query variants, stored crops) of at most maxFalse false
// pairs on the negative corpus with a PDQ-only bank and with a media bank
// that finds the most re-posts with a PDQ-only bank, then the most crops
// with a media bank, then the most copies of every kind, then has the
// fewest false pairs, then the highest thresholds. Without a recall corpus it keeps today's rule.
func choose(res *falsepairs.Result, rec *recall.Result, mediaFalse func(decide.Rule) int, whole, variant, crop, minQ, maxFalse int) (decide.Rule, string) {
	def := decide.DefaultRule()
	def.MinQuality = minQ
	if whole > 0 || variant > 0 || crop > 0 || rec == nil {
		if whole > 0 {
			def.Whole = whole
		}
		if variant > 0 {
			def.Variant = variant
		}
		if crop > 0 {
			def.Crop = crop
		}
		return def, "Given on the command line (or today's rule: no recall corpus to choose by)."
	}
	type score struct {
		repost, crops, all float64
		false              int
	}
	better := func(a, b score) bool {
		const eps = 1e-12
		switch {
		case a.repost > b.repost+eps:
			return true
		case a.repost < b.repost-eps:
			return false
		case a.crops > b.crops+eps:
			return true
		case a.crops < b.crops-eps:
			return false
		case a.all > b.all+eps:
			return true
		case a.all < b.all-eps:
			return false
		}
		return a.false < b.false
	}
	var best decide.Rule
	bs := score{repost: -1}
	// The highest thresholds first: among rules equal in every count, the
	// one closest to PDQ's reference threshold is kept.
	for _, w := range slices.Backward(wholes) {
		for _, v := range slices.Backward(variants) {
			if v > w || len(res.RulePairs(decide.Rule{Whole: w, Variant: v, MinQuality: minQ})) > maxFalse {
				continue
			}
			for _, c := range slices.Backward(variants) {
				if c > w {
					continue
				}
				r := decide.Rule{Whole: w, Variant: v, MinQuality: minQ, Crop: c}
				f, mf := len(res.RulePairs(r)), mediaFalse(r)
				if mf > maxFalse {
					continue
				}
				repost, _ := rec.RepostRecall(r)
				s := score{repost, rec.GroupRecall(r, true, cropGroups...), rec.AllRecall(r), f + mf}
				if better(s, bs) {
					best, bs = r, s
				}
			}
		}
	}
	if bs.repost < 0 {
		return def, fmt.Sprintf("No candidate rule keeps to %d false pairs; today's rule is reported.", maxFalse)
	}
	return best, fmt.Sprintf("Chosen by measurement: of the candidate rules with at most %d false pairs on the negative corpus, both with a PDQ-only bank and with a media bank (tables below), the one that finds the most re-posted copies with a PDQ-only bank (%.1f%%), then the most crops with a media bank (%.1f%%), then the most copies of every kind with a PDQ-only bank (%.1f%%), then the fewest false pairs (%d in both banks), then the highest thresholds.",
		maxFalse, 100*bs.repost, 100*bs.crops, 100*bs.all, bs.false)
}

// cropGroups are the transform groups of crops (issue 14, item 3).
var cropGroups = []string{"media-crop", "crop"}

// writeChoice tabulates the candidate rules: false pairs with a PDQ-only
// and a media bank, re-post recall with a PDQ-only bank and crop recall
// with a media bank.
func writeChoice(p func(string, ...any), res *falsepairs.Result, rec *recall.Result, mediaFalse func(decide.Rule) int, minQ, maxFalse int) {
	p("Candidate rules, each cell: false pairs on the negative corpus with a PDQ-only bank / with a media bank; share of re-posted copies found with a PDQ-only bank (all re-post families together) / of crops found with a media bank. ")
	p("Rows: the whole picture's threshold; columns: one threshold for query variants and stored crops alike (capped by the row's); the table after it holds them apart. Rules with more than %d false pairs in either bank are out.\n\n| whole \\ variant | ", maxFalse)
	for _, v := range variants {
		p("%d | ", v)
	}
	p("\n|---:|%s\n", strings.Repeat("---|", len(variants)))
	for _, w := range wholes {
		p("| %d | ", w)
		for _, v := range variants {
			if v > w {
				p("| ")
				continue
			}
			r := decide.Rule{Whole: w, Variant: v, MinQuality: minQ}
			all, _ := rec.RepostRecall(r)
			p("%d / %d; %.1f%% / %.1f%% | ", len(res.RulePairs(r)), mediaFalse(r), 100*all, 100*rec.GroupRecall(r, true, cropGroups...))
		}
		p("\n")
	}
	p("\nThe same with a threshold of its own for stored crops (matcher.Rule.ItemVariantPDQThreshold), the whole picture and query variants within 31:\n\n")
	p("| crop threshold | false pairs, media bank | crops found, media bank | watermarks found, media bank | re-posts found, PDQ-only bank |\n|---:|---:|---:|---:|---:|\n")
	for _, c := range variants {
		r := decide.Rule{Whole: 31, Variant: 31, MinQuality: minQ, Crop: c}
		all, _ := rec.RepostRecall(r)
		p("| %d | %d | %.1f%% | %.1f%% | %.1f%% |\n", c, mediaFalse(r), 100*rec.GroupRecall(r, true, cropGroups...),
			100*rec.GroupRecall(r, true, "media-watermark", "overlay"), 100*all)
	}
}

// writeMedia reports the false pairs with a media bank: each picture
// stored with its crops, for the chosen rule and the others of its whole
// threshold, and lists every false pair under the chosen rule.
func writeMedia(p func(string, ...any), res *falsepairs.Result, grid []decide.Rule, rule decide.Rule, pairs []falsepairs.MediaPair, crops int) {
	p("\n## False pairs with a media bank\n\nThe bank holds each picture of the negative corpus with its stored crops (matcher.HasherConfig.ItemVariants: %d crops of PDQ quality ≥ 50, %.0f a picture); ", crops, float64(crops)/float64(max(1, len(res.Pictures))))
	p("every query hash of every picture is looked up among them with index/hamming's multi-index search, and the pairs found are decided exactly (package decide).\n\n")
	p("| rule (whole, variant, crop) | false pairs | rate | 95%% upper bound | per query at 1M (bound) | at 10M (bound) |\n|---|---:|---:|---:|---:|---:|\n")
	n := float64(res.Pairs)
	chosen := slices.Index(grid, rule)
	for ri, r := range grid {
		if r.Whole != rule.Whole || r.Variant != rule.Variant {
			continue
		}
		k := int64(0)
		for _, mp := range pairs {
			if mp.Matched[ri] {
				k++
			}
		}
		up := falsepairs.PoissonUpper(k, 0.95)
		crop := min(r.Whole, r.Crop)
		mark := ""
		if ri == chosen {
			mark = " **(chosen)**"
		}
		p("| %d, %d, %d%s | %d | %.2g | %.2g | %.3g (%.3g) | %.3g (%.3g) |\n", r.Whole, min(r.Whole, r.Variant), crop, mark, k, float64(k)/n, up/n,
			float64(k)/n*1e6, up/n*1e6, float64(k)/n*1e7, up/n*1e7)
	}
	if chosen < 0 {
		return
	}
	var list []falsepairs.MediaPair
	for _, mp := range pairs {
		if mp.Matched[chosen] {
			list = append(list, mp)
		}
	}
	if len(list) > 0 {
		p("\nEvery false pair under the chosen rule:\n\n| # | query picture | known picture | distance | query hash | through |\n|---:|---|---|---:|---|---|\n")
		for i, mp := range list {
			a, b := mp.A, mp.B
			h, hba := res.DecidePair(a, b, rule)
			if !h.Matched || (hba.Matched && hba.Distance < h.Distance) {
				a, b, h = b, a, hba
			}
			through := "its own hash"
			if h.Crop >= 0 {
				through = fmt.Sprintf("stored crop %d", h.Crop)
			}
			p("| %d | `%s` | `%s` | %d | %s | %s |\n", i+1, res.Pictures[a].Name, res.Pictures[b].Name, h.Distance, h.Class, through)
		}
	}
	p("\n")
}

// recallOnlyRun measures recall on the evaluation corpus alone, under the
// rule given (herken's own where a threshold is 0), and prints the table:
// the quick loop for tuning region finding and stored crops, without the
// negative corpus's hour.
func recallOnlyRun(ctx context.Context, corpus, groups string, whole, variant, crop, minQ int, media bool) error {
	if corpus == "" {
		return errors.New("--recall-only needs --corpus")
	}
	cfg := recall.Config{Corpus: corpus, NoMedia: !media}
	if groups != "" {
		cfg.Groups = strings.Split(groups, ",")
	}
	rec, err := recall.Run(ctx, cfg)
	if err != nil {
		return err
	}
	rule := decide.Rule{Whole: 31, Variant: matcher.VariantPDQThreshold, Crop: matcher.ItemVariantPDQThreshold, MinQuality: minQ}
	if whole > 0 {
		rule.Whole = whole
	}
	if variant > 0 {
		rule.Variant = variant
	}
	if crop > 0 {
		rule.Crop = crop
	}
	rec.WriteMarkdown(os.Stdout, rule)
	return nil
}
