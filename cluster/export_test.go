package cluster

import (
	"context"

	"github.com/atkm/herken/matcher/known"
)

// SetSnapshotPartBytes sets the size of a snapshot's parts, for a test to
// store a small snapshot in many; restore sets it back.
func SetSnapshotPartBytes(n int64) (restore func()) {
	old := snapshotPartBytes
	snapshotPartBytes = n
	return func() { snapshotPartBytes = old }
}

// BankAtLeast is bankAtLeast, for the tests of the package's users.
func (c *Cluster) BankAtLeast(ctx context.Context, name string, seq uint64) (known.Bank, error) {
	return c.bankAtLeast(ctx, name, seq)
}
