package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
	"github.com/dgraph-io/badger/v4"
)

// Outcome says what AddItems did with one item.
type Outcome struct {
	// ID is the new item's id, or the id of the item already present.
	ID uint64 `json:"id,omitempty"`
	// Added is true for a new item; false with ID set means one of its
	// signals was already in the bank (as an active or retracted item), so
	// nothing was added; false without ID means it was rejected.
	Added bool `json:"added"`
	// Err says why an item was rejected.
	Err error `json:"-"`
}

// Errors of single items.
var (
	ErrAlreadyRetracted = errors.New("index: item is already retracted")
	ErrNotRetracted     = errors.New("index: item is not retracted")
	ErrNoReason         = errors.New("index: a reason is required")
	// ErrNotStored marks, in a store's outcomes, an item that was not
	// stored because the write failed partway (a cluster's writer sends a
	// batch as several changes): not a refusal of the item.
	ErrNotStored = errors.New("index: not stored")
)

// errUnchanged, returned by an update's fn, discards the transaction and
// leaves the index version as it is: nothing changed.
var errUnchanged = errors.New("index: nothing changed")

// AddItems adds items in one transaction: all of them or, on error, none.
// An item is not added again when its bank already holds an item (active
// or retracted) sharing one of its exact digests, or, for an item without
// digests, one of its perceptual hashes: imports are idempotent, and a
// retracted item does not come back by a re-import. An invalid item is
// rejected. Neither fails the others. Items
// without categories get their bank's. It returns one Outcome per item and
// the new index version, unchanged when no item was added.
func (s *Content) AddItems(items []known.Item) ([]Outcome, uint64, error) {
	return s.addItems(nil, items)
}

func (s *Content) addItems(at *At, items []known.Item) ([]Outcome, uint64, error) {
	out := make([]Outcome, len(items))
	var added []known.Item
	version, err := s.updateAt(at, func(txn *badger.Txn) error {
		added = added[:0]
		// Duplicates are looked up in a read transaction: an iterator of
		// the write transaction would sort its pending writes every time.
		// Writers are serialised, and duplicates within the batch are
		// caught by inBatch.
		rtxn := s.db.NewTransaction(false)
		defer rtxn.Discard()
		seen := s.mem.seen
		seen.mu.Lock()
		defer seen.mu.Unlock()
		next, err := getU64(txn, keyNextID)
		if err != nil {
			return err
		}
		counts := map[signals.Type]uint64{}
		inBatch := map[string]uint64{} // bank + signal -> id, for duplicates within the batch
		bankOf := map[uint64]string{}
		banks := map[string]*known.Bank{}
		lists := map[string][]uint64{} // bank -> ids added, for its item list
		for i := range items {
			it := items[i]
			out[i] = Outcome{}
			bank, ok := banks[it.Bank]
			if !ok {
				var err error
				if bank, err = readBank(txn, it.Bank); err != nil {
					out[i].Err = err
					continue
				}
				banks[it.Bank] = bank
			}
			if len(it.Categories) == 0 {
				it.Categories = bank.Categories
			}
			it.Signals = uniqueSignals(it.Signals)
			if err := it.Validate(); err != nil {
				out[i].Err = err
				continue
			}
			if dup, err := findInBank(rtxn, it, inBatch, bankOf, seen); err != nil {
				return err
			} else if dup != 0 {
				out[i].ID = dup
				continue
			}
			next++
			if next > maxItemID {
				return fmt.Errorf("index: item ids exhausted")
			}
			it.ID = next
			it.AddedAt = s.at.Time
			it.Status = known.Active
			it.Retraction, it.History = nil, nil
			if err := writeItem(txn, &it); err != nil {
				return err
			}
			lists[it.Bank] = append(lists[it.Bank], it.ID)
			for _, sig := range it.IndexedSignals() {
				e := badger.NewEntry(postingKey(sig, it.ID), nil).WithMeta(postingActive)
				if err := txn.SetEntry(e); err != nil {
					return err
				}
				counts[sig.Type]++
				// Before the commit: should it fail, the filter only holds
				// a key too many, which costs a scan, never a duplicate.
				seen.add(sig)
			}
			for _, sig := range identity(it.Signals) {
				inBatch[it.Bank+"\x00"+string(postingPrefix(sig))] = it.ID
			}
			out[i] = Outcome{ID: it.ID, Added: true}
			added = append(added, it)
		}
		if len(added) == 0 {
			return errUnchanged
		}
		if err := writeBankLists(txn, lists); err != nil {
			return err
		}
		for t, n := range counts {
			if err := addU64(txn, postingCountKey(t), n); err != nil {
				return err
			}
		}
		return txn.Set(keyNextID, u64(next))
	}, func() {
		for _, it := range added {
			s.index(it.ID, it.IndexedSignals())
		}
		s.settleAfter(len(added))
	})
	if err != nil {
		return nil, 0, fmt.Errorf("index: adding items: %w", err)
	}
	return out, version, nil
}

// settleAfterItems is how many items added since the Hamming indexes were
// last compacted whole call for a compaction once the writes pause: the
// compactions that run as items go in keep the index as several segments
// and an overflow of up to 1/256 of it, which every search scans; after a
// large import (through the service or a replica), lookups stayed slower
// until a restart rebuilt the index whole.
const settleAfterItems = 4096

// settleDelay is the pause in additions after which the Hamming indexes
// are compacted whole.
const settleDelay = 2 * time.Second

// settleTail, in settleDelays, is how long after a whole compaction any
// addition arms the next.
const settleTail = 10

// settleAfter counts n items added to memory, and (re)arms the compaction
// for the pause after the writes. Called with s.mu held.
func (s *Content) settleAfter(n int) {
	if s.opts.NoSearch || n == 0 {
		return
	}
	s.settle.Lock()
	defer s.settle.Unlock()
	s.settle.added += n
	delay := s.settle.delay
	if delay == 0 {
		delay = settleDelay
	}
	// Shortly after a whole compaction, any addition arms the next: an
	// import that paused (a busy machine, a slow source) and went on
	// has its tail compacted too, however short.
	if s.settle.added < settleAfterItems && time.Since(s.settle.last) > settleTail*delay {
		return
	}
	if s.settle.timer == nil {
		s.settle.timer = time.AfterFunc(delay, s.compactSettled)
	} else {
		s.settle.timer.Reset(delay)
	}
}

// compactSettled compacts every Hamming index whole, with writes going on
// (lookups are not held up by a compaction; the memory of the segments it
// merges is needed twice while it runs). A Close waits for it.
func (s *Content) compactSettled() {
	s.writeM.Lock()
	if s.closed.Load() {
		s.writeM.Unlock()
		return
	}
	s.bg.Add(1) // under writeM: a Close, which waits for bg, comes after
	s.writeM.Unlock()
	defer s.bg.Done()
	s.settle.Lock()
	s.settle.added, s.settle.last = 0, time.Now()
	s.settle.Unlock()
	s.mu.RLock()
	near := make([]*nearIndex, 0, len(s.mem.near))
	for _, n := range s.mem.near {
		near = append(near, n)
	}
	s.mu.RUnlock()
	for _, n := range near {
		n.ix.Compact()
	}
	s.settle.Lock()
	s.settle.last = time.Now()
	s.settle.Unlock()
}

// identity returns the signals that identify an item for deduplication:
// its exact digests when it has any, since two different files can share a
// perceptual hash (a re-encode, a blur), else its perceptual hashes.
func identity(sigs []signals.Signal) []signals.Signal {
	var exact []signals.Signal
	for _, s := range sigs {
		if s.Type.Exact() {
			exact = append(exact, s)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return sigs
}

// findInBank returns the id of an item of it's bank that shares one of its
// identifying signals, or 0. Postings are scanned only for signals the
// seen filters may hold: in a bulk import into a large index, most items
// are new and never touch the store here.
func findInBank(txn *badger.Txn, it known.Item, inBatch map[string]uint64, bankOf map[uint64]string,
	seen *seenSet) (uint64, error) {
	for _, sig := range identity(it.Signals) {
		if id, ok := inBatch[it.Bank+"\x00"+string(postingPrefix(sig))]; ok {
			return id, nil
		}
		if !seen.mayContain(sig) {
			continue
		}
		var found uint64
		err := eachPostingOf(txn, sig, func(id uint64, _ bool) (bool, error) {
			bank, ok := bankOf[id]
			if !ok {
				other, err := readItem(txn, id)
				if err != nil {
					return false, err
				}
				bank = other.Bank
				bankOf[id] = bank
			}
			if bank == it.Bank {
				found = id
				return false, nil
			}
			return true, nil
		})
		if err != nil || found != 0 {
			return found, err
		}
	}
	return 0, nil
}

// eachPostingOf calls fn with the item id and status of every posting of
// sig until fn returns false.
func eachPostingOf(txn *badger.Txn, sig signals.Signal, fn func(id uint64, active bool) (bool, error)) error {
	prefix := postingPrefix(sig)
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: prefix})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		k := it.Item().Key()
		if len(k) != len(prefix)+8 {
			return fmt.Errorf("%w: malformed posting key %x", ErrInconsistent, k)
		}
		more, err := fn(binary.BigEndian.Uint64(k[len(prefix):]), it.Item().UserMeta() == postingActive)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// index adds an active item's signals to memory. Called with s.mu held.
func (s *Content) index(id uint64, sigs []signals.Signal) {
	if s.opts.NoSearch {
		return
	}
	for _, sig := range sigs {
		var err error
		if sig.Type.Exact() {
			f := s.mem.exact[sig.Type]
			if f.MayContain(sig) {
				continue // a re-activated item's digest is still in the filter
			}
			if err = f.Add(sig); err == nil {
				s.growFilter(sig.Type)
			}
		} else {
			err = s.mem.near[sig.Type].add(id, sig)
		}
		if err != nil {
			// The store holds the item; memory catches up at the next start.
			s.log.Error("index: adding to memory", "item", id, "err", err)
		}
	}
}

// Item returns the item with the given id.
func (s *Content) Item(id uint64) (known.Item, error) {
	var it *known.Item
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		it, err = readItem(txn, id)
		return err
	})
	if err != nil {
		return known.Item{}, err
	}
	return *it, nil
}

// Retract stops an item from matching, at once, recording why and by whom.
func (s *Content) Retract(id uint64, reason, by string) (known.Item, error) {
	return s.setStatus(nil, id, known.Retracted, reason, by)
}

// Reactivate lets a retracted item match again, recording why and by whom.
func (s *Content) Reactivate(id uint64, reason, by string) (known.Item, error) {
	return s.setStatus(nil, id, known.Active, reason, by)
}

func (s *Content) setStatus(at *At, id uint64, status known.ItemStatus, reason, by string) (known.Item, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return known.Item{}, ErrNoReason
	}
	var it *known.Item
	_, err := s.updateAt(at, func(txn *badger.Txn) error {
		var err error
		if it, err = readItem(txn, id); err != nil {
			return err
		}
		switch {
		case status == known.Retracted && it.Status == known.Retracted:
			return fmt.Errorf("%w: %d", ErrAlreadyRetracted, id)
		case status == known.Active && it.Status != known.Retracted:
			return fmt.Errorf("%w: %d", ErrNotRetracted, id)
		}
		change := known.Retraction{Reason: reason, By: by, At: s.at.Time}
		it.Status = status
		it.History = append(it.History, known.StatusChange{Status: status, Retraction: change})
		it.Retraction = nil
		meta := postingActive
		if status == known.Retracted {
			it.Retraction = &change
			meta = postingRetracted
		}
		for _, sig := range it.IndexedSignals() {
			if err := txn.SetEntry(badger.NewEntry(postingKey(sig, id), nil).WithMeta(meta)); err != nil {
				return err
			}
		}
		return writeItem(txn, it)
	}, func() {
		if status == known.Active {
			s.index(id, it.IndexedSignals())
			return
		}
		for _, sig := range it.IndexedSignals() {
			if n := s.mem.near[sig.Type]; n != nil {
				n.remove(id, sig)
			}
		}
	})
	if err != nil {
		return known.Item{}, err
	}
	return *it, nil
}

// ItemFilter selects items to list.
type ItemFilter struct {
	Bank   string           // required
	Status known.ItemStatus // "" for any
	After  uint64           // list ids greater than this (paging)
	Limit  int              // default 100
}

// Items lists a bank's items in id order.
func (s *Content) Items(f ItemFilter) ([]known.Item, error) {
	if _, err := s.Bank(f.Bank); err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var out []known.Item
	err := s.db.View(func(txn *badger.Txn) error {
		return eachBankItem(txn, f.Bank, f.After, func(id uint64) (bool, error) {
			item, err := readItem(txn, id)
			if err != nil {
				return false, err
			}
			if f.Status == "" || item.Status == f.Status {
				out = append(out, *item)
			}
			return len(out) < f.Limit, nil
		})
	})
	return out, err
}

func addU64(txn *badger.Txn, k []byte, n uint64) error {
	v, err := getU64(txn, k)
	if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
		return err
	}
	return txn.Set(k, u64(v+n))
}

// uniqueSignals drops repeated signals: each posting must be written once
// for the counts checked at start-up to add up.
func uniqueSignals(sigs []signals.Signal) []signals.Signal {
	out := make([]signals.Signal, 0, len(sigs))
	for _, s := range sigs {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
