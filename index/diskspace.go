package index

import (
	"fmt"
	"syscall"
)

// checkFreeSpace refuses a write when the data folder's disk has less
// than MinFreeBytes free, so that ingest stops with a clear error before
// the disk fills and the store stays intact.
func (b *base) checkFreeSpace() error {
	if b.opts.MinFreeBytes < 0 {
		return nil
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(b.dir, &st); err != nil {
		return fmt.Errorf("index: checking free space: %w", err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	if free < b.opts.MinFreeBytes {
		return fmt.Errorf("%w: %d MiB free on the disk of %s, writes need %d MiB; reads go on",
			ErrDiskFull, free>>20, b.dir, b.opts.MinFreeBytes>>20)
	}
	return nil
}
