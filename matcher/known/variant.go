package known

import "github.com/atkm/herken/matcher/signals"

// ItemVariant is a hash of a part of a known photo, stored with the item
// so that a copy cropped the way re-posts are cropped is found. It
// identifies the same item, never a new one.
type ItemVariant struct {
	// Name says which part, e.g. "crop: 5% off the left, 10% off the top".
	Name   string         `json:"name"`
	Signal signals.Signal `json:"signal"`
}

// IndexedSignals returns every signal the index finds the item by: its
// own signals, then its variants'.
func (it *Item) IndexedSignals() []signals.Signal {
	if len(it.Variants) == 0 {
		return it.Signals
	}
	out := make([]signals.Signal, 0, len(it.Signals)+len(it.Variants))
	out = append(out, it.Signals...)
	for _, v := range it.Variants {
		out = append(out, v.Signal)
	}
	return out
}

// VariantOf returns the name of the item variant whose signal is s, or ""
// when s is one of the item's own signals (or not the item's at all).
func (it *Item) VariantOf(s signals.Signal) string {
	for _, v := range it.Variants {
		if v.Signal == s {
			return v.Name
		}
	}
	return ""
}

// MaxPhotoVariants and MaxVideoVariants bound the variants one item
// stores: each is one more hash every query is compared with, and the
// item is read whole at every hit. A video stores views of each of its
// unique frames, so it may hold more.
const (
	MaxPhotoVariants = 256
	MaxVideoVariants = 4096
)

func (it *Item) validateVariants() error {
	limit := MaxPhotoVariants
	if it.Video != nil {
		limit = MaxVideoVariants
	}
	if len(it.Variants) > limit {
		return invalidf("item has %d variants; at most %d are kept", len(it.Variants), limit)
	}
	for _, v := range it.Variants {
		if !v.Signal.Type.Valid() || v.Signal.Type.Exact() {
			return invalidf("item variant %q must be a perceptual hash, not %s", v.Name, v.Signal.Type)
		}
		if v.Name == "" || len(v.Name) > 256 {
			return invalidf("item variant needs a name of at most 256 bytes")
		}
	}
	return nil
}
