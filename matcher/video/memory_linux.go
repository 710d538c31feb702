package video

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// HashBytes hashes a video held in memory. On Linux the bytes go into an
// anonymous memory file (memfd) that ffmpeg opens by its /proc path: the
// video is never written to disk, and ffmpeg can seek in it, so every
// container works, MP4 and MOV with their index at the end included.
func HashBytes(ctx context.Context, data []byte, opts Options) ([]Frame, error) {
	fd, err := unix.MemfdCreate("herken-video", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("video: memfd: %w", err)
	}
	f := os.NewFile(uintptr(fd), "herken-video")
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return nil, fmt.Errorf("video: memfd: %w", err)
	}
	return HashFile(ctx, fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), fd), opts)
}
