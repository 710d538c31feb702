package index

import (
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/atkm/herken/matcher/known"
)

// Writes at a place of a replicated log.
//
// In a cluster, the changes of the known content are a log every replica
// applies in order (package cluster). Each change has its place in the
// log, a sequence number, and the time its writer recorded. Applying it
// with the methods below makes that sequence the index version, written
// in the same transaction as the change, and takes every time the write
// records (a bank's creation, an item's addition, a retraction) from the
// change, not from the clock: from the same starting state, every replica
// then reaches the same state, item ids included, since they are given in
// apply order.
//
// A change that is refused (a bank that exists, an item not found) or
// changes nothing still takes its place: the version moves to its
// sequence, so that a restarted replica resumes after it. Refusals depend
// only on the state, so a replica refuses a change exactly when every
// other does.

// At is a write's place in a replicated log: the version it gives the
// index and the time it records.
type At struct {
	Version uint64
	Time    time.Time
}

// Errors of writes at a place.
var (
	// ErrApplied is returned for a write at a place the index has
	// already passed: applying it again would apply it twice.
	ErrApplied = errors.New("index: change already applied")
	// ErrReplica refuses a write of this node alone to content that
	// follows a replicated log: it would take a version the log gives to
	// another change.
	ErrReplica = errors.New("index: this index is a cluster replica; its known content changes only through the cluster")
	// ErrOtherLog refuses to follow a log other than the one the index
	// has followed so far, or to follow one with content of its own.
	ErrOtherLog = errors.New("index: this index does not follow this log")
)

var keyLog = []byte("\x00meta/log")

// place sets s.at for the write about to be made. Called with writeM held.
func (s *Content) place(at *At, current uint64) error {
	if at == nil {
		if !s.logChecked {
			// A folder that followed a log stays a replica when opened
			// by a single node: a write of its own would take a
			// version the log gives to another change.
			if _, err := s.logID(); err == nil {
				s.replica.Store(true)
			}
			s.logChecked = true
		}
		if s.replica.Load() {
			return ErrReplica
		}
		s.at = At{Version: current + 1, Time: s.opts.Now().UTC()}
		return nil
	}
	if at.Version <= current {
		return fmt.Errorf("%w: %d (the index is at %d)", ErrApplied, at.Version, current)
	}
	s.at = At{Version: at.Version, Time: at.Time.UTC()}
	return nil
}

// Follow makes the content a replica of the log named id (a name that
// changes when the log is made anew, so that a replica never mixes two
// logs' sequences): from then on it changes only by writes at a place in
// that log. An index that follows no log yet may start following one only
// while it is empty (version 0); the choice is stored.
func (s *Content) Follow(id string) error {
	if id == "" {
		return fmt.Errorf("%w: no log id", ErrOtherLog)
	}
	s.writeM.Lock()
	defer s.writeM.Unlock()
	err := s.db.Update(func(txn *badger.Txn) error {
		v, err := getValue(txn, keyLog)
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
			if n := s.version.Load(); n != 0 {
				return fmt.Errorf("%w: the folder holds content of its own (index version %d); a replica starts from an empty folder", ErrOtherLog, n)
			}
			return txn.Set(keyLog, []byte(id))
		case err != nil:
			return err
		case string(v) != id:
			return fmt.Errorf("%w: the folder follows %q, not %q", ErrOtherLog, v, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.replica.Store(true)
	return nil
}

// FollowedLog returns the id of the log the content followed, if any.
func (s *Content) FollowedLog() (string, bool) {
	id, err := s.logID()
	return id, err == nil
}

// logID reads the id of the log the store follows.
func (s *Content) logID() (string, error) {
	var id string
	err := s.db.View(func(txn *badger.Txn) error {
		v, err := getValue(txn, keyLog)
		id = string(v)
		return err
	})
	return id, err
}

// CreateBankAt is CreateBank at a place of a log.
func (s *Content) CreateBankAt(at At, b known.Bank) error {
	_, err := s.createBank(&at, b)
	return s.passed(at, err)
}

// SetBankAt gives the bank named b.Name the settings of b, at a place of
// a log: the result of an UpdateBank computed by the change's writer.
// The bank's creation time and creator stay as stored.
func (s *Content) SetBankAt(at At, b known.Bank) (known.Bank, error) {
	out, err := s.updateBank(&at, b.Name, func(stored *known.Bank) error {
		b.CreatedAt, b.CreatedBy = stored.CreatedAt, stored.CreatedBy
		*stored = b
		return nil
	})
	return out, s.passed(at, err)
}

// AddItemsAt is AddItems at a place of a log.
func (s *Content) AddItemsAt(at At, items []known.Item) ([]Outcome, error) {
	out, _, err := s.addItems(&at, items)
	return out, s.passed(at, err)
}

// RetractAt is Retract at a place of a log.
func (s *Content) RetractAt(at At, id uint64, reason, by string) (known.Item, error) {
	it, err := s.setStatus(&at, id, known.Retracted, reason, by)
	return it, s.passed(at, err)
}

// ReactivateAt is Reactivate at a place of a log.
func (s *Content) ReactivateAt(at At, id uint64, reason, by string) (known.Item, error) {
	it, err := s.setStatus(&at, id, known.Active, reason, by)
	return it, s.passed(at, err)
}

// QuarantineAt is Quarantine at a place of a log.
func (s *Content) QuarantineAt(at At, id uint64, q known.Quarantine) (known.Item, error) {
	it, err := s.quarantine(&at, id, q)
	return it, s.passed(at, err)
}

// ReleaseAt is Release at a place of a log.
func (s *Content) ReleaseAt(at At, id uint64, reason, by string) (known.Item, error) {
	it, err := s.release(&at, id, reason, by)
	return it, s.passed(at, err)
}

// PassAt moves the version to at without a change: for a place of the log
// that holds no change this index applies (one it cannot decode, say).
func (s *Content) PassAt(at At) error { return s.passed(at, nil) }

// passed finishes a write at a place: a change that was refused, or
// changed nothing, still takes its place. Errors that are not refusals
// (I/O, a full disk, a closed index) leave the version where it was, so
// that the change is applied again once they are gone; so does a change
// already applied.
func (s *Content) passed(at At, err error) error {
	if err != nil && !refusal(err) {
		return err
	}
	s.writeM.Lock()
	defer s.writeM.Unlock()
	if s.version.Load() >= at.Version {
		return err
	}
	if uerr := s.db.Update(func(txn *badger.Txn) error { return txn.Set(keyVersion, u64(at.Version)) }); uerr != nil {
		return uerr
	}
	s.mu.Lock()
	s.version.Store(at.Version)
	s.mu.Unlock()
	return err
}

// refusal reports whether err refuses a change for what it asks given the
// state, the same on every replica, rather than for a failure of this
// node.
func refusal(err error) bool {
	var invalid *known.InvalidError
	return errors.As(err, &invalid) ||
		errors.Is(err, ErrBankExists) || errors.Is(err, ErrBankNotFound) || errors.Is(err, ErrItemNotFound) ||
		errors.Is(err, ErrAlreadyRetracted) || errors.Is(err, ErrNotRetracted) || errors.Is(err, ErrNoReason) ||
		errors.Is(err, ErrNotQuarantined)
}
