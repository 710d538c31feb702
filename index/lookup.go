package index

import (
	"fmt"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"github.com/atkm/herken/index/hamming"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

var _ known.Content = (*Content)(nil)

// View calls fn with one consistent state of the known content: the
// banks, the index version and a search over the postings, as of the
// call. Writers wait until fn returns. It implements known.Content;
// the decision of what matches is the matcher's.
func (s *Content) View(fn func(known.State) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if s.opts.NoSearch {
		return ErrNoSearch
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	v := viewPool.Get().(*view)
	defer func() {
		clear(v.items)
		*v = view{items: v.items, hits: v.hits[:0]}
		viewPool.Put(v)
	}()
	err := s.db.View(func(txn *badger.Txn) error {
		v.s, v.txn, v.version = s, txn, s.version.Load()
		return fn(v)
	})
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// viewPool keeps views and their buffers between lookups: a lookup that
// finds nothing then allocates almost nothing.
var viewPool = sync.Pool{New: func() any { return &view{items: map[uint64]*known.Item{}} }}

// view is the state View hands out: a read transaction and the memory
// indexes under the store's read lock.
type view struct {
	s       *Content
	txn     *badger.Txn
	version uint64
	items   map[uint64]*known.Item // read once per view
	hits    []hamming.Hit
}

func (v *view) Version() uint64 { return v.version }

// Banks returns the banks; the slice is shared by views until the banks
// change, and must not be changed.
func (v *view) Banks() []*known.Bank {
	s := v.s
	s.bankListMu.Lock()
	defer s.bankListMu.Unlock()
	if s.bankList == nil {
		s.bankList = make([]*known.Bank, 0, len(s.banks))
		for _, b := range s.banks {
			s.bankList = append(s.bankList, b)
		}
	}
	return s.bankList
}

func (v *view) item(id uint64) (*known.Item, error) {
	if it, ok := v.items[id]; ok {
		return it, nil
	}
	it, err := readItem(v.txn, id)
	if err != nil {
		return nil, err
	}
	v.items[id] = it
	return it, nil
}

// Find reports the active items holding sig: through the Bloom prefilter
// and the postings for an exact signal, through the Hamming index within
// radius for a perceptual one.
func (v *view) Find(sig signals.Signal, radius int, fn func(it *known.Item, dist int) error) error {
	if !sig.Type.Valid() {
		return fmt.Errorf("invalid signal type %d", sig.Type)
	}
	if sig.Type.Exact() {
		if f := v.s.mem.exact[sig.Type]; f == nil || !f.MayContain(sig) {
			return nil
		}
		return eachPostingOf(v.txn, sig, func(id uint64, active bool) (bool, error) {
			if !active {
				return true, nil
			}
			it, err := v.item(id)
			if err != nil {
				return false, err
			}
			return true, fn(it, 0)
		})
	}
	n := v.s.mem.near[sig.Type]
	if n == nil || radius < 0 {
		return nil
	}
	h, err := hamming.FromSignal(sig)
	if err != nil {
		return err
	}
	v.hits = n.ix.Search(h, radius, v.hits[:0])
	for _, hit := range v.hits {
		it, err := v.item(n.itemOf(hit.ID))
		if err != nil {
			return err
		}
		if it.Status != known.Active {
			continue
		}
		if err := fn(it, hit.Distance); err != nil {
			return err
		}
	}
	return nil
}
