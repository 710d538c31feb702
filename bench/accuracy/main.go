// Command accuracy runs herken's accuracy evaluation on a corpus made by
// bench/corpus and writes REPORT-accuracy.md and its plots:
//
//	go run -tags turbojpeg ./bench/accuracy --corpus DIR --out bench/
//
// writes bench/REPORT-accuracy.md and bench/plots/accuracy-*.png. See
// package evaluation for what is measured.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/atkm/herken/bench/accuracy/decide"
	"github.com/atkm/herken/bench/accuracy/evaluation"
	"github.com/atkm/herken/bench/accuracy/recall"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/media"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "accuracy:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("accuracy", flag.ContinueOnError)
	corpus := fs.String("corpus", "", "the corpus folder (go run ./bench/corpus build --out DIR)")
	out := fs.String("out", "bench", "folder for REPORT-accuracy.md; plots go to its plots/")
	kind := fs.String("corpus-kind", "", "how the corpus was built, for the report (default: from MANIFEST.tsv)")
	buildCmd := fs.String("corpus-command", "", "the command that built the corpus, for the report")
	at := fs.String("at", "", "candidate thresholds to tabulate too, e.g. phash=6,dhash=6,ahash=4")
	workers := fs.Int("workers", 0, "hashing goroutines (default GOMAXPROCS)")
	noRule := fs.Bool("no-rule", false, "leave out recall under the decision rule (PDQ-only and media bank)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *corpus == "" {
		return errors.New("--corpus is required")
	}
	cands, err := parseCandidates(*at)
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := evaluation.Run(ctx, evaluation.Config{Corpus: *corpus, Workers: *workers})
	if err != nil {
		return err
	}
	if err := res.WritePlots(filepath.Join(*out, "plots")); err != nil {
		return err
	}
	if *kind == "" {
		*kind = "Debian packages"
		for _, o := range res.Originals {
			if o.Package == "threatexchange" || o.Package == "local" {
				*kind = "committed fixtures or a local folder"
			}
		}
	}
	cmds := []string{}
	if *buildCmd != "" {
		cmds = append(cmds, *buildCmd)
	}
	tags := ""
	if strings.HasPrefix(media.JPEGDecoder(), "libjpeg-turbo") {
		tags = "-tags turbojpeg "
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = a
		if strings.ContainsAny(a, " '\"$") {
			quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	cmds = append(cmds, "go run "+tags+"./bench/accuracy "+strings.Join(quoted, " "))
	rep := evaluation.Report{Commands: cmds, CorpusKind: *kind, Machine: evaluation.ThisMachine(),
		Took: time.Since(start), PlotsRelDir: "plots", Candidates: cands}
	f, err := os.Create(filepath.Join(*out, "REPORT-accuracy.md"))
	if err != nil {
		return err
	}
	if err := res.WriteReport(f, rep); err != nil {
		f.Close()
		return err
	}
	if !*noRule {
		// Recall as herken decides: the full query path against a
		// PDQ-only bank and a media bank, under today's rule.
		rec, err := recall.Run(ctx, recall.Config{Corpus: *corpus, Workers: *workers})
		if err != nil {
			f.Close()
			return err
		}
		fmt.Fprintf(f, "\n## Identification under the decision rule\n\n")
		fmt.Fprintf(f, "Each copy hashed as a match hashes it (the whole picture, its dihedral variants, the regions found inside it as found and mirrored) and decided as matcher.Identify decides (package bench/accuracy/decide) against a bank of the originals' PDQ hashes only, and against a media bank (each original with its stored crops). The rule is chosen in bench/REPORT-identification.md.\n\n")
		rec.WriteMarkdown(f, decide.DefaultRule())
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d originals, %d derived: %s written in %.1fs\n", len(res.Originals), len(res.Derived),
		filepath.Join(*out, "REPORT-accuracy.md"), time.Since(start).Seconds())
	return nil
}

// parseCandidates parses "type=threshold,...".
func parseCandidates(s string) (map[matcher.SignalType]int, error) {
	out := map[matcher.SignalType]int{}
	for _, f := range strings.Split(s, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		name, v, ok := strings.Cut(f, "=")
		t, err := matcher.ParseSignalType(name)
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 || n > t.Bits() {
			return nil, fmt.Errorf("--at: %q is not type=threshold", f)
		}
		out[t] = n
	}
	return out, nil
}
