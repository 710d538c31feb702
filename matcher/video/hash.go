package video

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
)

// waitDelay bounds how long Wait waits for ffmpeg's pipes once it has
// exited or been killed, so that a stalled input reader cannot hang us.
const waitDelay = 2 * time.Second

// HashFile decodes the video at path with ffmpeg and returns the vPDQ
// features of its sampled frames, in frame order. ffmpeg reads the file
// itself, so every container works, including MP4 and MOV files whose index
// (moov) comes after the media data. The container is the one its first
// bytes say (media.Sniff): anything else, a playlist or manifest above
// all, is refused with ErrCorrupt.
func HashFile(ctx context.Context, path string, opts Options) ([]Frame, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ffmpeg, ffprobe, err := opts.programs()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("video: %w", err)
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrCorrupt, path)
	}
	head := make([]byte, media.SniffLen)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("video: %w", err)
	}
	return hashFile(ctx, ffmpeg, ffprobe, f, path, head[:n], opts)
}

// hashFile hashes an open file that starts with head; opts are complete.
func hashFile(ctx context.Context, ffmpeg, ffprobe string, f *os.File, path string, head []byte, opts Options) ([]Frame, error) {
	src, err := fileSource(f, path, head)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	s, err := probe(ctx, ffprobe, src, nil, opts)
	if err != nil {
		return nil, err
	}
	return decode(ctx, ffmpeg, src, nil, s, opts)
}

// HashReader is HashFile for a stream: ffmpeg reads it from a pipe, and it
// is never written to disk. When the timeout passes, ffmpeg is killed and
// HashReader returns, but a Read of r that is blocked then stays blocked
// until r returns: give r its own deadline (a network body has one). The first Options.ProbeBytes are held in memory
// so that ffprobe can learn the frame rate and size first. Containers that
// need seeking — MP4 and MOV whose index comes last, i.e. not "faststart" —
// cannot be decoded from a pipe and give ErrCorrupt; use HashFile for them.
func HashReader(ctx context.Context, r io.Reader, opts Options) ([]Frame, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ffmpeg, ffprobe, err := opts.programs()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	prefix, err := readPrefix(ctx, r, opts.ProbeBytes)
	if err != nil {
		return nil, err
	}
	src := source{format: media.Sniff(prefix)}
	if _, _, ok := demuxer(src.format); !ok {
		return nil, notAVideo(src.format)
	}
	s, err := probe(ctx, ffprobe, src, bytes.NewReader(prefix), opts)
	if err != nil {
		return nil, err
	}
	return decode(ctx, ffmpeg, src, io.MultiReader(bytes.NewReader(prefix), r), s, opts)
}

// readPrefix reads up to n bytes, giving up when ctx ends.
func readPrefix(ctx context.Context, r io.Reader, n int) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(r, int64(n)))
		done <- result{b, err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			return nil, fmt.Errorf("video: reading input: %w", res.err)
		}
		if len(res.b) == 0 {
			return nil, fmt.Errorf("%w: empty input", ErrCorrupt)
		}
		return res.b, nil
	case <-ctx.Done():
		return nil, contextError(ctx)
	}
}

// frameStep is the reference's sampling: every step-th decoded frame,
// step = int(secondsPerHash * frameRate), at least 1.
func frameStep(frameRate float64, opts Options) int {
	if opts.AllFrames {
		return 1
	}
	step := int(1 / opts.FramesPerSecond * frameRate)
	return max(step, 1)
}

// outputSize scales the coded size down to fit maxSide, aspect kept.
func outputSize(w, h, maxSide int) (int, int) {
	if w <= maxSide && h <= maxSide {
		return w, h
	}
	scale := float64(maxSide) / float64(max(w, h))
	return max(1, int(math.Round(float64(w)*scale))), max(1, int(math.Round(float64(h)*scale)))
}

// ffmpegArgs builds the command line after the input (see inputArgs):
// the first video stream, every step-th decoded frame (select on the
// decoded-frame counter n, as the reference counts), converted to packed
// RGB by swscale with SWS_AREA and the BT.601 matrix as the reference's
// sws_getContext does, as raw frames on stdout, one after another.
// accurate_rnd: with it, ffmpeg 5.1 on amd64 gives the reference's
// published hashes for 539 of 564 frames of its sample video (the rest
// within 2 bits); without it, 270 (within 6 bits).
func ffmpegArgs(input []string, step, w, h int) []string {
	filter := fmt.Sprintf("scale=%d:%d:flags=area+accurate_rnd:in_color_matrix=bt601", w, h)
	if step > 1 {
		filter = fmt.Sprintf("select=not(mod(n\\,%d)),", step) + filter
	}
	args := append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-noautorotate"}, input...)
	return append(args,
		"-map", "0:v:0", "-an", "-sn", "-dn",
		"-filter_threads", "1", "-vf", filter,
		"-vsync", "passthrough",
		"-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
	)
}

// decode runs ffmpeg on src, reading stdin when src is a stream, and
// hashes its frames as they arrive: one frame buffer is read while the
// previous one is hashed. Its errors say what went wrong in herken's
// words, never in ffmpeg's (see stderrWatch).
func decode(ctx context.Context, ffmpeg string, src source, stdin io.Reader, s stream, opts Options) ([]Frame, error) {
	if s.width*s.height > opts.MaxPixels || s.width > 1<<16 || s.height > 1<<16 {
		return nil, fmt.Errorf("%w: %dx%d is over the %d-pixel limit", ErrTooLarge, s.width, s.height, opts.MaxPixels)
	}
	step := frameStep(s.frameRate, opts)
	w, h := outputSize(s.width, s.height, opts.MaxSide)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := command(ctx, ffmpeg, ffmpegArgs(src.inputArgs(opts, opts.Threads), step, w, h), src, opts)
	stdout, err := c.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	var stdinPipe io.WriteCloser
	if stdin != nil {
		// Copied by our own goroutine, not by exec's: Wait would wait for
		// exec's copier, which hangs while the caller's reader stalls.
		if stdinPipe, err = c.StdinPipe(); err != nil {
			return nil, fmt.Errorf("video: %w", err)
		}
	}
	if err := c.start(); err != nil {
		return nil, err
	}
	if stdinPipe != nil {
		// Ends when the input does or ffmpeg exits (Wait closes the pipe);
		// a Read that never returns is the caller's to end.
		go func() {
			_, _ = io.Copy(stdinPipe, stdin)
			stdinPipe.Close()
		}()
	}

	frames, short := hashFrames(stdout, w, h, step, s.frameRate, opts.Views)
	waitErr := c.wait()
	if err := contextError(ctx); err != nil {
		return nil, err
	}
	if err := c.watch.err(opts); err != nil {
		return nil, err
	}
	switch {
	case waitErr != nil:
		return nil, fmt.Errorf("%w: ffmpeg cannot decode it (%v)", ErrCorrupt, waitErr)
	case short:
		return nil, fmt.Errorf("%w: ffmpeg stopped within a frame", ErrCorrupt)
	case len(frames) == 0:
		return nil, fmt.Errorf("%w: no frame decoded", ErrCorrupt)
	}
	return frames, nil
}

// hashFrames reads w*h RGB frames from r until EOF and hashes each, one
// frame read ahead while the previous one is hashed. short reports a
// partial last frame. It reads r to its end, so that ffmpeg never blocks.
// Each frame's views are hashed with it.
func hashFrames(r io.Reader, w, h, step int, frameRate float64, views Views) (frames []Frame, short bool) {
	size := w * h * 3
	free := make(chan []byte, 2)
	free <- make([]byte, size)
	free <- make([]byte, size)
	full := make(chan []byte, 1)
	shortc := make(chan bool, 1)
	go func() {
		defer close(full)
		for {
			buf := <-free
			if _, err := io.ReadFull(r, buf); err != nil {
				_, _ = io.Copy(io.Discard, r)
				shortc <- err != io.EOF
				return
			}
			full <- buf
		}
	}()

	hasher := pdq.NewHasher(pdq.Options{FullResolution: true})
	viewer := newViewer(views)
	// The reference divides in float32: frameNumber / (float)frameRate.
	rate32 := float32(frameRate)
	for k := 0; ; k++ {
		buf, ok := <-full
		if !ok {
			break
		}
		res := viewer.frameHash(hasher, buf, w, h)
		frameViews := viewer.of(buf, w, h, res)
		free <- buf
		n := k * step
		frames = append(frames, Frame{
			Number:    n,
			Quality:   res.Quality,
			Hash:      res.Hash,
			Timestamp: float64(float32(n) / rate32),
			Views:     frameViews,
		})
	}
	return frames, <-shortc
}
