package importer

import (
	"fmt"
	"slices"
	"time"

	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
)

// Withdraw retracts the bank's active items holding any of sigs, because
// their source withdrew them: the reason reads "withdrawn by <source> on
// <date>". The pending items are committed first, so that a list that adds
// an entry and later withdraws it ends with the item retracted. An item
// already retracted stays as it is, and a withdrawn entry the bank does
// not hold is counted, never added: AddItems does not bring a retracted
// item back, so a withdrawal holds against a later re-import of the same
// list. A sync reuses it for the withdrawals it fetches.
func (im *Importer) Withdraw(sigs []matcher.Signal, w hashlist.Withdrawal) error {
	if err := im.Flush(); err != nil {
		return err
	}
	ids, err := im.activeItems(sigs)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		im.mu.Lock()
		im.sum.WithdrawnUnknown++
		im.mu.Unlock()
		return nil
	}
	at := w.At
	if at.IsZero() {
		at = time.Now()
	}
	reason := fmt.Sprintf("withdrawn by %s on %s", w.Source, at.UTC().Format(time.DateOnly))
	for _, id := range ids {
		if _, err := im.store.Retract(id, reason, im.by); err != nil {
			return err
		}
		im.mu.Lock()
		im.sum.Withdrawn++
		im.mu.Unlock()
	}
	return nil
}

// postingStore is a Store that reads a bank's items holding a signal
// from its postings (index.Content does), without its in-memory search.
type postingStore interface {
	BankItemsWithSignal(bank string, sig matcher.Signal) ([]matcher.Item, error)
}

// activeItems returns the ids of the bank's active items holding one of
// sigs exactly. A store that reads postings is asked so, not searched in
// memory, so that an import into a store opened without its search
// structures (index.Options.NoSearch, as herken import opens it) handles
// withdrawals too; other stores (a cluster) are searched.
func (im *Importer) activeItems(sigs []matcher.Signal) ([]uint64, error) {
	var ids []uint64
	if ps, ok := im.store.(postingStore); ok {
		for _, s := range sigs {
			items, err := ps.BankItemsWithSignal(im.bank, s)
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				if it.Status == known.Active && !slices.Contains(ids, it.ID) {
					ids = append(ids, it.ID)
				}
			}
		}
		return ids, nil
	}
	err := im.store.View(func(st known.State) error {
		for _, s := range sigs {
			err := st.Find(s, 0, func(it *known.Item, dist int) error {
				if it.Bank == im.bank && dist == 0 && it.Status == known.Active && !slices.Contains(ids, it.ID) {
					ids = append(ids, it.ID)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}
