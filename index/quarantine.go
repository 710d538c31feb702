package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/atkm/herken/matcher/known"
)

// ErrNotQuarantined is returned when releasing an item that is not in
// quarantine.
var ErrNotQuarantined = errors.New("index: item is not quarantined")

var prefixQuarantine = []byte("q/")

func quarantineKey(id uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte{}, prefixQuarantine...), id)
}

// Quarantine holds back the matches of item id for a flood of matches: it
// stays active, and the matcher reports its matches as quarantined
// candidates. Quarantining an item already quarantined changes nothing.
// The index version grows, as what matches changed.
func (s *Content) Quarantine(id uint64, q known.Quarantine) (known.Item, error) {
	return s.quarantine(nil, id, q)
}

func (s *Content) quarantine(at *At, id uint64, q known.Quarantine) (known.Item, error) {
	var it *known.Item
	_, err := s.updateAt(at, func(txn *badger.Txn) error {
		q.At = s.at.Time
		var err error
		if it, err = readItem(txn, id); err != nil {
			return err
		}
		if it.Quarantine != nil {
			return errUnchanged
		}
		it.Quarantine = &q
		it.History = append(it.History, known.StatusChange{Status: known.Quarantined,
			Retraction: known.Retraction{Reason: strings.TrimPrefix(q.Describe(), "quarantined candidate: "), By: q.By, At: q.At}})
		if err := txn.Set(quarantineKey(id), nil); err != nil {
			return err
		}
		return writeItem(txn, it)
	}, nil)
	if err != nil {
		return known.Item{}, err
	}
	return *it, nil
}

// Release ends an item's quarantine: its matches are reported again. The
// reason and who released it go to its history.
func (s *Content) Release(id uint64, reason, by string) (known.Item, error) {
	return s.release(nil, id, reason, by)
}

func (s *Content) release(at *At, id uint64, reason, by string) (known.Item, error) {
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
		if it.Quarantine == nil {
			return fmt.Errorf("%w: %d", ErrNotQuarantined, id)
		}
		it.Quarantine = nil
		it.History = append(it.History, known.StatusChange{Status: known.Released,
			Retraction: known.Retraction{Reason: reason, By: by, At: s.at.Time}})
		if err := txn.Delete(quarantineKey(id)); err != nil {
			return err
		}
		return writeItem(txn, it)
	}, nil)
	if err != nil {
		return known.Item{}, err
	}
	return *it, nil
}

// QuarantinedItems lists the items in quarantine, in id order.
func (s *Content) QuarantinedItems() ([]known.Item, error) {
	var out []known.Item
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		opts.Prefix = prefixQuarantine
		iter := txn.NewIterator(opts)
		defer iter.Close()
		for iter.Rewind(); iter.Valid(); iter.Next() {
			k := iter.Item().Key()
			if len(k) != len(prefixQuarantine)+8 {
				return fmt.Errorf("%w: malformed quarantine key %x", ErrInconsistent, k)
			}
			it, err := readItem(txn, binary.BigEndian.Uint64(k[len(prefixQuarantine):]))
			if err != nil {
				return err
			}
			out = append(out, *it)
		}
		return nil
	})
	return out, err
}
