package matcher

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"slices"
	"sync"

	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
	"github.com/atkm/herken/matcher/region"
	"github.com/atkm/herken/matcher/video"
)

// ContentType is what kind of content an input is, in the field's
// vocabulary.
type ContentType string

// The content types.
const (
	File  ContentType = "file"
	Photo ContentType = "photo"
	Video ContentType = "video"
	URL   ContentType = "url"
)

func contentTypeOf(f media.Format) ContentType {
	switch f.Kind() {
	case media.Photo:
		return Photo
	case media.Video:
		return Video
	}
	return File
}

// DefaultMaxPhotoBytes bounds how much of a photo file is held in memory
// for decoding; the exact digests of larger files are still computed.
const DefaultMaxPhotoBytes = 64 << 20

// HasherConfig configures a Hasher. The zero value computes every signal
// with the default limits.
type HasherConfig struct {
	// Signals to compute; nil means all. Photo signals are computed only
	// for inputs sniffed as photos.
	Signals []SignalType
	// Dihedral also computes PDQ's seven rotated and flipped variants.
	Dihedral bool
	// Regions also finds the pictures inside a photo (in a frame, over
	// padding, under caption bars, in a screenshot, or shown with another)
	// and PDQ-hashes each, as found and mirrored: query variants that find
	// a re-post from the original's PDQ hash alone.
	Regions bool
	// ItemVariants also hashes a photo's crops (up to 10% of each side
	// cut), for a known item: stored with it, they find copies cropped
	// the way re-posts are. For known items only, never for queries.
	ItemVariants bool
	// PDQFullResolution hashes without the reference CLI's 512x512 squash.
	PDQFullResolution bool
	// Decode chooses between decoding photos exactly and decoding large
	// JPEGs at a reduced scale; empty means DefaultDecodeMode.
	Decode DecodeMode
	// Limits bound the images that are decoded.
	Limits media.Limits
	// MaxPhotoBytes bounds the size of a photo file that is decoded
	// (default DefaultMaxPhotoBytes).
	MaxPhotoBytes int64
	// NoVideo turns off vPDQ hashing of videos (which needs ffmpeg);
	// videos then get their digests only.
	NoVideo bool
	// Video configures vPDQ hashing.
	Video video.Options
	// MaxVideoBytes bounds the size of a video held in memory for
	// decoding (default DefaultMaxVideoBytes).
	MaxVideoBytes int64
	// MaxDecodes bounds how many photos are decoded and hashed at once
	// (default runtime.GOMAXPROCS(0)): more would not finish sooner, only
	// hold more decoded pixels in memory at a time.
	MaxDecodes int
	// MaxVideoDecodes bounds how many videos are decoded at once (default
	// runtime.GOMAXPROCS(0)), apart from photos: a photo does not wait
	// behind videos.
	MaxVideoDecodes int
}

// DefaultMaxVideoBytes bounds how much of a video is held in memory for
// vPDQ hashing; the digests of larger files are still computed.
const DefaultMaxVideoBytes = 256 << 20

// DecodeMode chooses how photos are decoded for the photo signals.
type DecodeMode string

const (
	// DecodeExact decodes every photo at full size: PDQ sees the pixels
	// the reference sees and gives its hash bit for bit.
	DecodeExact DecodeMode = "exact"
	// DecodeFast decodes a JPEG larger than the photo signals use (PDQ
	// squashes to 512x512; the 64-bit hashes start from 256x256) at the
	// smallest DCT scale that keeps that many pixels a side, when the
	// JPEG decoder is libjpeg-turbo. Its PDQ hashes differ from the exact
	// ones by a few bits (measured in bench/REPORT-accuracy.md).
	DecodeFast DecodeMode = "fast"
)

// DefaultDecodeMode is the decode mode of a zero HasherConfig.
const DefaultDecodeMode = DecodeExact

// ParseDecodeMode parses "exact" or "fast".
func ParseDecodeMode(s string) (DecodeMode, error) {
	switch m := DecodeMode(s); m {
	case DecodeExact, DecodeFast:
		return m, nil
	}
	return "", fmt.Errorf("unknown decode mode %q (want %s or %s)", s, DecodeExact, DecodeFast)
}

// Hashes is what one pass over an input computed.
type Hashes struct {
	ContentType   ContentType
	Format        media.Format
	Size          int64
	Width, Height int // of a decoded photo, as its file declares it
	// DecodedWidth and DecodedHeight are the size the photo signals were
	// computed from: smaller than Width and Height when fast decoding
	// scaled a JPEG down.
	DecodedWidth, DecodedHeight int
	// Signals are the digests, then the photo signals, each in registry
	// order.
	Signals []Signal
	// PDQQuality is meaningful when Signals holds a PDQ signal.
	PDQQuality int
	// PDQDihedral holds the eight variants when dihedral hashing was on.
	PDQDihedral *[pdq.NumDihedral]pdq.Hash
	// ItemVariants are the PDQ hashes of the photo's crops, when
	// HasherConfig.ItemVariants was set: stored with a known item.
	ItemVariants []ItemVariant
	// Regions are the parts of the photo that may be pictures on their
	// own (inside a frame, padding, caption bars or a screenshot), with
	// their PDQ hashes, when region finding was on.
	Regions []RegionHash
	// PhotoErr says why the photo signals are missing although the input
	// was sniffed as a photo; the exact digests are still valid.
	PhotoErr error
	// VideoFrames are a video's sampled frames with their PDQ hashes
	// (vPDQ); VideoErr says why they are missing for a video.
	VideoFrames []video.Frame
	VideoErr    error
}

// Scaled reports whether the photo signals were computed from a photo
// decoded at less than its size (fast decoding).
func (h *Hashes) Scaled() bool {
	return h.DecodedWidth != h.Width || h.DecodedHeight != h.Height
}

// Signal returns the computed signal of type t, if any.
func (h *Hashes) Signal(t SignalType) (Signal, bool) {
	for _, s := range h.Signals {
		if s.Type == t {
			return s, true
		}
	}
	return Signal{}, false
}

// Hasher computes every applicable signal of an input in one pass.
// A Hasher is safe for concurrent use.
type Hasher struct {
	cfg     HasherConfig
	digests []SignalType
	photo   []SignalType
	pdqPool sync.Pool
	// regionPool holds PDQ hashers that also compute the mirrored hash
	// (from the hash), for the trimmed photo and its parts.
	regionPool sync.Pool
	// cropPool holds PDQ hashers of the hash alone, for the regions found
	// inside a photo: their mirrored hash is hashed from the mirrored
	// crop itself (regions.go).
	cropPool sync.Pool
	// samplerPool holds the region.Samplers regions are filtered with.
	samplerPool sync.Pool
	// photos and videos each hold a slot per decode in progress. They are
	// apart so that a photo never waits behind long video decodes.
	photos, videos chan struct{}
}

// NewHasher returns a Hasher for cfg.
func NewHasher(cfg HasherConfig) (*Hasher, error) {
	if cfg.Signals == nil {
		cfg.Signals = SignalTypes()
	}
	if cfg.Limits == (media.Limits{}) {
		cfg.Limits = media.DefaultLimits
	}
	if cfg.MaxPhotoBytes <= 0 {
		cfg.MaxPhotoBytes = DefaultMaxPhotoBytes
	}
	if cfg.MaxVideoBytes <= 0 {
		cfg.MaxVideoBytes = DefaultMaxVideoBytes
	}
	if cfg.Decode == "" {
		cfg.Decode = DefaultDecodeMode
	}
	if _, err := ParseDecodeMode(string(cfg.Decode)); err != nil {
		return nil, fmt.Errorf("matcher: %w", err)
	}
	if cfg.MaxDecodes <= 0 {
		cfg.MaxDecodes = runtime.GOMAXPROCS(0)
	}
	if cfg.MaxVideoDecodes <= 0 {
		cfg.MaxVideoDecodes = runtime.GOMAXPROCS(0)
	}
	h := &Hasher{cfg: cfg,
		photos: make(chan struct{}, cfg.MaxDecodes),
		videos: make(chan struct{}, cfg.MaxVideoDecodes)}
	for _, t := range SignalTypes() {
		if !slices.Contains(cfg.Signals, t) {
			continue
		}
		if t.Photo() {
			h.photo = append(h.photo, t)
		} else {
			h.digests = append(h.digests, t)
		}
	}
	if len(h.digests)+len(h.photo) == 0 {
		return nil, fmt.Errorf("%w: no signal types selected", ErrUnknownSignalType)
	}
	opts := pdq.Options{FullResolution: cfg.PDQFullResolution, Dihedral: cfg.Dihedral}
	h.pdqPool.New = func() any { return pdq.NewHasher(opts) }
	regionOpts := pdq.Options{FullResolution: cfg.PDQFullResolution, Mirrored: true}
	h.regionPool.New = func() any { return pdq.NewHasher(regionOpts) }
	cropOpts := pdq.Options{FullResolution: cfg.PDQFullResolution}
	h.cropPool.New = func() any { return pdq.NewHasher(cropOpts) }
	h.samplerPool.New = func() any { return new(region.Sampler) }
	return h, nil
}

// Hash reads r to the end and returns its signals. The input is never
// written anywhere; only a photo is held in memory, to be decoded. An error
// is returned only when r fails; a photo that cannot be decoded is reported
// in Hashes.PhotoErr. Decoding a video stops when ctx is done.
func (h *Hasher) Hash(ctx context.Context, r io.Reader) (*Hashes, error) {
	out := &Hashes{}
	hint := sizeHint(r) // before any byte is read
	var (
		sniffed bool
		held    *bytes.Buffer // a photo or video held for decoding
		limit   int64
		tooBig  bool
	)
	observe := func(b []byte) {
		if !sniffed {
			sniffed = true
			if limit = h.sniff(out, b); limit > 0 {
				held = new(bytes.Buffer)
				held.Grow(int(min(hint, limit, maxPresize)))
			}
		}
		if held == nil || tooBig {
			return
		}
		if int64(held.Len()+len(b)) > limit {
			tooBig = true
			held = nil
			return
		}
		held.Write(b)
	}
	sigs, n, err := digestStream(r, h.digests, observe)
	if err != nil {
		return nil, fmt.Errorf("matcher: reading input: %w", err)
	}
	out.Size = n
	out.Signals = sigs
	if n == 0 {
		out.ContentType = File
	}
	var content []byte
	if held != nil {
		content = held.Bytes()
	}
	h.decodeHeld(ctx, out, content, tooBig, limit)
	return out, nil
}

// maxPresize bounds the buffer Hash allocates for a photo or video from
// its announced size before the bytes arrive: a client that announces a
// large upload and sends it slowly gets no more than this up front.
const maxPresize = 16 << 20

// sizeHint returns the size r says it has, or 0: a bytes or strings
// reader's length, a regular file's size, or SizeHint() if r has it (the
// service's request bodies do).
func sizeHint(r io.Reader) int64 {
	switch r := r.(type) {
	case interface{ Len() int }:
		return int64(r.Len())
	case interface{ SizeHint() int64 }:
		return r.SizeHint()
	case interface{ Stat() (fs.FileInfo, error) }:
		if st, err := r.Stat(); err == nil && st.Mode().IsRegular() {
			return st.Size()
		}
	}
	return 0
}

// HashBytes is Hash for an input already in memory: the digests and the
// decoder read b where it is, without copying it.
func (h *Hasher) HashBytes(ctx context.Context, b []byte) *Hashes {
	out := &Hashes{Size: int64(len(b)), ContentType: File}
	limit := int64(0)
	if len(b) > 0 {
		limit = h.sniff(out, b)
	}
	out.Signals = digestBytes(b, h.digests)
	var content []byte
	tooBig := limit > 0 && int64(len(b)) > limit
	if limit > 0 && !tooBig {
		content = b
	}
	h.decodeHeld(ctx, out, content, tooBig, limit)
	return out
}

// sniff sets the format and content type of the input that starts with b
// and returns how many bytes of it may be held for decoding: 0 when it is
// not decoded at all.
func (h *Hasher) sniff(out *Hashes, b []byte) int64 {
	out.Format = media.Sniff(b)
	out.ContentType = contentTypeOf(out.Format)
	switch {
	case out.ContentType == Photo && len(h.photo) > 0:
		return h.cfg.MaxPhotoBytes
	case out.ContentType == Video && h.wantsVideo():
		return h.cfg.MaxVideoBytes
	}
	return 0
}

// decodeHeld computes the photo or video signals of content, the whole
// input, or says why not: tooBig when it was over limit bytes.
func (h *Hasher) decodeHeld(ctx context.Context, out *Hashes, content []byte, tooBig bool, limit int64) {
	if content != nil && !tooBig {
		slots := h.photos
		if out.ContentType == Video {
			slots = h.videos
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		case <-ctx.Done():
			err := fmt.Errorf("matcher: decoding stopped: %w", ctx.Err())
			if out.ContentType == Video {
				out.VideoErr = err
			} else {
				out.PhotoErr = err
			}
			return
		}
	}
	switch {
	case tooBig:
		err := &media.Error{Code: media.CodeTooLarge, Format: out.Format,
			Msg: fmt.Sprintf("%s file is over the %d-byte limit for decoding", out.Format, limit)}
		if out.ContentType == Video {
			out.VideoErr = err
		} else {
			out.PhotoErr = err
		}
	case content != nil && out.ContentType == Video:
		out.VideoFrames, out.VideoErr = video.HashBytes(ctx, content, h.videoOptions())
		if h.cfg.ItemVariants {
			out.ItemVariants = VideoItemVariants(out.VideoFrames)
		}
	case content != nil:
		out.PhotoErr = h.hashPhoto(content, out)
	}
}

// wantsVideo reports whether videos get vPDQ frame hashes: the PDQ signal
// is wanted and video hashing is on.
func (h *Hasher) wantsVideo() bool {
	return !h.cfg.NoVideo && slices.Contains(h.photo, PDQ)
}

// hashPhoto decodes a photo once and computes every requested photo signal
// from its pixels.
func (h *Hasher) hashPhoto(data []byte, out *Hashes) error {
	img, _, err := media.DecodeReduced(data, h.cfg.Limits, h.minDecodeSide())
	if err != nil {
		return err
	}
	defer img.Release()
	out.Width, out.Height = img.SourceWidth, img.SourceHeight
	out.DecodedWidth, out.DecodedHeight = img.Width, img.Height
	photo := &photoInput{img: img}
	for _, t := range h.photo {
		if err := photoHashers[t].hash(h, t, photo, out); err != nil {
			return err
		}
	}
	return nil
}

// minDecodeSide is the fewest pixels a side the photo signals need, for
// media.DecodeReduced: 0 (full size) in exact mode, else the most any
// requested signal needs.
func (h *Hasher) minDecodeSide() int {
	if h.cfg.Decode != DecodeFast {
		return 0
	}
	need := 0
	for _, t := range h.photo {
		side := photoHashers[t].minSide(h.cfg)
		if side == 0 {
			return 0
		}
		need = max(need, side)
	}
	return need
}
