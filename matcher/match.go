package matcher

import (
	"fmt"
	"time"

	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/video"
)

// DefaultMinPDQQuality is the PDQ quality below which a query hash is not
// matched: the reference's guidance, since low-quality hashes (flat or
// nearly featureless images) collide with each other.
const DefaultMinPDQQuality = 50

// Query is one signal to look up, with what is known about it.
type Query struct {
	Signal Signal
	// Quality is the PDQ quality of the query hash, or for a 64-bit hash
	// the PDQ quality of the picture it was computed from; -1 when
	// unknown (a bare hash), which is not gated.
	Quality int
	// Variants are other readings of a PDQ query picture, each also looked
	// up: its dihedral rotations and flips, and the pictures found inside
	// it (a framed, padded, captioned or screenshotted copy).
	Variants []QueryVariant
	// Video, when set, makes this a video query: the PDQ hashes of the
	// query video's unique frames of quality >= 50; Signal is unused.
	Video []Signal
}

// VariantNames are the names of the dihedral variants, as the reference
// names them, indexed like pdq.Dihedral.
var VariantNames = []string{"orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1"}

// MirroredVariant is the name of the dihedral variant that mirrors a
// picture left to right, the flip re-posts use.
const MirroredVariant = "flipy"

// QueryVariant is one reading of a query picture: the whole picture
// rotated or flipped, or a part of it that may be a picture on its own.
type QueryVariant struct {
	// Name is the dihedral variant's name (VariantNames) of the whole
	// picture, or of the region when Region is set.
	Name   string
	Signal Signal
	// Quality is the PDQ quality of the variant's hash (-1: unknown).
	Quality int
	// Region is the part of the picture that was hashed; nil for the
	// whole picture.
	Region *Region
}

// Region is the part of a query picture a variant was hashed from, in the
// picture's pixels, as evidence an analyst can check on the picture.
type Region struct {
	X      int `json:"x"`
	Y      int `json:"y"`
	Width  int `json:"width"`
	Height int `json:"height"`
	// Kind says what was found around the picture: "border",
	// "letterbox", "pillarbox", "padding", "caption", "screenshot",
	// "split".
	Kind string `json:"kind"`
	// Description says it in words, e.g. "the picture inside a frame at
	// 40,60 800x600".
	Description string `json:"description"`
}

// Match is the evidence that a query matched a known item: which item, in
// which bank, by which signal, at what distance against which threshold.
type Match struct {
	ItemID     uint64     `json:"item_id"`
	Bank       string     `json:"bank"`
	Categories []Category `json:"categories"`
	Label      string     `json:"label,omitempty"`
	Reference  string     `json:"reference,omitempty"`
	AddedAt    time.Time  `json:"added_at"`
	// SignalType and Value are the known item's signal that matched.
	SignalType SignalType `json:"signal_type"`
	Value      string     `json:"value"`
	// QueryValue is the query's own signal that matched: the hash of the
	// reading (the picture, a variant, a region) that came close, so that
	// an analyst can allow-list exactly that reading. Empty for videos.
	QueryValue string `json:"query_value,omitempty"`
	// Distance is the Hamming distance (0 for exact signals); Threshold
	// is the bank's threshold it was held against.
	Distance  int `json:"distance"`
	Threshold int `json:"threshold"`
	// Variant names the dihedral variant of the query that matched
	// ("orig" for the query as given); empty for non-PDQ signals.
	Variant string `json:"variant,omitempty"`
	// Region is the part of the query picture that matched, when the
	// match was found inside it rather than in the whole picture.
	Region *Region `json:"region,omitempty"`
	// KnownVariant names the stored part of the known item that matched
	// (a crop of it), when not the item as a whole.
	KnownVariant string `json:"known_variant,omitempty"`
	// Reason says why a candidate is not a match, or which allow-list
	// item suppressed a match.
	Reason string `json:"reason,omitempty"`
	// SuppressedBy is the allow-list item that suppressed the match.
	SuppressedBy uint64 `json:"suppressed_by,omitempty"`
	// Explanation is Explain's text, for clients that show it.
	Explanation string `json:"explanation"`
	// QueryQuality is the PDQ quality of the query hash, when known.
	QueryQuality *int `json:"query_quality,omitempty"`
	// Video is the evidence of a video match (vPDQ): the shares of the
	// query's and the known video's frames that matched.
	Video *video.MatchResult `json:"video,omitempty"`
	// Provenance is what the partner's list said of the known item.
	Provenance *known.Provenance `json:"provenance,omitempty"`
}

// Explain says in words why the match holds, for an analyst, and what the
// partner that listed the known item said of it.
func (m Match) Explain() string {
	s := m.explainSignal()
	if m.Provenance != nil {
		s += "; " + m.Provenance.Describe()
	}
	if m.SuppressedBy != 0 {
		s += "; " + m.Reason
	}
	return s
}

func (m Match) explainSignal() string {
	if v := m.Video; v != nil {
		s := fmt.Sprintf("vpdq: %.0f%% of the query's %d frames and %.0f%% of the known video's %d frames match within %d bits",
			v.QueryMatchPercent, v.QueryFrames, v.ComparedMatchPercent, v.ComparedFrames, m.Threshold)
		if v.Contained {
			s += " (the query holds the known video among other footage)"
		}
		if v.Reading != "" {
			s += "; read as " + v.Reading
		}
		return s
	}
	if m.SignalType.Exact() {
		return fmt.Sprintf("%s: identical", m.SignalType)
	}
	s := fmt.Sprintf("%s: %d of %d bits differ; the bank's threshold is %d",
		m.SignalType, m.Distance, m.SignalType.Bits(), m.Threshold)
	switch {
	case m.Region != nil && m.Variant == MirroredVariant:
		s += fmt.Sprintf(" (matched %s, mirrored)", m.Region.Description)
	case m.Region != nil:
		s += fmt.Sprintf(" (matched %s)", m.Region.Description)
	case m.Variant == MirroredVariant:
		s += " (matched the query mirrored)"
	case m.Variant != "" && m.Variant != "orig":
		s += fmt.Sprintf(" (matched the query's %s variant)", m.Variant)
	}
	if m.KnownVariant != "" {
		s += fmt.Sprintf(" against a stored %s of the known item", m.KnownVariant)
	}
	switch {
	case !m.SignalType.Decides() && m.Reason == "":
		s += "; corroborates the match" // a 64-bit hit of an item a deciding signal matched
	case !m.SignalType.Decides():
		s += fmt.Sprintf("; %s alone never identifies an item", m.SignalType)
	}
	return s
}

// Skip says why a query signal was not matched at all.
type Skip struct {
	SignalType SignalType `json:"signal_type"`
	Value      string     `json:"value"`
	Reason     string     `json:"reason"`
}

// Identification is the outcome of identifying one or more queries: the
// matches herken stands behind, the candidates kept apart, what was not
// looked up and why, and the index version that answered.
type Identification struct {
	// Matches are the identifications herken stands behind: each found
	// by a deciding signal within the decision rule, with the 64-bit
	// hits that corroborate them.
	Matches []Match `json:"matches"`
	// Candidates are near misses kept apart for an analyst: items only
	// 64-bit hashes point at, or PDQ hits the decision rule does not
	// stand behind. Each says why it is not a match.
	Candidates []Match `json:"candidates,omitempty"`
	// Suppressed are matches an allow-list item suppressed: the same
	// reading of the query matched content known to be harmless. Each
	// names the item in its Reason and SuppressedBy.
	Suppressed []Match `json:"suppressed,omitempty"`
	// Allowed are the matches of allow banks' items.
	Allowed []Match `json:"allowed,omitempty"`
	// Shadow are the matches of banks in shadow mode: shown to analysts,
	// never to crawlers and providers (the service removes them).
	Shadow []Match `json:"shadow,omitempty"`
	// Quarantined are the matches of items quarantined for a flood of
	// matches, each with the reason: shown to analysts, never to crawlers
	// and providers (the service removes them).
	Quarantined []Match `json:"quarantined,omitempty"`
	Skipped     []Skip  `json:"skipped,omitempty"`
	// IndexVersion identifies the state of the index that answered, so
	// that the result can be reproduced and audited.
	IndexVersion uint64 `json:"index_version"`
}

// VariantPDQThreshold is the largest PDQ distance at which a variant of a
// query (a rotation or flip, or a region found inside the picture) is a
// match; ItemVariantPDQThreshold the same for a stored crop of a known
// photo. Each variant is one more chance for an unrelated picture to come
// close, so each kind is held to the threshold measured for it
// (bench/REPORT-identification.md): over 68.6 million pairs of distinct
// pictures, the query variants at 31 gave no false pair; a media bank's
// ~217 stored crops and parts of every known photo, each met only by the
// query variants made for it (variantpairs.go), gave 2 at 22, 5 at 24, 8
// at 26 and 12 at 31, so they match within 24 (at most 5 false pairs is
// the rule's bound).
const (
	VariantPDQThreshold     = 31
	ItemVariantPDQThreshold = 24
)

// Explain sets the Explanation of every match and candidate.
func (l *Identification) Explain() {
	for i := range l.Matches {
		l.Matches[i].Explanation = l.Matches[i].Explain()
	}
	for _, list := range [][]Match{l.Candidates, l.Suppressed, l.Allowed, l.Shadow, l.Quarantined} {
		for i := range list {
			list[i].Explanation = list[i].Explain()
		}
	}
}
