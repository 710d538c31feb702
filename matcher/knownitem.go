package matcher

import "fmt"

// KnownItem turns the hashes of a known file into the item that holds
// them: the one conversion every way of adding a file uses (import,
// upload, `herken item add`), with one policy. The item has every signal
// computed, a video's unique frame hashes with its description, the PDQ
// quality, and the crops' hashes when the hasher computed them. A photo or
// video whose perceptual signals could not be computed still becomes an
// item of its digests (they find exact copies); each note says what is
// missing. Empty content is refused (ErrEmpty). The caller sets the bank,
// categories, label, reference and who added it.
func (h *Hashes) KnownItem() (it Item, notes []string, err error) {
	if h.Size == 0 {
		return Item{}, nil, ErrEmpty
	}
	it.Signals, it.Video = h.ItemSignals()
	if _, ok := h.Signal(PDQ); ok {
		q := h.PDQQuality
		it.PDQQuality = &q
	}
	it.Variants = h.ItemVariants
	for _, missing := range []error{h.PhotoErr, h.VideoErr} {
		if missing != nil {
			notes = append(notes, fmt.Sprintf("added with its digests only: %v", missing))
		}
	}
	return it, notes, nil
}
