// Package importer adds known items to a bank from hash lists and from
// folders of known media, in batches, and reports what it did. The command
// line (herken import) and the service's import endpoint share it.
//
// An Importer is not safe for concurrent use; use one per import. Inside,
// it runs one goroutine of its own while batches are in flight: the
// caller's goroutine reads, parses and checks records into the next batch
// while that goroutine commits the previous one to the store, so that an
// import keeps two cores busy. At most one batch waits behind the one
// being committed; the outcomes, rejections and Progress calls come in
// the order of the input, and List, Flush and Withdraw return only once
// every batch handed over is committed (or its failure is known).
package importer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

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
	// NotStored counts the items read and accepted that the store did not
	// take because a write failed (the import's error says why): with
	// Added, Present and Rejected, every record read is accounted for.
	// Running the import again stores them (imports are idempotent).
	NotStored int `json:"not_stored,omitempty"`
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
	// Progress, if set, is called after every committed batch, on the
	// importer's own goroutine (never two calls at once).
	Progress func(Summary)
	// BatchItems is how many items a batch holds at most (default Batch,
	// or the store's ImportBatch).
	BatchItems int

	// Owned by the caller's goroutine.
	pending []matcher.Item
	sources []Rejection
	rejects []Rejection // rejected since the last batch was cut: reported before its outcomes
	signals int         // in pending

	// The batches handed to the committing goroutine, and what it did.
	work     chan *batch
	inFlight sync.WaitGroup
	mu       sync.Mutex // guards sum and failed
	sum      Summary
	failed   error // the first failed commit: later batches are not sent
}

// batch is a part of the input handed over for one commit.
type batch struct {
	items   []matcher.Item
	sources []Rejection
	rejects []Rejection
}

// Batcher is a Store that says how many items an import should hand it
// at once: a cluster's writer sends large batches as several changes in
// flight together.
type Batcher interface{ ImportBatch() int }

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
	im := &Importer{store: store, bank: bank, by: by, sum: Summary{Rejected: []Rejection{}}, BatchItems: Batch}
	if b, ok := store.(Batcher); ok {
		im.BatchItems = b.ImportBatch()
	}
	return im, nil
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
			im.mu.Lock()
			im.sum.Checkpoint, im.sum.Next = rec.Page.Checkpoint, rec.Page.Next
			im.mu.Unlock()
			return nil
		}
		im.read()
		if rec.Err != nil {
			im.reject(Rejection{Source: name, Line: rec.Line, Reason: rec.Err.Error()})
			return nil
		}
		if rec.Withdrawn != nil {
			return im.Withdraw(rec.Item.Signals, *rec.Withdrawn)
		}
		return im.add(rec.Item, Rejection{Source: name, Line: rec.Line})
	})
	// The batches handed over are committed before List returns; the
	// pending ones wait for Flush.
	if werr := im.wait(); err == nil {
		err = werr
	}
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
	err = parallel.OrderedMap(ctx, files, workers, func(path string) hashed {
		hs, err := hashFile(h, path)
		return hashed{path, hs, err}
	}, func(r hashed) error {
		im.read()
		return im.addMedia(r.path, r.hs, r.err)
	})
	if werr := im.wait(); err == nil {
		err = werr
	}
	return err
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
	im.read()
	im.reject(Rejection{Source: source, Reason: reason})
}

func (im *Importer) read() {
	im.mu.Lock()
	im.sum.Read++
	im.mu.Unlock()
}

// reject records a rejection made while reading: it is reported with the
// next batch, before that batch's outcomes, as if committed in order.
func (im *Importer) reject(r Rejection) { im.rejects = append(im.rejects, r) }

func (im *Importer) add(it matcher.Item, src Rejection) error {
	it.Bank, it.AddedBy = im.bank, im.by
	im.pending = append(im.pending, it)
	im.sources = append(im.sources, src)
	im.signals += len(it.Signals) + len(it.Variants)
	if len(im.pending) >= max(im.BatchItems, 1) || im.signals >= BatchSignals {
		return im.send()
	}
	return nil
}

// send hands the pending items (and the rejections read with them) over
// for a commit, and returns at once unless a batch already waits. After a
// failed commit nothing more is sent: the pending items are counted as
// not stored, and the failure is returned.
func (im *Importer) send() error {
	if len(im.pending) == 0 && len(im.rejects) == 0 {
		return im.err()
	}
	b := &batch{items: im.pending, sources: im.sources, rejects: im.rejects}
	im.pending, im.sources, im.rejects, im.signals = nil, nil, nil, 0
	if im.work == nil {
		// The goroutine ends in wait, which every exported method that
		// sends calls before it returns: none outlives the call.
		im.work = make(chan *batch, 1)
		go im.commitLoop(im.work)
	}
	im.inFlight.Add(1)
	im.work <- b
	return im.err()
}

func (im *Importer) err() error {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.failed
}

// wait returns once every batch handed over is committed, with the first
// failure.
func (im *Importer) wait() error {
	im.inFlight.Wait()
	if im.work != nil {
		close(im.work)
		im.work = nil
	}
	return im.err()
}

func (im *Importer) commitLoop(work <-chan *batch) {
	for b := range work {
		im.commit(b)
		im.inFlight.Done()
	}
}

// commit writes one batch and accounts for each of its items: added,
// present, rejected, or not stored. A store may store part of a batch
// and fail (a cluster's writer sends it as several changes): it then
// marks the items it did not store with index.ErrNotStored.
func (im *Importer) commit(b *batch) {
	im.mu.Lock()
	im.sum.Rejected = append(im.sum.Rejected, b.rejects...)
	failed := im.failed
	im.mu.Unlock()
	if len(b.items) == 0 {
		return
	}
	if failed != nil {
		im.mu.Lock()
		im.sum.NotStored += len(b.items)
		im.mu.Unlock()
		return
	}
	out, version, err := im.store.AddItems(b.items)
	im.mu.Lock()
	if err != nil && len(out) != len(b.items) {
		out = nil // nothing of the batch was stored
		im.sum.NotStored += len(b.items)
	}
	for i, o := range out {
		switch {
		case errors.Is(o.Err, index.ErrNotStored):
			im.sum.NotStored++
		case o.Added:
			im.sum.Added++
		case o.Err != nil:
			r := b.sources[i]
			r.Reason = o.Err.Error()
			im.sum.Rejected = append(im.sum.Rejected, r)
		default:
			im.sum.Present++
		}
	}
	if err != nil {
		im.failed = err
		im.mu.Unlock()
		return
	}
	im.sum.Version = version
	var progress Summary
	if im.Progress != nil {
		progress = im.summaryLocked()
	}
	im.mu.Unlock()
	if im.Progress != nil {
		im.Progress(progress)
	}
}

// Flush commits the pending items and waits for every batch in flight.
func (im *Importer) Flush() error {
	_ = im.send() // its error is the failure wait returns too
	return im.wait()
}

// Summary returns what the import did so far; call Flush first.
func (im *Importer) Summary() Summary {
	im.mu.Lock()
	s := im.summaryLocked()
	im.mu.Unlock()
	// Rejections read since the last batch was cut are not committed
	// yet but are known.
	s.Rejected = append(s.Rejected, im.rejects...)
	s.Version = im.store.Version()
	return s
}

func (im *Importer) summaryLocked() Summary {
	s := im.sum
	s.Rejected = append([]Rejection{}, im.sum.Rejected...)
	return s
}
