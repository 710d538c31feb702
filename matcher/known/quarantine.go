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
	At     time.Time     `json:"at"`
	By     string        `json:"by,omitempty"`
}

// Describe says it in words, for the reason of a quarantined candidate.
func (q *Quarantine) Describe() string {
	return fmt.Sprintf("quarantined candidate: the item matched %d distinct inputs within %s, over the flood limit of %d, and was quarantined at %s; an analyst releases or retracts it",
		q.Inputs, q.Window, q.Limit, q.At.UTC().Format("2006-01-02 15:04Z"))
}

// The history entries of a quarantine and its release. They are never an
// item's Status: a quarantined item stays active, its matches held back.
const (
	Quarantined ItemStatus = "quarantined"
	Released    ItemStatus = "released"
)
