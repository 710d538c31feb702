package cluster

import (
	"encoding/json"
	"fmt"

	"github.com/atkm/herken/matcher/known"
)

// formatVersion is the version of the change record. A replica refuses
// (and stops at) a change of a version it does not know rather than skip
// it: skipping would make it differ from the others.
const formatVersion = 1

// Op names a kind of change; it is also the last token of the subject.
type Op string

// The changes of the known content.
const (
	OpCreateBank Op = "create_bank" // Bank: the new bank
	OpSetBank    Op = "set_bank"    // Bank: a bank's settings after an update
	OpAddItems   Op = "add_items"   // Items
	OpRetract    Op = "retract"     // ID, Reason, By
	OpReactivate Op = "reactivate"  // ID, Reason, By
	OpQuarantine Op = "quarantine"  // ID, Quarantine
	OpRelease    Op = "release"     // ID, Reason, By
)

// Change is one change of the known content, as stored in the stream. It
// carries the result a writer decided (a bank's new settings), never a
// computation to redo, so that applying it is the same on every replica.
// Times are not in it: the stream's timestamp of the message is the time
// of the change.
type Change struct {
	V     int          `json:"v"`
	Op    Op           `json:"op"`
	Bank  *known.Bank  `json:"bank,omitempty"`
	Items []known.Item `json:"items,omitempty"`
	ID    uint64       `json:"id,omitempty"`
	// Quarantine is why an item's matches are held back.
	Quarantine *known.Quarantine `json:"quarantine,omitempty"`
	Reason     string            `json:"reason,omitempty"`
	By         string            `json:"by,omitempty"`
}

func (c Change) subject() string { return subjectPrefix + string(c.Op) }

// check refuses a change that cannot be applied whatever the state.
func (c Change) check() error {
	switch c.Op {
	case OpCreateBank, OpSetBank:
		if c.Bank == nil {
			return fmt.Errorf("cluster: a %s change without a bank", c.Op)
		}
	case OpAddItems:
		if len(c.Items) == 0 {
			return fmt.Errorf("cluster: an %s change without items", c.Op)
		}
	case OpQuarantine:
		if c.ID == 0 || c.Quarantine == nil {
			return fmt.Errorf("cluster: a %s change without an item id or a quarantine", c.Op)
		}
	case OpRetract, OpReactivate, OpRelease:
		if c.ID == 0 {
			return fmt.Errorf("cluster: a %s change without an item id", c.Op)
		}
	default:
		return fmt.Errorf("cluster: unknown change %q", c.Op)
	}
	return nil
}

func decodeChange(data []byte) (Change, error) {
	var c Change
	if err := json.Unmarshal(data, &c); err != nil {
		return Change{}, fmt.Errorf("cluster: undecodable change: %w", err)
	}
	if c.V != formatVersion {
		return Change{}, fmt.Errorf("cluster: change format %d, this herken knows %d: upgrade it", c.V, formatVersion)
	}
	return c, c.check()
}
