//go:build !linux

package video

import (
	"bytes"
	"context"
)

// HashBytes hashes a video held in memory, streaming it to ffmpeg through
// a pipe: MP4 and MOV files whose index comes last cannot be decoded so
// (on Linux, a memory file lifts that limit).
func HashBytes(ctx context.Context, data []byte, opts Options) ([]Frame, error) {
	return HashReader(ctx, bytes.NewReader(data), opts)
}
