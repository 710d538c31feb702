package known

import (
	"strings"
	"time"
)

// Verdict is an analyst's judgement of a match of an item.
type Verdict string

// The verdicts.
const (
	Confirmed     Verdict = "confirmed"
	FalsePositive Verdict = "false_positive"
)

// ParseVerdict parses a verdict's name ("false-positive" and
// "false positive" are taken for false_positive).
func ParseVerdict(s string) (Verdict, error) {
	v := Verdict(strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(s))))
	if v != Confirmed && v != FalsePositive {
		return "", invalidf("unknown verdict %q (known: confirmed, false_positive)", s)
	}
	return v, nil
}

// FeedbackEntry is one verdict on a match of an item.
type FeedbackEntry struct {
	Verdict Verdict   `json:"verdict"`
	Note    string    `json:"note,omitempty"`
	By      string    `json:"by,omitempty"`
	At      time.Time `json:"at"`
}

// Validate checks a verdict and the length of its note.
func (e *FeedbackEntry) Validate() error {
	if _, err := ParseVerdict(string(e.Verdict)); err != nil {
		return err
	}
	if len(e.Note) > 1024 {
		return invalidf("a feedback note is limited to 1024 bytes")
	}
	return nil
}

// Feedback is what analysts said of an item's matches: how often each
// verdict was given and the last one. It is kept apart from the item, so
// that recording a verdict leaves the known content and its version as
// they are.
type Feedback struct {
	ItemID        uint64         `json:"item_id"`
	Confirmed     int            `json:"confirmed"`
	FalsePositive int            `json:"false_positive"`
	Last          *FeedbackEntry `json:"last,omitempty"`
}

// Add counts e and makes it the last verdict.
func (f *Feedback) Add(e FeedbackEntry) {
	switch e.Verdict {
	case Confirmed:
		f.Confirmed++
	case FalsePositive:
		f.FalsePositive++
	}
	f.Last = &e
}
