package index

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
	"github.com/dgraph-io/badger/v4"
)

// SourceState is what a sync remembers of a configured source between
// runs: the checkpoint of the last page whose entries were all applied,
// from which the next run resumes. Credentials are never part of it.
type SourceState struct {
	Name       string    `json:"name"`
	Checkpoint string    `json:"checkpoint,omitempty"`
	LastRun    time.Time `json:"last_run"`
	// Complete is true when the last run reached the source's last page.
	Complete bool `json:"complete"`
}

var prefixSource = []byte("src/")

func sourceKey(name string) []byte { return append(append([]byte{}, prefixSource...), name...) }

// SourceState returns the stored state of the named source, or the zero
// state (Name set) when it was never synced.
func (s *Content) SourceState(name string) (SourceState, error) {
	if s.closed.Load() {
		return SourceState{}, ErrClosed
	}
	st := SourceState{Name: name}
	err := s.db.View(func(txn *badger.Txn) error {
		v, err := getValue(txn, sourceKey(name))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return decodeJSON(v, &st)
	})
	return st, err
}

// SetSourceState stores a source's state. It is not known content: the
// index version stays as it is.
func (s *Content) SetSourceState(st SourceState) error {
	if strings.TrimSpace(st.Name) == "" {
		return errors.New("index: a source state needs a name")
	}
	if s.closed.Load() {
		return ErrClosed
	}
	return s.db.Update(func(txn *badger.Txn) error { return setJSON(txn, sourceKey(st.Name), &st) })
}

// BankItemsWithSignal returns the bank's items, active or retracted, that
// hold sig, in id order: a sync tells by them whether an entry is new,
// present, withdrawn by its source or retracted by an analyst.
func (s *Content) BankItemsWithSignal(bank string, sig signals.Signal) ([]known.Item, error) {
	var out []known.Item
	err := s.db.View(func(txn *badger.Txn) error {
		return eachPostingOf(txn, sig, func(id uint64, _ bool) (bool, error) {
			it, err := readItem(txn, id)
			if err != nil {
				return false, fmt.Errorf("index: posting of item %d: %w", id, err)
			}
			if it.Bank == bank {
				out = append(out, *it)
			}
			return true, nil
		})
	})
	return out, err
}
