// Command corpus builds herken's evaluation corpus for the accuracy
// evaluation (go run ./bench/accuracy).
//
//	go run ./bench/corpus build --out DIR                 # Debian packages (apt-get download, dpkg -x; nothing installed)
//	go run ./bench/corpus build --out DIR --packages mate-backgrounds,opencv-doc:/usr/share/doc/opencv-doc/examples
//	go run ./bench/corpus build --out DIR --fixtures      # offline: the photos committed under fixtures/pdq
//	go run ./bench/corpus build --out DIR --from PICS     # offline: a local folder
//
// The folder gets originals/, derived/<transform>/, MANIFEST.tsv and
// DERIVED.tsv; see package builder. The same sources and seed give the same
// bytes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/atkm/herken/bench/corpus/builder"
	"github.com/atkm/herken/bench/corpus/transform"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "build" {
		return errors.New("usage: corpus build --out DIR [--packages P,...|--fixtures|--from DIR] [--max N] [--seed S]")
	}
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	out := fs.String("out", "", "the corpus folder to create")
	pkgs := fs.String("packages", strings.Join(builder.DefaultPackages, ","),
		"Debian packages to take photos from; PKG or PKG:/installed/prefix")
	useFixtures := fs.Bool("fixtures", false, "use the photos committed under fixtures/pdq instead (offline)")
	from := fs.String("from", "", "use the JPEG and PNG files below this folder instead (offline)")
	maxN := fs.Int("max", 0, "keep at most N originals (0: all)")
	minSide := fs.Int("min-side", 300, "drop pictures with a shorter side below this")
	maxSide := fs.Int("max-side", 1024, "shrink pictures with a longer side above this")
	minLevels := fs.Int("min-levels", 64, "drop pictures with fewer distinct grey levels (not photographs)")
	seed := fs.Uint64("seed", transform.DefaultSeed, "seed of the transforms' PCG generator")
	work := fs.String("work", "", "folder for downloads (default: a temporary folder, removed afterwards)")
	verbose := fs.Bool("v", false, "log every skipped file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	start := time.Now()
	var sources []builder.Source
	switch {
	case *useFixtures:
		sources = builder.FixtureSources()
	case *from != "":
		sources = []builder.Source{builder.DirSource(*from)}
	default:
		dir := *work
		if dir == "" {
			tmp, err := os.MkdirTemp("", "herken-corpus-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			dir = tmp
		}
		var err error
		if sources, err = builder.FetchDebian(ctx, strings.Split(*pkgs, ","), dir); err != nil {
			return err
		}
		for _, s := range sources {
			log.Info("unpacked", "package", s.Package)
		}
	}
	sum, err := builder.Build(ctx, builder.Config{Out: *out, Sources: sources, Max: *maxN,
		MinSide: *minSide, MaxSide: *maxSide, MinLevels: *minLevels, Seed: *seed, Log: log})
	if err != nil {
		return err
	}
	md, dd, err := builder.Digest(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d originals, %d derived copies (%d candidates skipped) in %s, %.1fs\n",
		len(sum.Originals), len(sum.Derived), sum.Skipped, *out, time.Since(start).Seconds())
	fmt.Fprintf(stdout, "MANIFEST.tsv sha256 %s\nDERIVED.tsv  sha256 %s\n", md, dd)
	return nil
}
