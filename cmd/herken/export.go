package main

import (
	"context"
	"fmt"

	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/ingest/importer"
)

const exportUsage = `--bank NAME [--format csv|ndjson|pytx]

Writes the bank's active items to standard output in a format herken
imports: csv and ndjson keep every field (ndjson also videos' frame lists),
pytx is python-threatexchange's dataset CSV (one row per signal, the
categories as art2_7: tags). Retracted items are not exported.`

func runExport(ctx context.Context, args []string, io *stdio) error {
	fs := newFlagSet("export", exportUsage, io)
	data := dataFlag(fs)
	bank := fs.String("bank", "", "bank to export (required)")
	format := fs.String("format", "ndjson", "csv, ndjson or pytx")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *bank == "" || len(rest) > 0 {
		fs.Usage()
		return usagef("export needs --bank and no other argument")
	}
	f, err := hashlist.ParseFormat(*format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	w, err := hashlist.NewWriter(io.out, f)
	if err != nil {
		return usagef("--format: %v", err)
	}
	s, err := openStore(*data)
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := importer.Export(ctx, s.Content(), *bank, w)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.err, "exported %d items of bank %s\n", n, *bank)
	if w.Omitted > 0 {
		fmt.Fprintf(io.err, "%d video items are not in this format: export them with --format ndjson\n", w.Omitted)
	}
	return nil
}
