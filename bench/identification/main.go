// Command identification measures how often herken would name a known item
// for a picture that is not a copy of it (issue 14, item 1): every pair of
// the negative corpus (built by go run ./bench/negative) is compared, each
// picture hashed as a bank holds it and looked up through every query
// variant, and the report gives the per-pair false-match rate per signal,
// the false pairs of a candidate decision rule with their 95% bound, and
// the false identifications to expect per query at banks of 1M and 10M.
//
//	go run -tags turbojpeg ./bench/identification --negative DIR --out bench/REPORT-identification.md
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
	variant := fs.Int("variant", 0, "the rule's PDQ threshold for query variants and stored crops (default: chosen, or matcher.VariantPDQThreshold)")
	minQ := fs.Int("min-quality", matcher.DefaultMinPDQQuality, "the PDQ quality gate of query and bank hashes")
	maxFalse := fs.Int("max-false", 5, "the most false pairs a chosen rule may have")
	media := fs.Bool("media", true, "also count false pairs with a media bank (each picture with its crops)")
	command := fs.String("command", "", "the command line to print in the report (default: this one)")
	buildCommand := fs.String("build-command", "go run ./bench/negative build --out DIR", "the command that built the negative corpus, for the report")
	corpusCommand := fs.String("corpus-command", "go run ./bench/corpus build --out DIR", "the command that built the evaluation corpus, for the report")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *neg == "" {
		return errors.New("--negative is required")
	}
	if *whole < 0 || *whole > 64 || *variant < 0 || *variant > 64 || *minQ < 0 || *minQ > 100 {
		return errors.New("--whole and --variant must be within 0-64 and --min-quality within 0-100")
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
	rule, why := choose(res, rec, *whole, *variant, *minQ, *maxFalse)
	var mediaRules []decide.Rule
	var mediaPairs []falsepairs.MediaPair
	crops := 0
	if *media {
		for _, v := range []int{rule.Variant, 8, 12, 16, 20, 24, 31} {
			r := decide.Rule{Whole: rule.Whole, Variant: v, MinQuality: *minQ}
			if !slices.Contains(mediaRules, r) {
				mediaRules = append(mediaRules, r)
			}
		}
		if mediaPairs, crops, err = res.MediaPairs(ctx, mediaRules, runtime.GOMAXPROCS(0)); err != nil {
			return err
		}
	}
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
	p("## The rule\n\n**Whole picture within %d bits, a query variant (dihedral, region as found or mirrored) or a stored crop within %d bits, PDQ quality ≥ %d on the query and the known side.** %s\n\n",
		rule.Whole, min(rule.Whole, rule.Variant), rule.MinQuality, why)
	if rec != nil {
		writeChoice(p, res, rec, *minQ, *maxFalse)
		p("\n## Recall under the rule\n\n")
		rec.WriteMarkdown(&b, rule)
		p("\n")
	}
	res.WriteMarkdown(&b, rule)
	if *media {
		writeMedia(p, res, mediaRules, mediaPairs, crops)
	}
	writeCorpus(p, pics, groups, tiles)
	res.WriteListed(&b)
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return err
	}
	k := int64(len(res.RulePairs(rule)))
	fmt.Printf("%d pictures, %d pairs; rule whole<=%d variant<=%d quality>=%d: %d false pairs (rate %.3g, 95%% bound %.3g); report in %s\n",
		len(pics), res.Pairs, rule.Whole, min(rule.Whole, rule.Variant), *minQ, k, float64(k)/float64(res.Pairs),
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
// of at most maxFalse false pairs on the negative corpus that finds the
// most re-posts with a PDQ-only bank (then the fewest false pairs, then
// the lower thresholds). Without a recall corpus it keeps today's rule.
func choose(res *falsepairs.Result, rec *recall.Result, whole, variant, minQ, maxFalse int) (decide.Rule, string) {
	def := decide.DefaultRule()
	def.MinQuality = minQ
	if whole > 0 || variant > 0 || rec == nil {
		if whole > 0 {
			def.Whole = whole
		}
		if variant > 0 {
			def.Variant = variant
		}
		return def, "Given on the command line (or today's rule: no recall corpus to choose by)."
	}
	best, bestRecall, bestFalse := decide.Rule{}, -1.0, 0
	for _, w := range wholes {
		for _, v := range variants {
			if v > w {
				continue
			}
			r := decide.Rule{Whole: w, Variant: v, MinQuality: minQ}
			f := len(res.RulePairs(r))
			if f > maxFalse {
				continue
			}
			all, _ := rec.RepostRecall(r)
			if all > bestRecall+1e-12 || (all > bestRecall-1e-12 && f < bestFalse) {
				best, bestRecall, bestFalse = r, all, f
			}
		}
	}
	if bestRecall < 0 {
		return def, fmt.Sprintf("No candidate rule keeps to %d false pairs; today's rule is reported.", maxFalse)
	}
	return best, fmt.Sprintf("Chosen by measurement: of the candidate rules with at most %d false pairs on the negative corpus (below), the one that finds the most re-posted copies with a PDQ-only bank (%.1f%%), then the fewest false pairs (%d), then the lowest thresholds.",
		maxFalse, 100*bestRecall, bestFalse)
}

// writeChoice tabulates the candidate rules: false pairs and re-post
// recall with a PDQ-only bank.
func writeChoice(p func(string, ...any), res *falsepairs.Result, rec *recall.Result, minQ, maxFalse int) {
	p("Candidate rules: false pairs on the negative corpus / share of re-posted copies found with a PDQ-only bank (all re-post families together; the worst family in brackets). ")
	p("Rows: the whole picture's threshold; columns: the variant threshold (capped by the row's). Rules with more than %d false pairs are out.\n\n| whole \\ variant | ", maxFalse)
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
			all, worst := rec.RepostRecall(r)
			p("%d / %.1f%% (%.0f%%) | ", len(res.RulePairs(r)), 100*all, 100*worst)
		}
		p("\n")
	}
}

// writeMedia reports the false pairs with a media bank: each picture
// stored with its crops.
func writeMedia(p func(string, ...any), res *falsepairs.Result, rules []decide.Rule, pairs []falsepairs.MediaPair, crops int) {
	p("\n## False pairs with a media bank\n\nThe bank holds each picture of the negative corpus with its stored crops (matcher.HasherConfig.ItemVariants: %d crops, %.0f a picture); ", crops, float64(crops)/float64(max(1, len(res.Pictures))))
	p("every query hash of every picture is looked up among them with index/hamming's multi-index search, and the pairs found are decided exactly (package decide).\n\n")
	p("| rule (whole, variant/crop) | false pairs | rate | 95%% upper bound | per query at 1M (bound) |\n|---|---:|---:|---:|---:|\n")
	n := float64(res.Pairs)
	for ri, r := range rules {
		k := int64(0)
		for _, mp := range pairs {
			if mp.Matched[ri] {
				k++
			}
		}
		up := falsepairs.PoissonUpper(k, 0.95)
		p("| %d, %d | %d | %.2g | %.2g | %.3g (%.3g) |\n", r.Whole, min(r.Whole, r.Variant), k, float64(k)/n, up/n, float64(k)/n*1e6, up/n*1e6)
	}
	var chosen []falsepairs.MediaPair
	for _, mp := range pairs {
		if mp.Matched[0] {
			chosen = append(chosen, mp)
		}
	}
	if len(chosen) > 0 {
		p("\nEvery false pair under the rule (%d, %d):\n\n| # | query picture | known picture | distance | query hash | through |\n|---:|---|---|---:|---|---|\n", rules[0].Whole, min(rules[0].Whole, rules[0].Variant))
		for i, mp := range chosen {
			a, b := mp.A, mp.B
			if !mp.AB {
				a, b = b, a
			}
			through := "its own hash"
			if mp.Hit.Crop >= 0 {
				through = fmt.Sprintf("stored crop %d", mp.Hit.Crop)
			}
			p("| %d | `%s` | `%s` | %d | %s | %s |\n", i+1, res.Pictures[a].Name, res.Pictures[b].Name, mp.Hit.Distance, mp.Hit.Class, through)
		}
	}
	p("\n")
}
