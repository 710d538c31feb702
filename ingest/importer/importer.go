// Package importer adds known items to a bank from hash lists and from
// folders of known media, in batches, and reports what it did. The command
// line (herken import) and the service's import endpoint share it.
//
// An Importer is not safe for concurrent use; use one per import.
package importer

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/ingest/parallel"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/media"
)

// Batch is how many items are committed in one transaction at most: an
// interrupted import keeps the batches committed before it, each whole.
// Fewer, larger commits cost a bulk import less (one fsync each).
const Batch = 2000

// BatchSignals bounds the signals of one batch: items with many (a
// video's frame hashes) end a batch early, so that a transaction stays
// well under Badger's limit on its size.
const BatchSignals = 16384

// Summary is what an import did.
type Summary struct {
	Read     int         `json:"read"`
	Added    int         `json:"added"`
	Present  int         `json:"already_present"`
	Rejected []Rejection `json:"rejected"`
	// Withdrawn counts the items retracted because their source withdrew
	// them; WithdrawnUnknown the withdrawals of entries the bank holds
	// no active item for (never added since, nor before).
	Withdrawn        int `json:"withdrawn"`
	WithdrawnUnknown int `json:"withdrawn_unknown"`
	// Checkpoint is the last checkpoint a paged export reported (TCAP's
	// "checkpoint"), from which a later fetch resumes; Next is the page
	// it announced after it, empty after the last page.
	Checkpoint string `json:"checkpoint,omitempty"`
	Next       string `json:"next,omitempty"`
	Version    uint64 `json:"index_version"`
}

// Rejection names a line or file that was not imported (or imported only
// in part), and why.
type Rejection struct {
	Source string `json:"source"`
	Line   int    `json:"line,omitempty"`
	Reason string `json:"reason"`
}

// Importer imports into one bank.
type Importer struct {
	store    Store
	bank, by string
	// Options apply to hash lists; Options.Categories also to media.
	Options hashlist.Options
	// Format forces a hash-list format; empty detects it.
	Format hashlist.Format
	// Progress, if set, is called after every committed batch.
	Progress func(Summary)

	pending []matcher.Item
	sources []Rejection
	signals int // in pending
	sum     Summary
}

// Store is where an import adds its items: the index itself on a single
// node, the cluster's writer on a replica or in the admin CLI.
type Store interface {
	Bank(name string) (matcher.Bank, error)
	AddItems([]matcher.Item) ([]index.Outcome, uint64, error)
	Version() uint64
	// Retract and View are used by withdrawals only.
	Retract(id uint64, reason, by string) (matcher.Item, error)
	View(fn func(known.State) error) error
}

// New returns an importer into bank, recording by as who added the items.
func New(store Store, bank, by string) (*Importer, error) {
	if _, err := store.Bank(bank); err != nil {
		return nil, err
	}
	return &Importer{store: store, bank: bank, by: by, sum: Summary{Rejected: []Rejection{}}}, nil
}

// List imports a hash list read from r; name is used in rejections and to
// detect the format.
func (im *Importer) List(ctx context.Context, name string, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	format := im.Format
	if format == "" {
		head, _ := br.Peek(4096)
		format = hashlist.DetectHead(name, bytes.TrimLeft(head, " \t\r\n"))
	}
	err := hashlist.Read(br, format, im.Options, func(rec hashlist.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if rec.Page != nil {
			// Items before the checkpoint are committed before it is
			// reported, so a sync that stores it never skips one.
			if err := im.Flush(); err != nil {
				return err
			}
			im.sum.Checkpoint, im.sum.Next = rec.Page.Checkpoint, rec.Page.Next
			return nil
		}
		im.sum.Read++
		if rec.Err != nil {
			im.reject(Rejection{Source: name, Line: rec.Line, Reason: rec.Err.Error()})
			return nil
		}
		if rec.Withdrawn != nil {
			return im.Withdraw(rec.Item.Signals, *rec.Withdrawn)
		}
		return im.add(rec.Item, Rejection{Source: name, Line: rec.Line})
	})
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return ctx.Err()
}

// IsMedia reports whether the start of a file shows a photo or a video.
func IsMedia(head []byte) bool { return media.Sniff(head).Kind() != media.File }

// Media hashes known media files with every applicable signal, workers at
// a time, and adds one item per file, labelled with its name. Files are
// read, never kept.
func (im *Importer) Media(ctx context.Context, files []string, workers int) error {
	h, err := matcher.NewHasher(matcher.HasherConfig{ItemVariants: true})
	if err != nil {
		return err
	}
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	type hashed struct {
		path string
		hs   *matcher.Hashes
		err  error
	}
	return parallel.OrderedMap(ctx, files, workers, func(path string) hashed {
		hs, err := hashFile(h, path)
		return hashed{path, hs, err}
	}, func(r hashed) error {
		im.sum.Read++
		return im.addMedia(r.path, r.hs, r.err)
	})
}

func hashFile(h *matcher.Hasher, path string) (*matcher.Hashes, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return h.Hash(context.Background(), f)
}

func (im *Importer) addMedia(path string, hs *matcher.Hashes, err error) error {
	if err != nil {
		im.reject(Rejection{Source: path, Reason: err.Error()})
		return nil
	}
	it, notes, err := hs.KnownItem()
	if err != nil {
		im.reject(Rejection{Source: path, Reason: "empty file"}) // the only refusal
		return nil
	}
	it.Label, it.Categories = filepath.Base(path), im.Options.Categories
	for _, note := range notes {
		// The digests still identify exact copies; say what is missing.
		im.reject(Rejection{Source: path, Reason: note})
	}
	return im.add(it, Rejection{Source: path})
}

// Skip records an input that was not read (a file a folder import left
// out), and why, so that nothing is left out without a word.
func (im *Importer) Skip(source, reason string) {
	im.sum.Read++
	im.reject(Rejection{Source: source, Reason: reason})
}

func (im *Importer) reject(r Rejection) { im.sum.Rejected = append(im.sum.Rejected, r) }

func (im *Importer) add(it matcher.Item, src Rejection) error {
	it.Bank, it.AddedBy = im.bank, im.by
	im.pending = append(im.pending, it)
	im.sources = append(im.sources, src)
	im.signals += len(it.Signals) + len(it.Variants)
	if len(im.pending) >= Batch || im.signals >= BatchSignals {
		return im.Flush()
	}
	return nil
}

// Flush commits the pending items in one transaction.
func (im *Importer) Flush() error {
	if len(im.pending) == 0 {
		return nil
	}
	out, version, err := im.store.AddItems(im.pending)
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
			im.reject(r)
		default:
			im.sum.Present++
		}
	}
	im.sum.Version = version
	im.pending, im.sources, im.signals = im.pending[:0], im.sources[:0], 0
	if im.Progress != nil {
		im.Progress(im.sum)
	}
	return nil
}

// Summary returns what the import did so far; call Flush first.
func (im *Importer) Summary() Summary {
	s := im.sum
	s.Version = im.store.Version()
	return s
}
