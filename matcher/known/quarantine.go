package known

import (
	"fmt"
	"time"
)

// Quarantine says why an item's matches are held back: it matched more
// distinct inputs in an hour than the service's flood limit, as a bad
// entry in a list (a logo, a flag, a near-blank frame) does. While it is
// set, analysts see the item's matches as quarantined candidates and
// crawlers and providers see none, until an analyst releases or retracts
// the item.
type Quarantine struct {
	// Inputs is the number of distinct inputs the item matched within
	// Window before it was quarantined; Limit is the flood limit.
	Inputs int           `json:"inputs"`
	Limit  int           `json:"limit"`
	Window time.Duration `json:"window_ns"`
	// FalsePositives and Confirmed are set instead when analysts'
	// verdicts quarantined the item (FeedbackQuarantine).
	FalsePositives int       `json:"false_positives,omitempty"`
	Confirmed      int       `json:"confirmed,omitempty"`
	At             time.Time `json:"at"`
	By             string    `json:"by,omitempty"`
}

// FeedbackQuarantine is how many false-positive verdicts quarantine an
// item, when they outnumber the confirmations: one analyst's doubt is a
// note, three are a reason to hold the item back until someone decides.
const FeedbackQuarantine = 3

// QuarantineFor returns the quarantine analysts' feedback f calls for, if
// any.
func QuarantineFor(f Feedback) (Quarantine, bool) {
	if f.FalsePositive < FeedbackQuarantine || f.FalsePositive <= f.Confirmed {
		return Quarantine{}, false
	}
	return Quarantine{FalsePositives: f.FalsePositive, Confirmed: f.Confirmed, By: "analysts' feedback"}, true
}

// Describe says it in words, for the reason of a quarantined candidate.
func (q *Quarantine) Describe() string {
	if q.FalsePositives > 0 {
		return fmt.Sprintf("quarantined candidate: analysts recorded %d false-positive verdicts against %d confirmations, and the item was quarantined at %s; an analyst releases or retracts it",
			q.FalsePositives, q.Confirmed, q.At.UTC().Format("2006-01-02 15:04Z"))
	}
	return fmt.Sprintf("quarantined candidate: the item matched %d distinct inputs within %s, over the flood limit of %d, and was quarantined at %s; an analyst releases or retracts it",
		q.Inputs, q.Window, q.Limit, q.At.UTC().Format("2006-01-02 15:04Z"))
}

// The history entries of a quarantine and its release. They are never an
// item's Status: a quarantined item stays active, its matches held back.
const (
	Quarantined ItemStatus = "quarantined"
	Released    ItemStatus = "released"
)
