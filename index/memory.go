package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"github.com/atkm/herken/index/hamming"
	"github.com/atkm/herken/index/prefilter"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// memory holds the in-memory search structures built from the postings.
type memory struct {
	exact map[signals.Type]*prefilter.Filter
	near  map[signals.Type]*nearIndex
	// seen holds every posting per type, for the duplicate checks of
	// writers.
	seen *seenSet
}

// nearIndex is the Hamming index of one perceptual signal type. Its ids
// are dense and assigned as postings are loaded or added; owner maps each
// back to its item.
type nearIndex struct {
	ix      *hamming.Index
	ownerMu sync.RWMutex
	owner   []uint32
}

// maxRadius tunes each Hamming index: PDQ's matching threshold is 31
// (16 substrings probed at radius 1 cover it exactly); the 64-bit hashes'
// thresholds stay well under 15. Larger bank thresholds are still answered
// exactly, by a scan.
func maxRadius(t signals.Type) int {
	if t.Bits() == 256 {
		return 31
	}
	return 15
}

func (n *nearIndex) itemOf(id hamming.ID) uint64 {
	n.ownerMu.RLock()
	defer n.ownerMu.RUnlock()
	return uint64(n.owner[id])
}

// add indexes sig for item.
func (n *nearIndex) add(item uint64, sig signals.Signal) error {
	h, err := hamming.FromSignal(sig)
	if err != nil {
		return err
	}
	n.ownerMu.Lock()
	id := hamming.ID(len(n.owner))
	n.owner = append(n.owner, uint32(item))
	n.ownerMu.Unlock()
	return n.ix.Add(id, h)
}

// remove takes sig of item out of the index: the ids holding exactly that
// hash are found by a radius-0 search and kept if they belong to item.
func (n *nearIndex) remove(item uint64, sig signals.Signal) {
	h, err := hamming.FromSignal(sig)
	if err != nil {
		return
	}
	for _, hit := range n.ix.Search(h, 0, nil) {
		if n.itemOf(hit.ID) == item {
			n.ix.Remove(hit.ID)
		}
	}
}

// postingCountKey counts the postings of one signal type, active or not;
// load checks the count against the postings it finds.
func postingCountKey(t signals.Type) []byte {
	return append(append([]byte{}, keyPostings...), '/', byte(t))
}

// load reads the index version, the banks and the postings into memory,
// checking the postings against their counts.
func (s *Content) load() error {
	counts := map[signals.Type]uint64{}
	var version uint64
	banks := map[string]*known.Bank{}
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		if version, err = getU64(txn, keyVersion); err != nil {
			return err
		}
		for _, t := range signals.Types() {
			c, err := getU64(txn, postingCountKey(t))
			if err != nil && err != badger.ErrKeyNotFound {
				return err
			}
			counts[t] = c
		}
		return eachValue(txn, prefixBank, func(_ []byte, v []byte) error {
			b := new(known.Bank)
			if err := decodeJSON(v, b); err != nil {
				return err
			}
			banks[b.Name] = b
			return nil
		})
	})
	if err != nil {
		return err
	}

	if !s.opts.NoSearch {
		mem, err := s.readMemSnapshot(version, counts)
		if err == nil {
			s.mem, s.banks, s.bankList = mem, banks, nil
			s.version.Store(version)
			s.fromMemSnapshot = true
			return nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			s.log.Info("index: not using the saved search structures; building them from the postings", "why", err)
		}
	}
	mem := &memory{exact: map[signals.Type]*prefilter.Filter{}, near: map[signals.Type]*nearIndex{},
		seen: newSeenSet(counts)}
	// Only a write-only open fills the seen filters here (it builds
	// nothing else from the postings); Open fills them in the background
	// otherwise (fillSeen).
	mem.seen.ready = s.opts.NoSearch
	builders := map[signals.Type]*hamming.Builder{}
	owners := map[signals.Type][]uint32{}
	for _, t := range signals.Types() {
		if s.opts.NoSearch {
			continue
		}
		if t.Exact() {
			f, err := prefilter.New(t, uint(2*counts[t]), s.opts.BloomFPRate)
			if err != nil {
				return err
			}
			mem.exact[t] = f
			continue
		}
		b, err := hamming.NewBuilder(t.Bits(), maxRadius(t), int(counts[t]))
		if err != nil {
			return err
		}
		builders[t] = b
		owners[t] = make([]uint32, 0, counts[t])
	}

	found := map[signals.Type]uint64{}
	err = s.eachPosting(func(sig signals.Signal, item uint64, active bool) error {
		found[sig.Type]++
		if s.opts.NoSearch {
			mem.seen.add(sig)
			return nil
		}
		if !active {
			return nil
		}
		if sig.Type.Exact() {
			return mem.exact[sig.Type].Add(sig)
		}
		h, err := hamming.FromSignal(sig)
		if err != nil {
			return err
		}
		id := hamming.ID(len(owners[sig.Type]))
		owners[sig.Type] = append(owners[sig.Type], uint32(item))
		return builders[sig.Type].Add(id, h)
	})
	if err != nil {
		return err
	}
	for _, t := range signals.Types() {
		if found[t] != counts[t] {
			return fmt.Errorf("%w: %d %s postings found, %d written; the store's files are damaged or missing",
				ErrInconsistent, found[t], t, counts[t])
		}
		if b := builders[t]; b != nil {
			mem.near[t] = &nearIndex{ix: b.Index(), owner: owners[t]}
		}
	}
	s.mem, s.banks, s.bankList = mem, banks, nil
	s.version.Store(version)
	return nil
}

// eachPosting calls fn for every posting in key order, reading keys only.
func (s *Content) eachPosting(fn func(sig signals.Signal, item uint64, active bool) error) error {
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: prefixPosting})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			sig, item, err := parsePosting(it.Item().Key())
			if err != nil {
				return err
			}
			if err := fn(sig, item, it.Item().UserMeta() == postingActive); err != nil {
				return err
			}
		}
		return nil
	})
}

func getValue(txn *badger.Txn, k []byte) ([]byte, error) {
	item, err := txn.Get(k)
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}

func getU64(txn *badger.Txn, k []byte) (uint64, error) {
	v, err := getValue(txn, k)
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: key %q holds %d bytes, want 8", ErrInconsistent, k, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// eachValue calls fn with every key and value under prefix.
func eachValue(txn *badger.Txn, prefix []byte, fn func(k, v []byte) error) error {
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 64, Prefix: prefix})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if err := it.Item().Value(func(v []byte) error { return fn(it.Item().Key(), v) }); err != nil {
			return err
		}
	}
	return nil
}

// maxItemID bounds item ids so that the Hamming indexes can map their ids
// back to items in four bytes each.
const maxItemID = math.MaxUint32

// growFilter rebuilds the Bloom filter of exact type t from the store in
// the background once it holds more keys than it was sized for, so that
// its false-positive rate stays as configured. Queries and writes go on
// meanwhile. At most one rebuild per type runs at a time.
func (s *Content) growFilter(t signals.Type) {
	f := s.mem.exact[t]
	if !f.NeedsRebuild() || !s.rebuilding[t].CompareAndSwap(false, true) {
		return
	}
	s.bg.Go(func() {
		defer s.rebuilding[t].Store(false)
		n := 2 * f.Count()
		err := f.Rebuild(n, func(yield func(signals.Signal)) error {
			return s.eachPostingOfType(t, func(sig signals.Signal, active bool) {
				if active {
					yield(sig)
				}
			})
		})
		if err != nil {
			s.log.Error("index: rebuilding the bloom filter", "type", t.String(), "err", err)
		}
	})
}

// eachPostingOfType calls fn for every posting of type t, reading keys only.
func (s *Content) eachPostingOfType(t signals.Type, fn func(sig signals.Signal, active bool)) error {
	return s.db.View(func(txn *badger.Txn) error {
		prefix := append(append([]byte{}, prefixPosting...), byte(t))
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			sig, _, err := parsePosting(it.Item().Key())
			if err != nil {
				return err
			}
			fn(sig, it.Item().UserMeta() == postingActive)
		}
		return nil
	})
}
