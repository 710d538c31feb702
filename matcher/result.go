package matcher

import (
	"github.com/atkm/herken/matcher/pdq"
	"github.com/atkm/herken/matcher/video"
)

// Result is herken's answer for one input: what it computed, what matched,
// and the evidence. It never holds the content itself.
type Result struct {
	// Matched is true when at least one known item matched.
	Matched     bool        `json:"matched"`
	ContentType ContentType `json:"content_type,omitempty"`
	Format      string      `json:"format,omitempty"`
	Size        int64       `json:"size,omitempty"`
	Signals     []Signal    `json:"signals"`
	PDQQuality  *int        `json:"pdq_quality,omitempty"`
	// Width and Height are a photo's size; DecodedWidth and DecodedHeight
	// the size its signals were computed from, when fast decoding scaled
	// it (its PDQ hash may then differ from the reference's by a few bits).
	Width         int `json:"width,omitempty"`
	Height        int `json:"height,omitempty"`
	DecodedWidth  int `json:"decoded_width,omitempty"`
	DecodedHeight int `json:"decoded_height,omitempty"`
	// VideoFrames is the number of frames a video was sampled at.
	VideoFrames int `json:"video_frames,omitempty"`
	Identification
	// PhotoErr and VideoErr say why a photo's or video's perceptual
	// signals are missing (its digests were still matched); callers
	// present them in their own form.
	PhotoErr error `json:"-"`
	VideoErr error `json:"-"`
}

// Queries turns computed hashes into lookups: one per signal, the PDQ one
// with its quality and, when dihedral is set and the variants were
// computed, its seven rotations and flips; a video's frames with their
// other readings when they were computed (VideoQueryVariants).
func Queries(h *Hashes, dihedral bool) []Query {
	out := make([]Query, 0, len(h.Signals))
	for _, s := range h.Signals {
		q := Query{Signal: s, Quality: -1}
		if _, ok := h.Signal(PDQ); ok && s.Type.Photo() {
			// The 64-bit hashes carry the picture's PDQ quality too: a
			// featureless picture's hashes are low in information.
			q.Quality = h.PDQQuality
		}
		if s.Type == PDQ {
			q.Variants = h.PDQVariants(dihedral)
		}
		out = append(out, q)
	}
	if frames := VideoSignals(h.VideoFrames); len(frames) > 0 {
		out = append(out, Query{Quality: -1, Video: frames, Variants: VideoQueryVariants(h.VideoFrames)})
	}
	return out
}

// VideoSignals returns the PDQ signals of a video's unique frames of
// quality >= 50, as vPDQ matches them.
func VideoSignals(frames []video.Frame) []Signal {
	var out []Signal
	for _, h := range video.Unique(frames, video.MatchOptions{}) {
		out = append(out, mustSignal(PDQ, h[:]))
	}
	return out
}

// PDQVariants lists the readings of a photo looked up besides its PDQ
// hash: its dihedral variants when dihedral is set and they were
// computed, and each region found inside it, as is and mirrored.
func (h *Hashes) PDQVariants(dihedral bool) []QueryVariant {
	var out []QueryVariant
	if dihedral && h.PDQDihedral != nil {
		for i, v := range h.PDQDihedral[1:] { // [0] is the picture as given
			out = append(out, QueryVariant{Name: VariantNames[i+1], Signal: mustSignal(PDQ, v[:]), Quality: h.PDQQuality})
		}
	}
	for i := range h.Regions {
		r := &h.Regions[i]
		out = append(out,
			QueryVariant{Name: "orig", Signal: mustSignal(PDQ, r.PDQ[:]), Quality: r.Quality, Region: &r.Region},
			QueryVariant{Name: MirroredVariant, Signal: mustSignal(PDQ, r.Mirrored[:]), Quality: r.Quality, Region: &r.Region})
	}
	return out
}

// NewResult joins computed hashes and their lookup.
func NewResult(h *Hashes, l Identification) Result {
	l.Explain()
	r := Result{Matched: len(l.Matches) > 0, ContentType: h.ContentType, Size: h.Size, Signals: h.Signals, Identification: l}
	if h.Format != 0 {
		r.Format = h.Format.String()
	}
	if _, ok := h.Signal(PDQ); ok {
		q := h.PDQQuality
		r.PDQQuality = &q
	}
	r.VideoFrames = len(h.VideoFrames)
	r.Width, r.Height = h.Width, h.Height
	if h.Scaled() {
		r.DecodedWidth, r.DecodedHeight = h.DecodedWidth, h.DecodedHeight
	}
	return r
}

// ItemSignals returns what a known item made from these hashes stores:
// every signal and, for a video, the PDQ hashes of its unique frames of
// quality >= 50 with a description of the video (nil for other content).
func (h *Hashes) ItemSignals() ([]Signal, *VideoInfo) {
	sigs := append([]Signal{}, h.Signals...)
	if len(h.VideoFrames) == 0 {
		return sigs, nil
	}
	frames := VideoSignals(h.VideoFrames)
	return append(sigs, frames...), &VideoInfo{UniqueFrames: len(frames), Frames: len(h.VideoFrames)}
}

// VideoItem returns the signals and description of a known video given as
// its vPDQ frames (a vPDQ hash list).
func VideoItem(frames []video.Frame) ([]Signal, *VideoInfo) {
	sigs := VideoSignals(frames)
	return sigs, &VideoInfo{UniqueFrames: len(sigs), Frames: len(frames)}
}

// RegionHash is the PDQ hash of a region found inside a photo, as found
// and mirrored left to right.
type RegionHash struct {
	Region   Region
	PDQ      pdq.Hash
	Mirrored pdq.Hash
	Quality  int
}
