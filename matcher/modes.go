package matcher

import (
	"fmt"

	"github.com/atkm/herken/matcher/known"
)

// reading names one reading of the query: the picture as given or one of
// its dihedral variants, of the whole picture or of one region found in
// it. An exact digest is a reading of the content as given.
type reading struct {
	variant string
	region  Region
	inside  bool
}

func readingOf(m Match) reading {
	r := reading{variant: m.Variant}
	if r.variant == "" {
		r.variant = "orig"
	}
	if m.Region != nil {
		r.region, r.inside = *m.Region, true
	}
	return r
}

// applyModes sorts the matches by their bank's mode. A match of an allow
// bank is never a match: it goes to Allowed, and suppresses the matches of
// other banks found through the same reading of the query, since that
// reading is content known to be harmless. An item stays matched when it
// matched through any reading no allow item covers (a screenshot holding a
// broadcaster's logo beside a known picture still matches the picture);
// its evidence is then the closest such reading. The matches of shadow
// banks go to Shadow, suppressed ones with their reason; the matches of
// quarantined items (a flood of matches) go to Quarantined.
func (id *identification) applyModes() {
	allowed := map[reading]Match{}
	for _, h := range id.hits {
		if b, ok := id.bank(h.Bank); !ok || b.EffectiveMode() != known.Allow || !h.SignalType.Decides() {
			continue
		}
		r := readingOf(h)
		if a, ok := allowed[r]; !ok || h.Distance < a.Distance || (h.Distance == a.Distance && h.ItemID < a.ItemID) {
			allowed[r] = h
		}
	}
	all := id.res.Matches
	id.res.Matches = []Match{}
	for _, m := range all {
		b, ok := id.bank(m.Bank)
		if !ok {
			continue
		}
		mode := b.EffectiveMode()
		if mode == known.Allow {
			id.res.Allowed = append(id.res.Allowed, m)
			continue
		}
		m = id.suppress(m, allowed)
		switch {
		case mode == known.Shadow:
			id.res.Shadow = append(id.res.Shadow, m)
		case m.SuppressedBy != 0:
			id.res.Suppressed = append(id.res.Suppressed, m)
		case id.quarantined[m.ItemID] != "":
			m.Reason = id.quarantined[m.ItemID]
			id.res.Quarantined = append(id.res.Quarantined, m)
		default:
			id.res.Matches = append(id.res.Matches, m)
		}
	}
}

// suppress returns m's evidence through the closest reading no allow item
// covers, or m suppressed by the allow item of its closest reading when
// every reading through which its item matched is covered.
func (id *identification) suppress(m Match, allowed map[reading]Match) Match {
	var free, covered *Match
	var by Match
	for i := range id.hits {
		h := &id.hits[i]
		if h.ItemID != m.ItemID || h.SignalType != m.SignalType {
			continue
		}
		if a, ok := allowed[readingOf(*h)]; ok {
			if covered == nil || h.Distance < covered.Distance {
				covered, by = h, a
			}
			continue
		}
		if free == nil || h.Distance < free.Distance {
			free = h
		}
	}
	switch {
	case free != nil:
		return *free
	case covered == nil:
		return m
	}
	s := *covered
	s.SuppressedBy = by.ItemID
	s.Reason = fmt.Sprintf("suppressed by allow-list item %d: '%s' (bank %s matched the same reading of the query, by the same rule)",
		by.ItemID, by.Label, by.Bank)
	return s
}
