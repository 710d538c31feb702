package index

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/atkm/herken/index/prefilter"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// Content is the known content of an index: banks, their items and the
// postings of the items' signals, the index version, and the in-memory
// search structures in front of the postings. It implements known.Content
// for the matcher.
//
// Content may be used from concurrent goroutines. Writes are serialised
// and bump the index version by one each; a lookup (View) runs in parallel
// with other lookups and sees a write either entirely or not at all,
// together with its version.
type Content struct {
	*base
	writeM sync.Mutex // serialises writers

	mu    sync.RWMutex // held by lookups (read) and by writers applying to memory (write)
	mem   *memory
	banks map[string]*known.Bank
	// bankList is banks as a slice for views, made when first asked
	// for after a change (under mu).
	bankList   []*known.Bank
	bankListMu sync.Mutex
	version    atomic.Uint64
	// at is the version and time of the write in progress (under writeM).
	at At
	// replica is set once the content follows a replicated log: then
	// only writes at a place in that log change it (applied.go).
	replica atomic.Bool
	// logChecked is set once the store was looked at for a log it
	// follows (under writeM).
	logChecked bool

	bg sync.WaitGroup // background filter rebuilds and compactions, waited for by DB.Close
	// settle counts the items added since the Hamming indexes were last
	// compacted whole, and times the compaction after a bulk of them
	// (items.go).
	settle struct {
		sync.Mutex
		added int
		timer *time.Timer
		delay time.Duration // tests shorten it; 0: settleDelay
		last  time.Time     // when the last whole compaction started or ended
	}
	rebuilding [maxType]atomic.Bool
	// fromMemSnapshot says the search structures were read from the snapshot
	// saved at the last Close rather than built (tests ask).
	fromMemSnapshot bool
	// feedback, when set, keeps analysts' feedback in place of the
	// folder (feedback.go).
	feedback atomic.Pointer[FeedbackStore]
}

// updateAt runs fn in one write transaction that also sets the index
// version, then, with lookups held off, applies the committed change to
// memory. Writers are serialised. With at nil it is a write of this node
// alone: the next version, now; else a write at a place of a replicated
// log (applied.go). fn reads the write's time from s.at.
func (s *Content) updateAt(at *At, fn func(txn *badger.Txn) error, apply func()) (uint64, error) {
	if s.closed.Load() {
		return 0, ErrClosed
	}
	if err := s.checkFreeSpace(); err != nil {
		return 0, err
	}
	s.writeM.Lock()
	defer s.writeM.Unlock()
	current := s.version.Load()
	if err := s.place(at, current); err != nil {
		return current, err
	}
	version := s.at.Version
	err := s.db.Update(func(txn *badger.Txn) error {
		if err := fn(txn); err != nil {
			return err
		}
		return txn.Set(keyVersion, u64(version))
	})
	if errors.Is(err, errUnchanged) {
		return current, nil
	}
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	if apply != nil {
		apply()
	}
	s.version.Store(version)
	s.mu.Unlock()
	return version, nil
}

// Version is the current index version.
func (s *Content) Version() uint64 { return s.version.Load() }

// Status describes the index for operators.
type Status struct {
	Version uint64                `json:"index_version"`
	Banks   int                   `json:"banks"`
	Signals map[string]SignalStat `json:"signals"`
	// DuplicateFilterBytes is the memory of the filters writers check
	// duplicates against (over every posting, retracted ones too).
	DuplicateFilterBytes int64 `json:"duplicate_filter_bytes"`
}

// SignalStat counts the active signals of one type in memory.
type SignalStat struct {
	Count       int     `json:"count"`
	MemoryBytes int64   `json:"memory_bytes"`
	FPRate      float64 `json:"bloom_fp_rate,omitempty"`
}

// Status returns counts and sizes of the in-memory indexes.
func (s *Content) Status() Status {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := Status{Version: s.version.Load(), Banks: len(s.banks), Signals: map[string]SignalStat{},
		DuplicateFilterBytes: s.mem.seen.bytes()}
	for t, f := range s.mem.exact {
		st.Signals[t.String()] = SignalStat{Count: int(f.Count()), MemoryBytes: f.Bytes(), FPRate: f.FPRate()}
	}
	for t, p := range s.mem.near {
		st.Signals[t.String()] = SignalStat{Count: p.ix.Len(), MemoryBytes: p.ix.Bytes() + int64(4*len(p.owner))}
	}
	return st
}

// FilterMeta describes the Bloom filter of one exact signal type.
type FilterMeta struct {
	prefilter.Meta
	IndexVersion uint64 `json:"index_version"`
}

// WriteFilter writes the Bloom filter of the exact signal type t in the
// format of prefilter.Filter.WriteTo, for offline pre-screening, and
// returns its metadata. Retracted items may still be in it; a positive
// answer is to be confirmed by a lookup.
func (s *Content) WriteFilter(t signals.Type, w io.Writer) (FilterMeta, error) {
	if s.opts.NoSearch {
		return FilterMeta{}, ErrNoSearch
	}
	s.mu.RLock()
	f, ok := s.mem.exact[t]
	meta := FilterMeta{IndexVersion: s.version.Load()}
	s.mu.RUnlock()
	if !ok {
		return FilterMeta{}, fmt.Errorf("index: %s is not an exact signal type; filters exist for sha256, md5 and sha1", t)
	}
	meta.Meta = f.Meta()
	if _, err := f.WriteTo(w); err != nil {
		return FilterMeta{}, err
	}
	return meta, nil
}

// DCSOFilter builds the Bloom filter of the exact signal type t in DCSO's
// format (prefilter.DCSO), the one CIRCL's hashlookup tools read: its keys
// are the hex digests of active items as text, upper case unless lower is
// set, at the filter's configured false-positive rate. It is built from
// the store on each call, so retracted items are not in it.
func (s *Content) DCSOFilter(t signals.Type, lower bool) (*prefilter.DCSO, FilterMeta, error) {
	s.mu.RLock()
	f, ok := s.mem.exact[t]
	meta := FilterMeta{IndexVersion: s.version.Load()}
	s.mu.RUnlock()
	if !ok && s.opts.NoSearch {
		return nil, FilterMeta{}, ErrNoSearch
	}
	if !ok {
		return nil, FilterMeta{}, fmt.Errorf("index: %s is not an exact signal type; filters exist for sha256, md5 and sha1", t)
	}
	meta.Meta = f.Meta()
	// The in-memory filter's count bounds the active keys from above
	// (retractions are not subtracted), which sizes the export.
	d, err := prefilter.NewDCSO(uint64(max(meta.Count, 1000)), meta.FPRate)
	if err != nil {
		return nil, FilterMeta{}, err
	}
	var key []byte
	err = s.eachPostingOfType(t, func(sig signals.Signal, active bool) {
		if !active {
			return
		}
		key = hex.AppendEncode(key[:0], sig.Bytes())
		if !lower {
			key = bytes.ToUpper(key)
		}
		d.Add(key)
	})
	if err != nil {
		return nil, FilterMeta{}, fmt.Errorf("index: build the DCSO %s filter: %w", t, err)
	}
	meta.Count, meta.Bytes = uint(d.Count()), d.Bytes()
	return d, meta, nil
}
