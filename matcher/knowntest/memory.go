// Package knowntest holds what tests of matcher.KnownContent share: an
// in-memory implementation, a brute-force oracle for tests of the match
// use case, and a conformance suite that every implementation (the
// in-memory one, the Badger-backed index) passes, as restic tests its
// backends.
//
// Concurrency: a Memory may be read by concurrent goroutines; it is
// filled once, before use.
package knowntest

import (
	"github.com/atkm/herken/matcher"
)

// Memory is matcher.KnownContent over a slice, searched by brute force.
type Memory struct {
	version uint64
	banks   []*matcher.Bank
	items   []*matcher.Item
}

var _ matcher.KnownContent = (*Memory)(nil)

// NewMemory returns known content holding banks and items as given; items
// get ids 1, 2, ... in order unless they have one, and the status Active
// unless they have one.
func NewMemory(banks []matcher.Bank, items []matcher.Item) *Memory {
	m := &Memory{version: uint64(len(banks) + len(items))}
	for i := range banks {
		b := banks[i]
		m.banks = append(m.banks, &b)
	}
	for i := range items {
		it := items[i]
		if it.ID == 0 {
			it.ID = uint64(i + 1)
		}
		if it.Status == "" {
			it.Status = matcher.Active
		}
		m.items = append(m.items, &it)
	}
	return m
}

// View implements matcher.KnownContent.
func (m *Memory) View(fn func(matcher.KnownState) error) error { return fn(m) }

// Version implements matcher.KnownState.
func (m *Memory) Version() uint64 { return m.version }

// Banks implements matcher.KnownState.
func (m *Memory) Banks() []*matcher.Bank { return m.banks }

// Find implements matcher.KnownState by comparing s with every signal of
// every active item.
func (m *Memory) Find(s matcher.Signal, radius int, fn func(it *matcher.Item, dist int) error) error {
	for _, it := range m.items {
		if it.Status != matcher.Active {
			continue
		}
		best := -1
		for _, k := range it.IndexedSignals() {
			if k.Type != s.Type {
				continue
			}
			d, err := k.Distance(s)
			if err != nil {
				return err
			}
			if (s.Type.Exact() && d == 0) || (!s.Type.Exact() && d <= radius) {
				if best < 0 || d < best {
					best = d
				}
			}
		}
		if best >= 0 {
			if err := fn(it, best); err != nil {
				return err
			}
		}
	}
	return nil
}
