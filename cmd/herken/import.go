package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/media"
)

const importUsage = `--bank NAME [--category C] [--type T] [--format csv|ndjson|lines] FILE|DIR...

A FILE is a hash list (CSV, NDJSON or one hash per line; see the README)
or a media file; a DIR is a folder of known media, every file hashed with
all applicable signals. - reads a hash list from standard input.`

// importBatch is how many items are committed in one transaction: an
// interrupted import keeps the batches committed before it, each whole.
const importBatch = 500

// importSummary is what an import did.
type importSummary struct {
	Read     int         `json:"read"`
	Added    int         `json:"added"`
	Present  int         `json:"already_present"`
	Rejected []rejection `json:"rejected"`
	Version  uint64      `json:"index_version"`
}

type rejection struct {
	Source string `json:"source"`
	Line   int    `json:"line,omitempty"`
	Reason string `json:"reason"`
}

func runImport(ctx context.Context, args []string, io *stdio) error {
	fs := newFlagSet("import", importUsage, io)
	data := dataFlag(fs)
	bank := fs.String("bank", "", "bank to import into (required)")
	cats := fs.String("category", "", "categories of items that name none (default: the bank's)")
	typeName := fs.String("type", "", "signal type of bare hash values")
	format := fs.String("format", "", "hash-list format (default: from the file name and first line)")
	asJSON := fs.Bool("json", false, "write the summary as JSON")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "media files hashed in parallel")
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *bank == "" || len(paths) == 0 {
		fs.Usage()
		return usagef("import needs --bank and at least one FILE or DIR")
	}
	opts := hashlist.Options{}
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
	s, err := openStore(*data)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Bank(*bank); err != nil {
		return fmt.Errorf("%w (create it with: herken bank create %s)", err, *bank)
	}

	im := &importer{ctx: ctx, store: s, bank: *bank, by: actor(), cats: opts.Categories, progress: newProgress(io.err)}
	var mediaFiles []string
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			break
		}
		if p == "-" {
			err = im.list("stdin", io.in, forced, opts)
		} else {
			err = im.path(p, forced, opts, &mediaFiles)
		}
		if err != nil {
			return err
		}
	}
	if len(mediaFiles) > 0 && ctx.Err() == nil {
		if err := im.media(mediaFiles, *workers); err != nil {
			return err
		}
	}
	if err := im.flush(); err != nil {
		return err
	}
	im.progress.done()
	sum := im.sum
	sum.Version = s.Version()
	if *asJSON {
		if err := writeJSON(io.out, sum); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(io.out, "read %d, added %d, already present %d, rejected %d (index version %d)\n",
			sum.Read, sum.Added, sum.Present, len(sum.Rejected), sum.Version)
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
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted: the batches committed so far are kept; run the import again to finish it")
	}
	return nil
}

// importer batches items into the store.
type importer struct {
	ctx      context.Context
	store    *index.Store
	bank, by string
	cats     []matcher.Category
	pending  []matcher.Item
	sources  []rejection // where each pending item came from
	sum      importSummary
	progress *progress
}

func (im *importer) path(p string, forced hashlist.Format, opts hashlist.Options, mediaFiles *[]string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() {
		return filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				*mediaFiles = append(*mediaFiles, path)
			}
			return nil
		})
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(media.SniffLen)
	if forced == "" && media.Sniff(head).Kind() != media.File {
		*mediaFiles = append(*mediaFiles, p)
		return nil
	}
	return im.list(p, br, forced, opts)
}

func (im *importer) list(name string, r io.Reader, forced hashlist.Format, opts hashlist.Options) error {
	br := bufio.NewReaderSize(r, 64<<10)
	format := forced
	if format == "" {
		head, _ := br.Peek(4096)
		first := head
		for len(first) > 0 && (first[0] == '\n' || first[0] == '\r' || first[0] == ' ') {
			first = first[1:]
		}
		if i := bytes.IndexByte(first, '\n'); i >= 0 {
			first = first[:i]
		}
		format = hashlist.Detect(name, first)
	}
	err := hashlist.Read(br, format, opts, func(rec hashlist.Record) error {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		im.sum.Read++
		if rec.Err != nil {
			im.sum.Rejected = append(im.sum.Rejected, rejection{Source: name, Line: rec.Line, Reason: rec.Err.Error()})
			return nil
		}
		return im.add(rec.Item, rejection{Source: name, Line: rec.Line})
	})
	if err != nil && im.ctx.Err() == nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// media hashes known media files in parallel, one item per file.
func (im *importer) media(files []string, workers int) error {
	h, err := matcher.NewHasher(matcher.HasherConfig{})
	if err != nil {
		return err
	}
	type hashed struct {
		path string
		hs   *matcher.Hashes
		err  error
	}
	return orderedMap(im.ctx, files, max(workers, 1), func(path string) hashed {
		f, err := os.Open(path)
		if err != nil {
			return hashed{path: path, err: err}
		}
		defer f.Close()
		hs, err := h.Hash(f)
		return hashed{path: path, hs: hs, err: err}
	}, func(r hashed) error {
		im.sum.Read++
		if r.err != nil {
			im.sum.Rejected = append(im.sum.Rejected, rejection{Source: r.path, Reason: r.err.Error()})
			return nil
		}
		if r.hs.Size == 0 {
			im.sum.Rejected = append(im.sum.Rejected, rejection{Source: r.path, Reason: "empty file"})
			return nil
		}
		it := matcher.Item{Signals: r.hs.Signals, Label: filepath.Base(r.path), Categories: im.cats}
		if _, ok := r.hs.Signal(matcher.PDQ); ok {
			q := r.hs.PDQQuality
			it.PDQQuality = &q
		}
		if r.hs.PhotoErr != nil {
			// The digests still identify exact copies; say what is missing.
			im.sum.Rejected = append(im.sum.Rejected, rejection{Source: r.path,
				Reason: "added with its digests only: " + r.hs.PhotoErr.Error()})
		}
		return im.add(it, rejection{Source: r.path})
	})
}

func (im *importer) add(it matcher.Item, src rejection) error {
	it.Bank, it.AddedBy = im.bank, im.by
	im.pending = append(im.pending, it)
	im.sources = append(im.sources, src)
	if len(im.pending) >= importBatch {
		return im.flush()
	}
	return nil
}

// flush commits the pending items in one transaction.
func (im *importer) flush() error {
	if len(im.pending) == 0 {
		return nil
	}
	out, _, err := im.store.AddItems(im.pending)
	if err != nil {
		return err
	}
	for i, o := range out {
		switch {
		case o.Added:
			im.sum.Added++
		case o.Err != nil:
			r := im.sources[i]
			r.Reason = o.Err.Error()
			im.sum.Rejected = append(im.sum.Rejected, r)
		default:
			im.sum.Present++
		}
	}
	im.pending, im.sources = im.pending[:0], im.sources[:0]
	im.progress.show(im.sum)
	return nil
}
