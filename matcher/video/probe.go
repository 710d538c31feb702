package video

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Available reports whether ffmpeg and ffprobe can be run with the default
// options.
func Available() bool {
	o, _ := Options{}.withDefaults()
	_, _, err := o.programs()
	return err == nil
}

// programs resolves the ffmpeg and ffprobe executables.
func (o Options) programs() (ffmpeg, ffprobe string, err error) {
	ffmpeg, err = exec.LookPath(o.FFmpeg)
	if err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrFFmpegMissing, err)
	}
	probe := o.FFprobe
	if probe == "" {
		probe = "ffprobe"
		if strings.ContainsRune(o.FFmpeg, filepath.Separator) {
			probe = filepath.Join(filepath.Dir(ffmpeg), "ffprobe")
		}
	}
	ffprobe, err = exec.LookPath(probe)
	if err != nil {
		return "", "", fmt.Errorf("%w: ffprobe: %v", ErrFFmpegMissing, err)
	}
	return ffmpeg, ffprobe, nil
}

// stream is what decoding needs to know before it starts.
type stream struct {
	width, height int
	frameRate     float64 // avg_frame_rate, else r_frame_rate, as the reference
}

// probe runs ffprobe on src (reading stdin when src is a stream) and
// describes its first video stream, the one the reference hashes.
func probe(ctx context.Context, ffprobe string, src source, stdin io.Reader, opts Options) (stream, error) {
	args := append([]string{"-v", "error"}, src.inputArgs(opts, 1)...)
	args = append(args, "-select_streams", "v:0",
		"-show_entries", "stream=width,height,avg_frame_rate,r_frame_rate", "-of", "json")
	c := command(ctx, ffprobe, args, src, opts)
	c.Stdin = stdin
	var stdout bytes.Buffer
	c.Stdout = &limitedWriter{w: &stdout, n: 1 << 20}
	if err := c.start(); err != nil {
		return stream{}, err
	}
	if err := c.wait(); err != nil {
		if ctxErr := contextError(ctx); ctxErr != nil {
			return stream{}, ctxErr
		}
		if limitErr := c.watch.err(opts); limitErr != nil {
			return stream{}, limitErr
		}
		return stream{}, fmt.Errorf("%w: ffprobe cannot read it as %s (%v)", ErrCorrupt, src.format, err)
	}
	var out struct {
		Streams []struct {
			Width        int    `json:"width"`
			Height       int    `json:"height"`
			AvgFrameRate string `json:"avg_frame_rate"`
			RFrameRate   string `json:"r_frame_rate"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return stream{}, fmt.Errorf("%w: ffprobe's output is not the JSON asked for", ErrCorrupt)
	}
	if len(out.Streams) == 0 {
		return stream{}, ErrNoVideo
	}
	s := out.Streams[0]
	if s.Width <= 0 || s.Height <= 0 {
		return stream{}, fmt.Errorf("%w: video stream has size %dx%d", ErrCorrupt, s.Width, s.Height)
	}
	rate := parseRate(s.AvgFrameRate)
	if rate == 0 {
		rate = parseRate(s.RFrameRate)
	}
	if rate == 0 {
		return stream{}, fmt.Errorf("%w: frame rate is unknown", ErrCorrupt)
	}
	return stream{width: s.Width, height: s.Height, frameRate: rate}, nil
}

// parseRate parses ffprobe's "num/den"; 0 when unknown.
func parseRate(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	n, err1 := strconv.ParseInt(num, 10, 64)
	d := int64(1)
	var err2 error
	if ok {
		d, err2 = strconv.ParseInt(den, 10, 64)
	}
	if err1 != nil || err2 != nil || n <= 0 || d <= 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// contextError maps a finished context to the package's errors.
func contextError(ctx context.Context) error {
	switch err := ctx.Err(); {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	case err != nil:
		return fmt.Errorf("video: %w", err)
	}
	return nil
}

// limitedWriter fails once more than n bytes are written.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		return 0, errors.New("video: ffprobe output too long")
	}
	l.n -= len(p)
	return l.w.Write(p)
}
