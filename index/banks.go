package index

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/atkm/herken/matcher/known"
	"github.com/dgraph-io/badger/v4"
)

// CreateBank stores a new bank as given; it matches only if b.Enabled.
// It returns the new index version.
func (s *Content) CreateBank(b known.Bank) (uint64, error) { return s.createBank(nil, b) }

func (s *Content) createBank(at *At, b known.Bank) (uint64, error) {
	if err := b.Validate(); err != nil {
		return 0, err
	}
	if b.Categories == nil {
		b.Categories = []known.Category{}
	}
	return s.updateAt(at, func(txn *badger.Txn) error {
		b.CreatedAt = s.at.Time
		if _, err := txn.Get(bankKey(b.Name)); err == nil {
			return fmt.Errorf("%w: %s", ErrBankExists, b.Name)
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		return setJSON(txn, bankKey(b.Name), &b)
	}, func() { s.banks[b.Name] = &b; s.bankList = nil })
}

// UpdateBank changes a bank with fn; its name cannot change.
func (s *Content) UpdateBank(name string, fn func(*known.Bank) error) (known.Bank, error) {
	return s.updateBank(nil, name, fn)
}

func (s *Content) updateBank(at *At, name string, fn func(*known.Bank) error) (known.Bank, error) {
	var updated known.Bank
	_, err := s.updateAt(at, func(txn *badger.Txn) error {
		b, err := readBank(txn, name)
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		if b.Name != name {
			return &known.InvalidError{Msg: "a bank cannot be renamed"}
		}
		if err := b.Validate(); err != nil {
			return err
		}
		updated = *b
		return setJSON(txn, bankKey(name), b)
	}, func() { s.banks[name] = &updated; s.bankList = nil })
	return updated, err
}

// Bank returns the named bank.
func (s *Content) Bank(name string) (known.Bank, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.banks[name]
	if !ok {
		return known.Bank{}, fmt.Errorf("%w: %s", ErrBankNotFound, name)
	}
	return *b, nil
}

// Banks returns every bank, sorted by name.
func (s *Content) Banks() []known.Bank {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]known.Bank, 0, len(s.banks))
	for _, b := range s.banks {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b known.Bank) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func readBank(txn *badger.Txn, name string) (*known.Bank, error) {
	return readJSON[known.Bank](txn, bankKey(name), ErrBankNotFound, name)
}

// readJSON reads the record under k; a missing one is notFound, naming
// what was looked for.
func readJSON[T any](txn *badger.Txn, k []byte, notFound error, what any) (*T, error) {
	v, err := getValue(txn, k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: %v", notFound, what)
	}
	if err != nil {
		return nil, err
	}
	rec := new(T)
	return rec, decodeJSON(v, rec)
}

func setJSON(txn *badger.Txn, k []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("index: encoding %q: %w", k, err)
	}
	return txn.Set(k, b)
}

func decodeJSON(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: undecodable record: %v", ErrInconsistent, err)
	}
	return nil
}
