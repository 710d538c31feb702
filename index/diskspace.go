package index

import (
	"fmt"
	"syscall"
)

// checkFreeSpace refuses a write when the data folder's disk has less
// than MinFreeBytes free, so that ingest stops with a clear error before
// the disk fills and the store stays intact.
func (s *Store) checkFreeSpace() error {
	if s.opts.MinFreeBytes < 0 {
		return nil
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(s.dir, &st); err != nil {
		return fmt.Errorf("index: checking free space: %w", err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	if free < s.opts.MinFreeBytes {
		return fmt.Errorf("%w: %d MiB free on the disk of %s, writes need %d MiB; reads go on",
			ErrDiskFull, free>>20, s.dir, s.opts.MinFreeBytes>>20)
	}
	return nil
}
