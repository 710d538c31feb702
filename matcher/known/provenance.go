package known

import (
	"strings"
	"unicode/utf8"
)

// Provenance is what a partner's list said of an item, kept as it came:
// the source's name, its own id for the entry and its own labels (python-
// threatexchange's opinion category and tags, TCAP's ideology and file
// type). herken decides nothing from it; every match shows it, so that an
// analyst sees the partner's words beside herken's art. 2(7) categories.
type Provenance struct {
	Source   string `json:"source"`
	SourceID string `json:"source_id,omitempty"`
	// Labels are "key=value" or bare words, in the source's order.
	Labels []string `json:"labels,omitempty"`
}

// The limits of a provenance, enforced by Item.Validate. Readers call
// Clip so that a partner's long labels shorten, never refuse, an item.
const (
	maxProvenanceField  = 256
	maxProvenanceLabels = 32
)

// Clip returns p within the limits: long fields are cut (at a rune
// boundary), labels past the 32nd and empty labels dropped. A nil p stays
// nil.
func (p *Provenance) Clip() *Provenance {
	if p == nil {
		return nil
	}
	out := &Provenance{Source: clip(p.Source), SourceID: clip(p.SourceID)}
	for _, l := range p.Labels {
		if l = clip(l); l != "" && len(out.Labels) < maxProvenanceLabels {
			out.Labels = append(out.Labels, l)
		}
	}
	return out
}

func clip(s string) string {
	if len(s) <= maxProvenanceField {
		return s
	}
	s = s[:maxProvenanceField]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func (p *Provenance) validate() error {
	if p == nil {
		return nil
	}
	if p.Source == "" {
		return invalidf("provenance without a source")
	}
	if c := p.Clip(); c.Source != p.Source || c.SourceID != p.SourceID || len(c.Labels) != len(p.Labels) {
		return invalidf("provenance over its limits (%d bytes a field, %d labels)", maxProvenanceField, maxProvenanceLabels)
	}
	return nil
}

// Describe says in words who listed the item and how, e.g. "listed by
// tcap as 2819: ideology=islamist, file_type=mp4".
func (p *Provenance) Describe() string {
	s := "listed by " + p.Source
	if p.SourceID != "" {
		s += " as " + p.SourceID
	}
	if len(p.Labels) > 0 {
		s += ": " + strings.Join(p.Labels, ", ")
	}
	return s
}
