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

	"github.com/atkm/herken/bench/accuracy/falsepairs"
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
	out := fs.String("out", "bench/REPORT-identification.md", "the markdown report to write")
	rulePDQ := fs.Int("rule-pdq", matcher.PDQ.DefaultThreshold(), "the candidate rule's PDQ threshold")
	minQ := fs.Int("min-quality", matcher.DefaultMinPDQQuality, "the query's PDQ quality gate")
	command := fs.String("command", "", "the command line to print in the report (default: this one)")
	buildCommand := fs.String("build-command", "go run ./bench/negative build --out DIR", "the command that built the corpus, for the report")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *neg == "" {
		return errors.New("--negative is required")
	}
	if *rulePDQ < 0 || *rulePDQ > 256 || *minQ < 0 || *minQ > 100 {
		return errors.New("--rule-pdq must be within 0-256 and --min-quality within 0-100")
	}
	pics, err := negset.ReadManifest(*neg)
	if err != nil {
		return err
	}
	groups, err := negset.ReadGroups(*neg)
	if err != nil {
		return err
	}
	sigs := falsepairs.Signals
	bank, err := matcher.NewHasher(matcher.HasherConfig{Signals: sigs, NoVideo: true})
	if err != nil {
		return err
	}
	query, err := matcher.NewHasher(matcher.HasherConfig{Signals: sigs, NoVideo: true, Dihedral: true})
	if err != nil {
		return err
	}
	cfg := falsepairs.Config{Bank: falsepairs.BankHasher(bank), Query: falsepairs.DihedralQuery(query), MinQuality: *minQ}
	for _, p := range pics {
		cfg.Pictures = append(cfg.Pictures, falsepairs.Picture{Name: p.Name(), File: filepath.Join(*neg, p.File),
			Source: p.Package + ":" + p.Path})
	}
	start := time.Now()
	res, err := falsepairs.Run(ctx, cfg)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	cmd := *command
	if cmd == "" {
		cmd = "go run ./bench/identification " + strings.Join(args, " ")
	}
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Identification: false pairs on the negative corpus\n\n")
	p("Issue 14, item 1: how often herken would name a known item for a picture that is not a copy of it. ")
	p("Every unordered pair of the negative corpus is compared: each picture hashed as a bank holds it (one PDQ hash, pHash, dHash, aHash, by matcher.Hasher) ")
	p("and looked up through every query variant (today the eight PDQ dihedral variants; the 64-bit hashes for the picture as given), both directions.\n\n")
	p("- corpus: `%s`\n- report: `%s`\n", *buildCommand, cmd)
	p("- %d CPUs (%s/%s), hashing and counting took %.0fs\n\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, elapsed.Seconds())
	writeCorpus(p, pics, groups)
	res.WriteMarkdown(&b, falsepairs.Rule{PDQ: *rulePDQ})
	res.WriteListed(&b)
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return err
	}
	k := res.GatedCount(*rulePDQ)
	fmt.Printf("%d pictures, %d pairs; rule pdq<=%d quality>=%d: %d false pairs (rate %.3g, 95%% bound %.3g); report in %s\n",
		len(pics), res.Pairs, *rulePDQ, *minQ, k, float64(k)/float64(res.Pairs),
		falsepairs.PoissonUpper(k, 0.95)/float64(res.Pairs), *out)
	return nil
}

// writeCorpus describes the negative corpus: pictures per package, tiles
// and whole pictures, and the near-duplicate groups of which one was kept.
func writeCorpus(p func(string, ...any), pics []negset.Picture, groups []negset.GroupRow) {
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
}
