package cluster

// SetSnapshotPartBytes sets the size of a snapshot's parts, for a test to
// store a small snapshot in many; restore sets it back.
func SetSnapshotPartBytes(n int64) (restore func()) {
	old := snapshotPartBytes
	snapshotPartBytes = n
	return func() { snapshotPartBytes = old }
}
