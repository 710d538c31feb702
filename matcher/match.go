package matcher

import (
	"fmt"
	"time"

	"github.com/atkm/herken/matcher/video"
)

// DefaultMinPDQQuality is the PDQ quality below which a query hash is not
// matched: the reference's guidance, since low-quality hashes (flat or
// nearly featureless images) collide with each other.
const DefaultMinPDQQuality = 50

// Query is one signal to look up, with what is known about it.
type Query struct {
	Signal Signal
	// Quality is the PDQ quality of the query hash, or -1 when unknown
	// (a bare hash); unknown quality is not gated.
	Quality int
	// Variants are PDQ's dihedral hashes of the query, indexed like
	// pdq.Dihedral; when set, each is also looked up.
	Variants []Signal
	// Video, when set, makes this a video query: the PDQ hashes of the
	// query video's unique frames of quality >= 50; Signal is unused.
	Video []Signal
}

// VariantNames are the names of the dihedral variants, as the reference
// names them, indexed like pdq.Dihedral.
var VariantNames = []string{"orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1"}

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
	// Distance is the Hamming distance (0 for exact signals); Threshold
	// is the bank's threshold it was held against.
	Distance  int `json:"distance"`
	Threshold int `json:"threshold"`
	// Variant names the dihedral variant of the query that matched
	// ("orig" for the query as given); empty for non-PDQ signals.
	Variant string `json:"variant,omitempty"`
	// QueryQuality is the PDQ quality of the query hash, when known.
	QueryQuality *int `json:"query_quality,omitempty"`
	// Video is the evidence of a video match (vPDQ): the shares of the
	// query's and the known video's frames that matched.
	Video *video.MatchResult `json:"video,omitempty"`
}

// Explain says in words why the match holds, for an analyst.
func (m Match) Explain() string {
	if v := m.Video; v != nil {
		return fmt.Sprintf("vpdq: %.0f%% of the query's %d frames and %.0f%% of the known video's %d frames match within %d bits",
			v.QueryMatchPercent, v.QueryFrames, v.ComparedMatchPercent, v.ComparedFrames, m.Threshold)
	}
	if m.SignalType.Exact() {
		return fmt.Sprintf("%s: identical", m.SignalType)
	}
	s := fmt.Sprintf("%s: %d of %d bits differ; the bank's threshold is %d",
		m.SignalType, m.Distance, m.SignalType.Bits(), m.Threshold)
	if m.Variant != "" && m.Variant != "orig" {
		s += fmt.Sprintf(" (matched the query's %s variant)", m.Variant)
	}
	return s
}

// Skip says why a query signal was not matched at all.
type Skip struct {
	SignalType SignalType `json:"signal_type"`
	Value      string     `json:"value"`
	Reason     string     `json:"reason"`
}

// Lookup is the outcome of looking up one or more signals.
type Lookup struct {
	Matches []Match `json:"matches"`
	Skipped []Skip  `json:"skipped,omitempty"`
	// IndexVersion identifies the state of the index that answered, so
	// that the result can be reproduced and audited.
	IndexVersion uint64 `json:"index_version"`
}
