// Command negative builds herken's negative corpus, the pictures from which
// the false-pair rate of a decision rule is measured (issue 14, item 1).
//
//	go run ./bench/negative build --out DIR                  # Debian packages (apt-get download, dpkg -x; nothing installed)
//	go run ./bench/negative build --out DIR --from PICS      # offline: a local folder
//
// The folder gets pictures/, NEGATIVE.tsv (each picture's package, path,
// tile rectangle and SHA-256) and GROUPS.tsv (the near-duplicate groups of
// which one member was kept); see package negset. The same packages give
// the same bytes.
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
	"github.com/atkm/herken/bench/negative/negset"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "negative:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "build" {
		return errors.New("usage: negative build --out DIR [--packages P,...|--from DIR] [--tile N] [--group-pdq D] [--tile-pdq D]")
	}
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	out := fs.String("out", "", "the corpus folder to create")
	pkgs := fs.String("packages", strings.Join(negset.DefaultPackages, ","),
		"Debian packages to take pictures from; PKG or PKG:/installed/prefix")
	from := fs.String("from", "", "use the pictures below this folder instead (offline)")
	tile := fs.Int("tile", 224, "side of the square tiles large pictures are cut into")
	groupPDQ := fs.Int("group-pdq", 80, "PDQ distance (any dihedral variant) at or below which two pictures are one")
	tilePDQ := fs.Int("tile-pdq", 0, "the same for two tiles of one source picture (default: --group-pdq; -1: tiles are not grouped)")
	work := fs.String("work", "", "folder for downloads (default: a temporary folder, removed afterwards)")
	verbose := fs.Bool("v", false, "log every skipped file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	if *tile < 32 || *groupPDQ < 0 || *groupPDQ > 128 {
		return errors.New("--tile must be at least 32 and --group-pdq within 0-128")
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	start := time.Now()
	var sources []builder.Source
	if *from != "" {
		sources = []builder.Source{builder.DirSource(*from)}
	} else {
		dir := *work
		if dir == "" {
			tmp, err := os.MkdirTemp("", "herken-negative-")
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
	}
	sum, err := negset.Build(ctx, negset.Config{Out: *out, Sources: sources, Tile: *tile, GroupPDQ: *groupPDQ, TilePDQ: *tilePDQ, Log: log})
	if err != nil {
		return err
	}
	groups, dropped := 0, 0
	for _, g := range sum.Groups {
		if len(g.Members) > 1 {
			groups++
			dropped += len(g.Members) - 1
		}
	}
	tiles := 0
	for _, g := range sum.TileGroups {
		tiles += len(g.Members) - 1
	}
	n := len(sum.Pictures)
	fmt.Fprintf(stdout, "%d pictures (%d unordered pairs) from %d packages in %s, %.1fs\n",
		n, int64(n)*int64(n-1)/2, len(sum.Packages), *out, time.Since(start).Seconds())
	fmt.Fprintf(stdout, "%d source pictures (%d files skipped); %d near-duplicate groups, %d pictures dropped from them; %d kept\n",
		sum.Candidates, sum.Skipped, groups, dropped, len(sum.Groups))
	fmt.Fprintf(stdout, "%d groups of near-duplicate tiles of one source, %d tiles dropped from them\n", len(sum.TileGroups), tiles)
	fmt.Fprintf(stdout, "packages: %s\n", strings.Join(sum.Packages, " "))
	return nil
}
