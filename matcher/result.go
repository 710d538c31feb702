package matcher

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
	Lookup
}

// Queries turns computed hashes into lookups: one per signal, the PDQ one
// with its quality and, when dihedral is set and the variants were
// computed, its seven rotations and flips.
func Queries(h *Hashes, dihedral bool) []Query {
	out := make([]Query, 0, len(h.Signals))
	for _, s := range h.Signals {
		q := Query{Signal: s, Quality: -1}
		if s.Type == PDQ {
			q.Quality = h.PDQQuality
			if dihedral && h.PDQDihedral != nil {
				for _, v := range h.PDQDihedral {
					q.Variants = append(q.Variants, mustSignal(PDQ, v[:]))
				}
			}
		}
		out = append(out, q)
	}
	return out
}

// NewResult joins computed hashes and their lookup.
func NewResult(h *Hashes, l Lookup) Result {
	r := Result{Matched: len(l.Matches) > 0, ContentType: h.ContentType, Size: h.Size, Signals: h.Signals, Lookup: l}
	if h.Format != 0 {
		r.Format = h.Format.String()
	}
	if _, ok := h.Signal(PDQ); ok {
		q := h.PDQQuality
		r.PDQQuality = &q
	}
	return r
}
