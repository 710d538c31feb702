package video

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/atkm/herken/matcher/media"
)

// HashBytes hashes a video held in memory. On Linux the bytes go into an
// anonymous memory file (memfd) that ffmpeg is handed as a descriptor: the
// video is never written to disk, and ffmpeg can seek in it, so every
// container works, MP4 and MOV with their index at the end included.
// As HashFile, it decodes only the container data says it is.
func HashBytes(ctx context.Context, data []byte, opts Options) ([]Frame, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ffmpeg, ffprobe, err := opts.programs()
	if err != nil {
		return nil, err
	}
	head := data[:min(len(data), media.SniffLen)]
	if _, _, ok := demuxer(media.Sniff(head)); !ok {
		return nil, notAVideo(media.Sniff(head)) // before copying it anywhere
	}
	fd, err := unix.MemfdCreate("herken-video", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("video: memfd: %w", err)
	}
	f := os.NewFile(uintptr(fd), "herken-video")
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return nil, fmt.Errorf("video: memfd: %w", err)
	}
	return hashFile(ctx, ffmpeg, ffprobe, f, "", head, opts)
}
