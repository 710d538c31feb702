package video

import (
	"errors"
	"fmt"
	"time"

	"github.com/atkm/herken/matcher/pdq"
)

// Frame is the vPDQ feature of one sampled frame: its number among the
// decoded frames (from 0), the PDQ quality (0..100), the PDQ hash and its
// time in seconds, computed as the reference does (frame number divided by
// the stream's average frame rate).
type Frame struct {
	Number    int
	Quality   int
	Hash      pdq.Hash
	Timestamp float64
	// Views are the frame's other readings, when Options.Views asked for
	// them (never in the vPDQ text format).
	Views []View
}

// Defaults for Options.
const (
	DefaultFramesPerSecond = 1.0
	DefaultTimeout         = 10 * time.Minute
	// DefaultMaxSide keeps 4K UHD at full resolution, as the reference
	// hashes it; larger frames are scaled down, which moves their hashes by
	// a few bits. One frame buffer then holds at most ~45 MB of RGB and
	// ~60 MB of float32 luma.
	DefaultMaxSide = 3840
	// DefaultMaxPixels refuses streams whose coded frames are larger than
	// 8K UHD before ffmpeg allocates their decode buffers.
	DefaultMaxPixels = 7680 * 4320
	DefaultThreads   = 2
	// DefaultMaxMemory bounds each ffmpeg and ffprobe process's address
	// space. ffmpeg 5.1 reserves about 0.3-0.6 GiB of it before decoding
	// (its libraries, thread stacks); a 4K decode peaked under 0.5 GiB and
	// an 8K H.264 one (DefaultMaxPixels, DefaultThreads) at about 0.8 GiB
	// here. Raise it with MaxPixels or Threads.
	DefaultMaxMemory = 1 << 30
	// DefaultProbeBytes is how much of a piped input is held in memory to
	// learn its frame rate and size before decoding starts.
	DefaultProbeBytes = 8 << 20
)

// Options configure frame hashing. The zero value uses the defaults.
type Options struct {
	// FramesPerSecond is the sampling rate (default 1). As in the
	// reference, every k-th decoded frame is hashed, with
	// k = int(frameRate / FramesPerSecond), at least 1.
	FramesPerSecond float64
	// AllFrames hashes every decoded frame (the reference's
	// seconds_per_hash = 0); FramesPerSecond is then ignored.
	AllFrames bool
	// Timeout bounds probing and decoding together (default
	// DefaultTimeout); ffmpeg is killed when it passes.
	Timeout time.Duration
	// MaxSide: frames with a longer side are scaled down, aspect kept,
	// before they reach herken's memory (default DefaultMaxSide).
	MaxSide int
	// MaxPixels refuses streams whose coded width*height exceeds it
	// (default DefaultMaxPixels), with ErrTooLarge: in the header ffprobe
	// reads, and in the decoder at every change of frame size.
	MaxPixels int
	// Threads bounds ffmpeg's decoding threads (default DefaultThreads).
	Threads int
	// MaxMemory bounds the address space, in bytes, of each ffmpeg and
	// ffprobe process (RLIMIT_AS; default DefaultMaxMemory; negative for
	// none). It is set through util-linux's prlimit program when it is
	// installed, else on the process just after it starts; on Linux only.
	// A decode that needs more fails with ErrTooLarge.
	MaxMemory int64
	// FFmpeg is the ffmpeg program (default "ffmpeg", looked up in PATH).
	FFmpeg string
	// FFprobe is the ffprobe program (default: "ffprobe" beside FFmpeg
	// when FFmpeg is a path, else looked up in PATH).
	FFprobe string
	// Views also hashes other readings of each frame (QueryViews for a
	// query, KnownViews for a known video); none by default, as the
	// reference.
	Views Views
	// ProbeBytes is how much of a piped input HashReader buffers for
	// probing (default DefaultProbeBytes).
	ProbeBytes int
}

func (o Options) withDefaults() (Options, error) {
	if o.FramesPerSecond == 0 {
		o.FramesPerSecond = DefaultFramesPerSecond
	}
	if !o.AllFrames && !(o.FramesPerSecond > 0) {
		return o, fmt.Errorf("video: frames per second %v is not positive", o.FramesPerSecond)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxSide <= 0 {
		o.MaxSide = DefaultMaxSide
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = DefaultMaxPixels
	}
	if o.Threads <= 0 {
		o.Threads = DefaultThreads
	}
	if o.MaxMemory == 0 {
		o.MaxMemory = DefaultMaxMemory
	}
	if o.FFmpeg == "" {
		o.FFmpeg = "ffmpeg"
	}
	if o.ProbeBytes <= 0 {
		o.ProbeBytes = DefaultProbeBytes
	}
	return o, nil
}

// Errors. Each error returned by HashFile and HashReader wraps one of them
// (or a context error), so that callers can tell them apart with errors.Is.
var (
	// ErrFFmpegMissing: the ffmpeg or ffprobe program is not installed.
	ErrFFmpegMissing = errors.New("video: ffmpeg is not installed")
	// ErrCorrupt: the input is not a video ffmpeg can decode, or not in a
	// container herken decodes videos from.
	ErrCorrupt = errors.New("video: cannot decode")
	// ErrNoVideo: the input has no video stream.
	ErrNoVideo = errors.New("video: no video stream")
	// ErrTooLarge: a frame is over Options.MaxPixels, or decoding needs
	// more memory than Options.MaxMemory.
	ErrTooLarge = errors.New("video: frames too large")
	// ErrTimeout: decoding took longer than Options.Timeout.
	ErrTimeout = errors.New("video: decoding timed out")
)
