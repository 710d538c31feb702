package index

import (
	"encoding/binary"
	"errors"

	"github.com/dgraph-io/badger/v4"

	"github.com/atkm/herken/matcher/known"
)

var prefixFeedback = []byte("fb/")

func feedbackKey(id uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte{}, prefixFeedback...), id)
}

// FeedbackStore keeps analysts' feedback outside the index's folder: a
// cluster's replicated bucket, so that a verdict given on one replica
// counts on all. It may be used from concurrent goroutines.
type FeedbackStore interface {
	AddFeedback(id uint64, e known.FeedbackEntry) (known.Feedback, error)
	Feedback(id uint64) (known.Feedback, error)
}

// KeepFeedbackIn makes fs hold the feedback from now on: AddFeedback
// checks the item here and counts the verdict there, Feedback reads it
// there. The feedback the folder held before stays there, unread.
func (s *Content) KeepFeedbackIn(fs FeedbackStore) { s.feedback.Store(&fs) }

// AddFeedback records an analyst's verdict on a match of item id and
// returns the item's feedback with it counted. The feedback is not known
// content: recording it leaves the index version as it is, and a
// retracted item may still be given a verdict.
func (s *Content) AddFeedback(id uint64, e known.FeedbackEntry) (known.Feedback, error) {
	if err := e.Validate(); err != nil {
		return known.Feedback{}, err
	}
	if s.closed.Load() {
		return known.Feedback{}, ErrClosed
	}
	if err := s.checkFreeSpace(); err != nil {
		return known.Feedback{}, err
	}
	e.At = s.opts.Now().UTC()
	if fs := s.feedback.Load(); fs != nil {
		// The item must be known here, as below; the count is the
		// cluster's.
		if err := s.db.View(func(txn *badger.Txn) error { _, err := readItem(txn, id); return err }); err != nil {
			return known.Feedback{}, err
		}
		return (*fs).AddFeedback(id, e)
	}
	// Serialised with the other writers: two verdicts at once would
	// otherwise conflict on the counts.
	s.writeM.Lock()
	defer s.writeM.Unlock()
	var out known.Feedback
	err := s.db.Update(func(txn *badger.Txn) error {
		if _, err := readItem(txn, id); err != nil {
			return err
		}
		f, err := readFeedback(txn, id)
		if err != nil {
			return err
		}
		f.Add(e)
		out = f
		return setJSON(txn, feedbackKey(id), &f)
	})
	return out, err
}

// Feedback returns the feedback recorded on item id: zero counts and no
// last verdict when there is none.
func (s *Content) Feedback(id uint64) (known.Feedback, error) {
	if fs := s.feedback.Load(); fs != nil {
		return (*fs).Feedback(id)
	}
	var out known.Feedback
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		out, err = readFeedback(txn, id)
		return err
	})
	return out, err
}

func readFeedback(txn *badger.Txn, id uint64) (known.Feedback, error) {
	f, err := readJSON[known.Feedback](txn, feedbackKey(id), ErrItemNotFound, id)
	if errors.Is(err, ErrItemNotFound) {
		return known.Feedback{ItemID: id}, nil
	}
	if err != nil {
		return known.Feedback{}, err
	}
	return *f, nil
}
