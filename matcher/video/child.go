package video

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/atkm/herken/matcher/media"
)

// source is an input as ffprobe and ffmpeg are handed it: a file they
// open through the file protocol (see fileURL), or a stream on their
// standard input.
type source struct {
	format media.Format
	file   *os.File // nil for a stream
	path   string   // the file's name, where fileURL needs it
}

// fileSource sniffs an open file from its first bytes.
func fileSource(f *os.File, path string, head []byte) (source, error) {
	s := source{format: media.Sniff(head), file: f, path: path}
	if _, _, ok := demuxer(s.format); !ok {
		return s, notAVideo(s.format)
	}
	return s, nil
}

func notAVideo(f media.Format) error {
	if f == media.Unknown {
		return fmt.Errorf("%w: not a video container herken reads", ErrCorrupt)
	}
	return fmt.Errorf("%w: %s is not a video container herken reads", ErrCorrupt, f)
}

// demuxer names the ffmpeg demuxer for a sniffed format, with the options
// it needs to read nothing but its input. Formats that are playlists or
// manifests (hls, dash, concat, image2 and the like) have none, so they
// are never decoded, whatever their bytes say.
func demuxer(f media.Format) (name string, opts []string, ok bool) {
	switch f {
	case media.MP4, media.QuickTime:
		// A QuickTime data reference (dref) can name another file;
		// ffmpeg follows it only with enable_drefs, and absolute paths
		// only with use_absolute_path. Both are off by default; they are
		// set here so that a changed default cannot turn them on.
		return "mov", []string{"-enable_drefs", "0", "-use_absolute_path", "0"}, true
	case media.WebM, media.Matroska:
		return "matroska", nil, true
	case media.AVI:
		return "avi", nil, true
	case media.FLV:
		return "flv", nil, true
	case media.MPEGTS:
		return "mpegts", nil, true
	case media.GIF:
		// An animated GIF is a video to ffmpeg (HashFile is given them);
		// the service routes GIFs as photos.
		return "gif", nil, true
	}
	return "", nil, false
}

// inputArgs are the options and input of an ffprobe or ffmpeg command
// line. Without -f, ffmpeg chooses a demuxer by probing the bytes, and a
// DASH manifest or HLS playlist behind a video-looking start would be
// followed to the files and URLs it names. So the demuxer is the one
// herken sniffed; format_whitelist keeps any demuxer from opening a nested
// one; protocol_whitelist allows only the protocol the input itself is
// read through. max_pixels is checked by the decoder at every change of
// frame size, not only in the stream header that probing sees, and threads
// bounds the decoder's threads: both bound ffmpeg's own memory.
func (s source) inputArgs(opts Options, threads int) []string {
	name, demuxOpts, _ := demuxer(s.format)
	url, proto := "pipe:0", "pipe"
	if s.file != nil {
		url, proto = fileURL(s.path), "file"
	}
	args := []string{
		"-threads", strconv.Itoa(threads), "-max_pixels", strconv.Itoa(opts.MaxPixels),
		"-protocol_whitelist", proto, "-format_whitelist", name, "-f", name,
	}
	args = append(args, demuxOpts...)
	return append(args, "-i", url)
}

// prlimitProgram runs a program under resource limits (util-linux); a
// variable so that tests can take the other way, see limitCommand.
var prlimitProgram = "prlimit"

// childExited, when set (by tests), is told how each ffprobe and ffmpeg
// process ended, with its resource usage.
var childExited func(*os.ProcessState)

// child is an ffprobe or ffmpeg process.
type child struct {
	*exec.Cmd
	ctx   context.Context // the child is killed when it ends
	watch stderrWatch
	limit int64 // the address-space limit start is to set, if positive
}

// command prepares prog to run with args for s under opts' memory limit.
// It is killed when ctx ends.
func command(ctx context.Context, prog string, args []string, s source, opts Options) *child {
	name, args, after := limitCommand(prog, args, opts.MaxMemory)
	c := &child{Cmd: exec.CommandContext(ctx, name, args...), ctx: ctx, limit: after}
	cmd := c.Cmd
	cmd.WaitDelay = waitDelay
	// Two malloc arenas instead of eight per core: they are reserved
	// address space, which the memory limit counts.
	cmd.Env = append(os.Environ(), "MALLOC_ARENA_MAX=2")
	cmd.Stderr = &c.watch
	if s.file != nil {
		cmd.ExtraFiles = []*os.File{s.file} // descriptor 3, see fileURL
	}
	return c
}

// start starts the child and sets its memory limit if command could not.
func (c *child) start() error {
	if err := c.Start(); err != nil {
		if ctxErr := contextError(c.ctx); ctxErr != nil {
			return ctxErr // the time ran out, or the caller left, before it started
		}
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w: %v", ErrFFmpegMissing, err)
		}
		return fmt.Errorf("video: starting %s: %w", filepath.Base(c.Path), err)
	}
	if err := limitStarted(c.Cmd, c.limit); err != nil {
		_ = c.Process.Kill()
		_ = c.Wait()
		return fmt.Errorf("video: limiting ffmpeg's memory: %w", err)
	}
	return nil
}

// wait waits for the child and reports how it ended to childExited.
func (c *child) wait() error {
	err := c.Wait()
	if childExited != nil && c.ProcessState != nil {
		childExited(c.ProcessState)
	}
	return err
}

// stderrWatch looks through ffmpeg's messages for those that say a limit
// was hit, and keeps nothing: the messages quote paths and can quote the
// input, so they reach neither a client nor a log. ffmpeg goes on after a
// frame over max_pixels (it drops it) and after a failed allocation, and
// may exit with status 0, so the messages are the only sign.
type stderrWatch struct {
	tail           []byte // the end of the last write, for a match across writes
	pixels, memory bool
}

var (
	pixelsMessages = [][]byte{[]byte("max pixel count")}
	memoryMessages = [][]byte{
		[]byte("Cannot allocate memory"), // ENOMEM
		[]byte("Could not allocate"),
		// The dynamic loader, with too little address space.
		[]byte("failed to map segment"),
		[]byte("cannot map zero-fill pages"),
	}
)

func (w *stderrWatch) Write(p []byte) (int, error) {
	const keep = 64
	b := append(w.tail, p...)
	w.pixels = w.pixels || containsAny(b, pixelsMessages)
	w.memory = w.memory || containsAny(b, memoryMessages)
	w.tail = append(w.tail[:0], b[max(0, len(b)-keep):]...)
	return len(p), nil
}

func containsAny(b []byte, subs [][]byte) bool {
	for _, s := range subs {
		if bytes.Contains(b, s) {
			return true
		}
	}
	return false
}

// err is the limit the child hit, if its messages say one was.
func (w *stderrWatch) err(opts Options) error {
	switch {
	case w.pixels:
		return fmt.Errorf("%w: a frame is over the %d-pixel limit", ErrTooLarge, opts.MaxPixels)
	case w.memory && opts.MaxMemory > 0:
		return fmt.Errorf("%w: decoding needs more than the %d-byte memory limit", ErrTooLarge, opts.MaxMemory)
	case w.memory:
		return fmt.Errorf("%w: ffmpeg ran out of memory", ErrTooLarge)
	}
	return nil
}
