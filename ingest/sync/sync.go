// Package sync keeps a bank in step with a partner's list: it fetches the
// source configured in a sources file (a file or an https URL), follows its
// pages from the checkpoint stored in the index, adds what is new, retracts
// what the source withdrew ("withdrawn by <source> on <date>"), reactivates
// what the source re-adds after its own withdrawal, and never brings back
// what an analyst retracted: an item is the source's to reactivate only
// when its last retraction was the sync's own, for that source.
//
// A run is idempotent: the checkpoint is stored only after every entry of
// its page is committed, and applying an entry again changes nothing, so
// a run interrupted mid-page and run again ends with the same items in the
// same states as one uninterrupted run.
//
// A Syncer may be used from concurrent goroutines for different sources;
// two runs of the same source must not overlap (Scheduler runs each
// source on one goroutine).
package sync

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
)

// Result is what a run did.
type Result struct {
	Source string `json:"source"`
	Pages  int    `json:"pages"`
	Read   int    `json:"read"`
	Added  int    `json:"added"`
	// Present counts entries whose item was already active.
	Present int `json:"already_present"`
	// Withdrawn counts items retracted because the source withdrew them;
	// WithdrawnUnknown withdrawals of entries the bank holds no active item for.
	Withdrawn        int `json:"withdrawn"`
	WithdrawnUnknown int `json:"withdrawn_unknown"`
	// Reactivated counts items the source re-added after withdrawing them.
	Reactivated int `json:"reactivated"`
	// KeptRetracted counts entries whose item an analyst retracted: they
	// stay retracted.
	KeptRetracted int         `json:"kept_retracted"`
	Rejected      []Rejection `json:"rejected"`
	Checkpoint    string      `json:"checkpoint,omitempty"`
}

// Rejection is an entry that was not applied, and why.
type Rejection struct {
	Page   int    `json:"page"`
	Entry  int    `json:"entry"`
	Reason string `json:"reason"`
}

// Syncer syncs sources into one index.
type Syncer struct {
	Store *index.Content
	// Writes, if set, takes the sync's changes of the known content in
	// place of Store: a cluster replica's writer.
	Writes Writes
	// States, if set, keeps the sources' checkpoints in place of Store: a
	// cluster's bucket, so that the replica that takes the sync lease
	// over resumes where the last holder stopped.
	States States
	// Getenv reads credentials (default os.Getenv).
	Getenv func(string) string
	// Now dates reactivations (default time.Now).
	Now func() time.Time
	// Progress, if set, is called after every applied page.
	Progress func(Result)

	// afterEntry, set by tests, is called after each entry is applied:
	// they interrupt a run there.
	afterEntry func()
}

// Writes changes the known content (index.Content, or a cluster's
// writer).
type Writes interface {
	AddItems([]known.Item) ([]index.Outcome, uint64, error)
	Retract(id uint64, reason, by string) (known.Item, error)
	Reactivate(id uint64, reason, by string) (known.Item, error)
}

// States keeps the sources' states between runs (index.Content, or a
// cluster's bucket).
type States interface {
	SourceState(name string) (index.SourceState, error)
	SetSourceState(index.SourceState) error
}

func (s *Syncer) states() States {
	if s.States != nil {
		return s.States
	}
	return s.Store
}

func (s *Syncer) writes() Writes {
	if s.Writes != nil {
		return s.Writes
	}
	return s.Store
}

// Actor is who the sync records as having added, retracted and
// reactivated a source's items: it tells the source's retractions from
// an analyst's.
func Actor(source string) string { return "sync:" + source }

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Run syncs src once.
func (s *Syncer) Run(ctx context.Context, src Source) (Result, error) {
	if src.format == "" {
		if err := src.check(); err != nil {
			return Result{}, fmt.Errorf("sync: source %q: %w", src.Name, err)
		}
	}
	if _, err := s.Store.Bank(src.Bank); err != nil {
		return Result{}, fmt.Errorf("sync: source %q: %w", src.Name, err)
	}
	st, err := s.states().SourceState(src.Name)
	if err != nil {
		return Result{}, err
	}
	a := &applier{ctx: ctx, s: s, src: src, res: Result{Source: src.Name, Rejected: []Rejection{}, Checkpoint: st.Checkpoint}}
	f := newFetcher(s.Getenv)
	if src.format == hashlist.TCAP && src.isFile() {
		return a.res, a.tcapFile(f, st.Checkpoint)
	}
	if src.format != hashlist.TCAP {
		// A whole list: read it all each time; re-applying is idempotent.
		body, err := f.get(ctx, src, "")
		if err != nil {
			return a.res, err
		}
		defer body.Close()
		a.page = 1
		if err := hashlist.Read(body, src.format, src.opts, a.record); err != nil {
			return a.res, a.fail(ctx, err)
		}
		if err := a.flush(); err != nil {
			return a.res, err
		}
		a.res.Pages = 1
		return a.res, s.states().SetSourceState(index.SourceState{Name: src.Name, LastRun: s.now().UTC(), Complete: true})
	}
	after := st.Checkpoint
	for {
		if err := ctx.Err(); err != nil {
			return a.res, err
		}
		a.page++
		body, err := f.get(ctx, src, after)
		if err != nil {
			return a.res, err
		}
		a.pageEnd = nil
		err = hashlist.Read(body, hashlist.TCAP, src.opts, a.record)
		body.Close()
		if err != nil {
			return a.res, a.fail(ctx, err)
		}
		if err := a.flush(); err != nil {
			return a.res, err
		}
		p := a.pageEnd
		if p == nil {
			return a.res, fmt.Errorf("sync: %s page %d is not a TCAP page (no \"results\" and \"checkpoint\")", src.Name, a.page)
		}
		done := p.Next == "" || p.Checkpoint == "" || p.Checkpoint == after
		if p.Checkpoint != "" {
			after = p.Checkpoint
		}
		// Every entry of the page is committed: only now may a later run
		// start after it.
		err = s.states().SetSourceState(index.SourceState{Name: src.Name, Checkpoint: after, LastRun: s.now().UTC(), Complete: done})
		if err != nil {
			return a.res, err
		}
		a.res.Pages, a.res.Checkpoint = a.page, after
		if s.Progress != nil {
			s.Progress(a.res)
		}
		if done {
			return a.res, nil
		}
	}
}

// tcapFile applies a file of TCAP pages (an export saved page after
// page): the pages up to the stored checkpoint were applied by an earlier
// run and are skipped, so a re-read neither re-adds nor re-withdraws them;
// each later page is applied whole, then its checkpoint stored.
func (a *applier) tcapFile(f *fetcher, stored string) error {
	body, err := f.get(a.ctx, a.src, "")
	if err != nil {
		return err
	}
	defer body.Close()
	var buf []hashlist.Record
	apply := func() error {
		for _, r := range buf {
			if err := a.record(r); err != nil {
				return err
			}
		}
		buf = buf[:0]
		return a.flush()
	}
	err = hashlist.Read(body, hashlist.TCAP, a.src.opts, func(r hashlist.Record) error {
		if r.Page == nil {
			buf = append(buf, r)
			return nil
		}
		a.page++
		if stored != "" && !checkpointAfter(r.Page.Checkpoint, stored) {
			buf = buf[:0]
			return nil
		}
		if err := apply(); err != nil {
			return err
		}
		a.res.Pages, a.res.Checkpoint = a.res.Pages+1, r.Page.Checkpoint
		st := index.SourceState{Name: a.src.Name, Checkpoint: r.Page.Checkpoint, LastRun: a.s.now().UTC(), Complete: r.Page.Next == ""}
		if err := a.s.states().SetSourceState(st); err != nil {
			return err
		}
		if a.s.Progress != nil {
			a.s.Progress(a.res)
		}
		return nil
	})
	if err != nil {
		return a.fail(a.ctx, err)
	}
	// Entries after the last page (or a file of bare entries) carry no
	// checkpoint: they are applied on every run.
	return apply()
}

// checkpointAfter tells whether TCAP checkpoint c ("<updated_on>,<id>",
// the last entry of its page, pages in ascending order) comes after
// stored. Checkpoints that are not of that shape are taken as new.
func checkpointAfter(c, stored string) bool {
	ct, cid, ok1 := parseCheckpoint(c)
	st, sid, ok2 := parseCheckpoint(stored)
	if !ok1 || !ok2 {
		return true
	}
	return ct > st || ct == st && cid > sid
}

func parseCheckpoint(c string) (float64, int64, bool) {
	ts, id, ok := strings.Cut(c, ",")
	if !ok {
		return 0, 0, false
	}
	t, err1 := strconv.ParseFloat(strings.TrimSpace(ts), 64)
	n, err2 := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	return t, n, err1 == nil && err2 == nil
}

// applier applies one run's records in order.
type applier struct {
	ctx     context.Context
	s       *Syncer
	src     Source
	res     Result
	page    int
	pageEnd *hashlist.Page
	pending []matcher.Item
	lines   []Rejection // where each pending item came from
}

func (a *applier) fail(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("sync: %s page %d: %w", a.src.Name, a.page, err)
}

func (a *applier) record(rec hashlist.Record) error {
	if err := a.ctx.Err(); err != nil {
		return err
	}
	if a.s.afterEntry != nil && rec.Page == nil {
		defer a.s.afterEntry()
	}
	if rec.Page != nil {
		a.pageEnd = rec.Page
		return nil
	}
	a.res.Read++
	switch {
	case rec.Err != nil:
		a.res.Rejected = append(a.res.Rejected, Rejection{Page: a.page, Entry: rec.Line, Reason: rec.Err.Error()})
		return nil
	case rec.Withdrawn != nil:
		// The pending items go first: an entry added and later withdrawn
		// in one page ends retracted.
		if err := a.flush(); err != nil {
			return err
		}
		return a.withdraw(rec.Item, *rec.Withdrawn)
	default:
		return a.add(rec.Item, rec.Line)
	}
}

// holding returns the bank's items holding any of the item's signals.
func (a *applier) holding(it matcher.Item) ([]known.Item, error) {
	var out []known.Item
	for _, sig := range it.Signals {
		items, err := a.s.Store.BankItemsWithSignal(a.src.Bank, sig)
		if err != nil {
			return nil, err
		}
	next:
		for _, h := range items {
			for _, o := range out {
				if o.ID == h.ID {
					continue next
				}
			}
			out = append(out, h)
		}
	}
	return out, nil
}

func (a *applier) withdraw(it matcher.Item, w hashlist.Withdrawal) error {
	held, err := a.holding(it)
	if err != nil {
		return err
	}
	at := w.At
	if at.IsZero() {
		at = a.s.now()
	}
	reason := fmt.Sprintf("withdrawn by %s on %s", a.src.Name, at.UTC().Format(time.DateOnly))
	n := 0
	for _, h := range held {
		if h.Status != known.Active {
			continue
		}
		if _, err := a.s.writes().Retract(h.ID, reason, Actor(a.src.Name)); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		a.res.WithdrawnUnknown++
	}
	a.res.Withdrawn += n
	return nil
}

// withdrawnBySource tells whether the item's last retraction is this
// source's withdrawal, made by the sync: only those the source may undo.
func (a *applier) withdrawnBySource(it known.Item) bool {
	r := it.Retraction
	return r != nil && r.By == Actor(a.src.Name) && strings.HasPrefix(r.Reason, "withdrawn by "+a.src.Name+" on ")
}

func (a *applier) add(it matcher.Item, line int) error {
	held, err := a.holding(it)
	if err != nil {
		return err
	}
	if len(held) == 0 {
		it.Bank, it.AddedBy = a.src.Bank, Actor(a.src.Name)
		a.pending = append(a.pending, it)
		a.lines = append(a.lines, Rejection{Page: a.page, Entry: line})
		if len(a.pending) >= 500 {
			return a.flush()
		}
		return nil
	}
	for _, h := range held {
		switch {
		case h.Status == known.Active:
			a.res.Present++
		case a.withdrawnBySource(h):
			reason := fmt.Sprintf("re-added by %s on %s", a.src.Name, a.s.now().UTC().Format(time.DateOnly))
			if _, err := a.s.writes().Reactivate(h.ID, reason, Actor(a.src.Name)); err != nil {
				return err
			}
			a.res.Reactivated++
		default:
			a.res.KeptRetracted++
		}
	}
	return nil
}

func (a *applier) flush() error {
	if len(a.pending) == 0 {
		return nil
	}
	out, _, err := a.s.writes().AddItems(a.pending)
	if err != nil {
		return err
	}
	for i, o := range out {
		switch {
		case o.Added:
			a.res.Added++
		case o.Err != nil:
			r := a.lines[i]
			r.Reason = o.Err.Error()
			a.res.Rejected = append(a.res.Rejected, r)
		default:
			a.res.Present++
		}
	}
	a.pending, a.lines = a.pending[:0], a.lines[:0]
	return nil
}
