package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/ingest/importer"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/media"
)

const importUsage = `--bank NAME [--category C] [--type T] [--format csv|ndjson|lines|vpdq|pytx|tcap]
  [--source NAME] [--category-map LABEL:CATEGORIES]... FILE|DIR...

A FILE is a hash list (CSV, NDJSON, one hash per line, or a video's vPDQ
frame hashes, python-threatexchange's dataset CSV, TCAP's hash-list JSON;
see the README) or a media file; a DIR is a folder of known
media, every file hashed with all applicable signals (videos: vPDQ too).
- reads a hash list from standard input.`

func runImport(ctx context.Context, args []string, io *stdio) error {
	fs := newFlagSet("import", importUsage, io)
	data := dataFlag(fs)
	bank := fs.String("bank", "", "bank to import into (required)")
	cats := fs.String("category", "", "categories of items that name none (default: the bank's)")
	typeName := fs.String("type", "", "signal type of bare hash values")
	format := fs.String("format", "", "hash-list format (default: from the file name and first line)")
	asJSON := fs.Bool("json", false, "write the summary as JSON")
	source := fs.String("source", "", "the partner's name in the items' provenance (default: the format's)")
	catMap := categoryMap{}
	fs.Var(catMap, "category-map", "`LABEL:CATEGORIES` gives items without categories of their own whose provenance\nhas LABEL (e.g. ideology=far-right:threat,incitement); repeatable")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "media files hashed in parallel")
	clusterURLs := clusterFlag(fs)
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *bank == "" || len(paths) == 0 {
		fs.Usage()
		return usagef("import needs --bank and at least one FILE or DIR")
	}
	opts := hashlist.Options{Source: *source, CategoryMap: catMap}
	if opts.Categories, err = matcher.ParseCategories(*cats); err != nil {
		return usagef("--category: %v", err)
	}
	if *typeName != "" {
		if opts.Type, err = matcher.ParseSignalType(*typeName); err != nil {
			return usagef("--type: %v", err)
		}
	}
	var forced hashlist.Format
	if *format != "" {
		if forced, err = hashlist.ParseFormat(*format); err != nil {
			return usagef("--format: %v", err)
		}
	}
	var store importer.Store
	var ci *clusterImport
	if *clusterURLs != "" {
		if ci, err = newClusterImport(ctx, *clusterURLs); err != nil {
			return err
		}
		defer ci.cl.Close()
		store = ci
	} else {
		s, err := openForImport(*data)
		if err != nil {
			return err
		}
		defer s.Close()
		store = s.Content()
	}
	im, err := importer.New(store, *bank, actor())
	if err != nil {
		return fmt.Errorf("%w (create it with: herken bank create %s)", err, *bank)
	}
	im.Options, im.Format = opts, forced
	prog := newProgress(io.err)
	im.Progress = prog.show

	err = importPaths(ctx, im, paths, forced, *workers, io)
	if ferr := im.Flush(); err == nil {
		err = ferr
	}
	prog.done()
	sum := im.Summary()
	if err != nil && ctx.Err() == nil {
		// Say exactly what the store holds of this import: the batches
		// before the failure are kept.
		if ci != nil {
			return fmt.Errorf("%w (stored before the failure: %d items in %d changes, up to sequence %d; not stored: %d; rejected: %d; running the import again finishes it)",
				err, ci.items, ci.changes, ci.seq, sum.NotStored, len(sum.Rejected))
		}
		return fmt.Errorf("%w (stored before the failure: %d added, %d already present; not stored: %d; rejected: %d; running the import again finishes it)",
			err, sum.Added, sum.Present, sum.NotStored, len(sum.Rejected))
	}
	if ci != nil {
		if err := ci.report(io, sum, *asJSON); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: the changes acknowledged so far are kept; run the import again to finish it")
		}
		if ci.items == 0 {
			return fmt.Errorf("nothing was sent: %d inputs read, %d rejected", sum.Read, len(sum.Rejected))
		}
		return nil
	}
	if *asJSON {
		if err := writeJSON(io.out, sum); err != nil {
			return err
		}
	} else {
		printSummary(io, sum)
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted: the batches committed so far are kept; run the import again to finish it")
	case sum.Added+sum.Present > 0:
		return nil
	case sum.Read == 0:
		return errors.New("nothing was imported: the input holds no hash and no file")
	}
	return fmt.Errorf("nothing was imported: all %d inputs were rejected (the index is unchanged)", sum.Read)
}

// importPaths imports hash lists as they come and media files (and
// folders of them) together at the end, hashed in parallel.
func importPaths(ctx context.Context, im *importer.Importer, paths []string, forced hashlist.Format, workers int, io *stdio) error {
	var mediaFiles []string
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == "-" {
			if err := im.List(ctx, "stdin", io.in); err != nil {
				return err
			}
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		if st.IsDir() {
			files, err := im.Folder(p)
			if err != nil {
				return err
			}
			mediaFiles = append(mediaFiles, files...)
			continue
		}
		isMedia, err := importFile(ctx, im, p, forced)
		if err != nil {
			return err
		}
		if isMedia {
			mediaFiles = append(mediaFiles, p)
		}
	}
	if len(mediaFiles) == 0 {
		return nil
	}
	return im.Media(ctx, mediaFiles, workers)
}

// importFile imports a hash list, or reports that the file is media.
func importFile(ctx context.Context, im *importer.Importer, path string, forced hashlist.Format) (isMedia bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(media.SniffLen)
	if forced == "" && importer.IsMedia(head) {
		return true, nil
	}
	return false, im.List(ctx, path, br)
}

func printSummary(io *stdio, sum importer.Summary) {
	fmt.Fprintf(io.out, "read %d, added %d, already present %d, rejected %d (index version %d)\n",
		sum.Read, sum.Added, sum.Present, len(sum.Rejected), sum.Version)
	if sum.Withdrawn+sum.WithdrawnUnknown > 0 {
		fmt.Fprintf(io.out, "withdrawn by the source: %d retracted, %d not held\n", sum.Withdrawn, sum.WithdrawnUnknown)
	}
	if sum.Checkpoint != "" {
		fmt.Fprintf(io.out, "checkpoint %s (next page: %s)\n", sum.Checkpoint, cmp.Or(sum.Next, "none, the list is complete"))
	}
	for i, r := range sum.Rejected {
		if i == 50 {
			fmt.Fprintf(io.out, "... and %d more (use --json for all)\n", len(sum.Rejected)-50)
			break
		}
		if r.Line > 0 {
			fmt.Fprintf(io.out, "rejected %s line %d: %s\n", r.Source, r.Line, r.Reason)
		} else {
			fmt.Fprintf(io.out, "rejected %s: %s\n", r.Source, r.Reason)
		}
	}
}

// categoryMap is the repeatable --category-map flag: "LABEL:CATEGORIES",
// split at the last colon (a label may hold colons, categories do not).
type categoryMap map[string][]matcher.Category

func (m categoryMap) String() string { return "" }

func (m categoryMap) Set(v string) error {
	i := strings.LastIndexByte(v, ':')
	if i <= 0 {
		return fmt.Errorf("want LABEL:CATEGORIES, e.g. ideology=far-right:threat")
	}
	cats, err := matcher.ParseCategories(v[i+1:])
	if err != nil {
		return err
	}
	if len(cats) == 0 {
		return fmt.Errorf("%q maps to no category", v[:i])
	}
	m[v[:i]] = append(m[v[:i]], cats...)
	return nil
}
