package matcher

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/pdq"
	"github.com/atkm/herken/matcher/video"
)

// Rule is the decision rule: when a hit is a match herken stands behind.
// Its values come from measurement (bench/REPORT-identification.md).
type Rule struct {
	// MinPDQQuality gates PDQ query hashes: below it a hash is not
	// matched at all (default DefaultMinPDQQuality; negative: no gate).
	MinPDQQuality int
	// VariantPDQThreshold bounds the PDQ distance of a match found
	// through a variant of the query (default VariantPDQThreshold), and
	// ItemVariantPDQThreshold one found through a stored crop of a known
	// photo (default ItemVariantPDQThreshold); the bank's own threshold
	// bounds both too.
	VariantPDQThreshold     int
	ItemVariantPDQThreshold int
}

// DefaultRule is the decision rule herken applies unless configured
// otherwise.
var DefaultRule = Rule{MinPDQQuality: DefaultMinPDQQuality, VariantPDQThreshold: VariantPDQThreshold,
	ItemVariantPDQThreshold: ItemVariantPDQThreshold}

func (r Rule) withDefaults() Rule {
	if r.MinPDQQuality == 0 {
		r.MinPDQQuality = DefaultMinPDQQuality
	}
	if r.VariantPDQThreshold == 0 {
		r.VariantPDQThreshold = VariantPDQThreshold
	}
	if r.ItemVariantPDQThreshold == 0 {
		r.ItemVariantPDQThreshold = ItemVariantPDQThreshold
	}
	return r
}

// Identify looks every query up in the known content and applies the
// decision rule: a hit of a deciding signal type (an exact digest, PDQ)
// within its bank's threshold is a match, a PDQ hit through a variant
// must also be within the rule's variant threshold, and the other hits
// of enabled banks are candidates with the reason they are not matches.
// 64-bit hits of an item a deciding signal matched corroborate it.
// Matches and candidates are sorted by distance and explained.
func Identify(known KnownContent, queries []Query, rule Rule) (Identification, error) {
	res := Identification{Matches: []Match{}}
	err := known.View(func(st KnownState) error {
		id := identification{st: st, rule: rule.withDefaults(), banks: st.Banks(), res: &res}
		res.IndexVersion = st.Version()
		for _, q := range queries {
			if err := id.query(q); err != nil {
				return err
			}
		}
		id.settle()
		return nil
	})
	if err != nil {
		return Identification{}, err
	}
	byDistance := func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.Bank, b.Bank),
			cmp.Compare(a.ItemID, b.ItemID), cmp.Compare(a.SignalType, b.SignalType))
	}
	slices.SortFunc(res.Matches, byDistance)
	slices.SortFunc(res.Candidates, byDistance)
	slices.SortFunc(res.Suppressed, byDistance)
	slices.SortFunc(res.Shadow, byDistance)
	slices.SortFunc(res.Allowed, byDistance)
	slices.SortFunc(res.Quarantined, byDistance)
	res.Explain()
	return res, nil
}

type matchKey struct {
	item uint64
	typ  SignalType
}

// identification is the state of one Identify call.
type identification struct {
	st    KnownState
	rule  Rule
	banks []*Bank // few: searched in order
	// best and candidates index res.Matches and res.Candidates by item and
	// signal type: the closest hit of each is kept.
	best, candidates map[matchKey]int
	// hits are every match the rule stands behind, through every reading
	// of the query (not only the closest of each item): an allow-list
	// item suppresses a match only when it covers every reading through
	// which the item matched (modes.go).
	hits []Match
	// quarantined holds the reason of each quarantined item hit.
	quarantined map[uint64]string
	res         *Identification
}

// noteQuarantine remembers a quarantined item's reason for applyModes.
func (id *identification) noteQuarantine(it *Item) {
	if it.Quarantine == nil {
		return
	}
	if id.quarantined == nil {
		id.quarantined = map[uint64]string{}
	}
	id.quarantined[it.ID] = it.Quarantine.Describe()
}

// bank returns the named bank.
func (id *identification) bank(name string) (*Bank, bool) {
	for _, b := range id.banks {
		if b.Name == name {
			return b, true
		}
	}
	return nil, false
}

// radius is the largest threshold of any enabled bank for type t, -1 when
// no enabled bank matches it.
func (id *identification) radius(t SignalType) int {
	r := -1
	for _, b := range id.banks {
		if b.Enabled {
			r = max(r, b.Threshold(t))
		}
	}
	return r
}

func (id *identification) query(q Query) error {
	if len(q.Video) > 0 {
		return id.video(q)
	}
	t := q.Signal.Type
	switch {
	case !t.Valid():
		return fmt.Errorf("matcher: invalid signal type %d", t)
	case t.Exact():
		v := QueryVariant{Signal: q.Signal, Quality: -1}
		return id.st.Find(q.Signal, 0, func(it *Item, _ int) error { id.offer(v, it, 0); return nil })
	case t == PDQ && id.lowQuality(q.Quality):
		// The whole picture and its rotations and flips (of the same
		// quality) are not looked up; a region found inside it, a
		// detailed picture inside a large flat frame, has a quality of
		// its own and is.
		id.skip(q.Signal, fmt.Sprintf("pdq quality %d is below the minimum of %d: hashes of flat or featureless images match each other, so they are not matched",
			q.Quality, id.rule.MinPDQQuality))
		return id.near(q, true)
	case id.lowQuality(q.Quality):
		// A 64-bit hash of a featureless picture (bright sky over darker
		// ground hashes to ffffffff00000000) says little: gated as PDQ is.
		id.skip(q.Signal, fmt.Sprintf("%s of a picture whose pdq quality is %d, below the minimum of %d: the hashes of featureless pictures hold too little to point at anything",
			t, q.Quality, id.rule.MinPDQQuality))
		return nil
	}
	return id.near(q, false)
}

// near looks a perceptual signal up as given and through each of its
// variants (dihedral rotations and flips, regions found inside the
// picture), or through its regions only; a region whose hash is of too
// low a quality is skipped, and says so.
func (id *identification) near(q Query, regionsOnly bool) error {
	radius := id.radius(q.Signal.Type)
	if radius < 0 {
		return nil
	}
	whole := QueryVariant{Signal: q.Signal, Quality: q.Quality}
	if q.Signal.Type == PDQ {
		whole.Name = "orig"
	}
	for _, v := range append([]QueryVariant{whole}, q.Variants...) {
		if regionsOnly && v.Region == nil {
			continue
		}
		if v.Region != nil && id.lowQuality(v.Quality) {
			id.skip(v.Signal, fmt.Sprintf("%s: pdq quality %d is below the minimum of %d", v.Region.Description, v.Quality, id.rule.MinPDQQuality))
			continue
		}
		err := id.st.Find(v.Signal, radius, func(it *Item, dist int) error { id.offer(v, it, dist); return nil })
		if err != nil {
			return err
		}
	}
	return nil
}

// lowQuality reports whether a PDQ hash of this quality is not matched
// (-1: unknown quality, matched).
func (id *identification) lowQuality(quality int) bool {
	return quality >= 0 && id.rule.MinPDQQuality > 0 && quality < id.rule.MinPDQQuality
}

func (id *identification) skip(s Signal, reason string) {
	id.res.Skipped = append(id.res.Skipped, Skip{SignalType: s.Type, Value: s.String(), Reason: reason})
}

// offer applies the decision rule to a hit of variant v of a query on
// item it at distance dist.
func (id *identification) offer(v QueryVariant, it *Item, dist int) {
	bank, ok := id.bank(it.Bank)
	t := v.Signal.Type
	if !ok || !bank.Enabled || it.Status != Active || dist > bank.Threshold(t) {
		return
	}
	known, knownVariant := v.Signal, ""
	if !t.Exact() {
		known, dist, knownVariant = id.judged(it, v, bank)
		if dist > bank.Threshold(t) {
			return // found only through stored variants not made for v
		}
	}
	m := Match{
		ItemID: it.ID, Bank: it.Bank, Categories: it.Categories, Label: it.Label, Reference: it.Reference, Provenance: it.Provenance,
		AddedAt: it.AddedAt, SignalType: t, Value: known.String(), QueryValue: v.Signal.String(), Distance: dist,
		Threshold: bank.Threshold(t), Variant: v.Name, Region: v.Region, KnownVariant: knownVariant,
	}
	if v.Quality >= 0 && t == PDQ {
		quality := v.Quality
		m.QueryQuality = &quality
	}
	m.Threshold = id.threshold(v, knownVariant, bank)
	switch {
	case !t.Decides():
		m.Reason = fmt.Sprintf("%s alone never identifies an item: unrelated pictures collide too often", t)
		keep(&id.candidates, &id.res.Candidates, m)
	case t == PDQ && m.KnownVariant == "" && it.PDQQuality != nil && id.lowQuality(*it.PDQQuality):
		m.Reason = fmt.Sprintf("the known item's pdq hash has quality %d, below the minimum of %d: hashes of flat or featureless images come close to unrelated ones",
			*it.PDQQuality, id.rule.MinPDQQuality)
		keep(&id.candidates, &id.res.Candidates, m)
	case dist > m.Threshold:
		m.Reason = fmt.Sprintf("a variant matches only within %d bits", m.Threshold)
		keep(&id.candidates, &id.res.Candidates, m)
	default:
		id.noteQuarantine(it)
		id.hits = append(id.hits, m)
		keep(&id.best, &id.res.Matches, m)
	}
}

// keep records m in list unless a closer hit of the same item and signal
// type is there already (best indexes list by item and type).
func keep(best *map[matchKey]int, list *[]Match, m Match) {
	key := matchKey{m.ItemID, m.SignalType}
	if *best == nil {
		*best = map[matchKey]int{}
	}
	if i, ok := (*best)[key]; ok {
		if (*list)[i].Distance > m.Distance {
			(*list)[i] = m
		}
		return
	}
	(*best)[key] = len(*list)
	*list = append(*list, m)
}

// settle applies the banks' modes (modes.go: allow-lists suppress, shadow
// banks' matches are set apart), then moves the candidates that
// corroborate a match (64-bit hits of an item a deciding signal
// identified) to the matches or the shadow matches, and drops candidates
// of items already matched by the same signal type, of suppressed items,
// of quarantined items, and of allow and shadow banks (near misses of
// them decide nothing).
func (id *identification) settle() {
	id.applyModes()
	matched, shadowed, suppressed := map[uint64]bool{}, map[uint64]bool{}, map[uint64]bool{}
	for _, m := range id.res.Matches {
		matched[m.ItemID] = true
	}
	for _, m := range id.res.Suppressed {
		suppressed[m.ItemID] = true
	}
	for item := range id.quarantined {
		suppressed[item] = true // its 64-bit hits corroborate nothing
	}
	for _, m := range id.res.Shadow {
		shadowed[m.ItemID] = m.Reason == ""
	}
	kept := id.res.Candidates[:0]
	for _, c := range id.res.Candidates {
		bank, _ := id.bank(c.Bank)
		switch _, dup := id.best[matchKey{c.ItemID, c.SignalType}]; {
		case dup:
		case matched[c.ItemID] && !c.SignalType.Decides():
			c.Reason = ""
			id.res.Matches = append(id.res.Matches, c)
		case shadowed[c.ItemID] && !c.SignalType.Decides():
			c.Reason = ""
			id.res.Shadow = append(id.res.Shadow, c)
		case bank == nil || bank.EffectiveMode() != known.Block || suppressed[c.ItemID]:
		default:
			kept = append(kept, c)
		}
	}
	id.res.Candidates = kept
}

// threshold is the distance within which query variant v identifies an
// item through one of its signals: the bank's, lowered for a PDQ query
// variant (a region, a dihedral variant) and again when the item's signal
// is a stored crop (knownVariant names it).
func (id *identification) threshold(v QueryVariant, knownVariant string, bank *Bank) int {
	t := v.Signal.Type
	th := bank.Threshold(t)
	if t != PDQ {
		return th
	}
	if v.Region != nil || (v.Name != "" && v.Name != "orig") {
		th = min(th, id.rule.VariantPDQThreshold)
	}
	if knownVariant != "" {
		th = min(th, id.rule.ItemVariantPDQThreshold)
	}
	return th
}

// judged returns the signal of item it that v is judged against, with its
// distance and, for a stored crop, its name: of the item's signals of v's
// type (its own hash, then the stored crops and parts made for the kind of
// query variant v is: variantpairs.go), the nearest one within its
// own threshold, or, when none is, the nearest. Judging by the nearest
// alone would turn an identification by the item's own hash (within 31
// bits, say) into a candidate whenever a stored crop happened to lie
// closer but beyond the crops' lower threshold. The item's own hash of a
// quality below the gate identifies nothing (offer makes it a candidate).
func (id *identification) judged(it *Item, v QueryVariant, bank *Bank) (known Signal, dist int, variant string) {
	q := v.Signal
	near := judgement{signal: q, dist: q.Type.Bits() + 1}
	pass := judgement{dist: -1}
	consider := func(s Signal, name string) {
		if s.Type != q.Type {
			return
		}
		d, err := s.Distance(q)
		if err != nil {
			return
		}
		if d < near.dist {
			near = judgement{s, d, name}
		}
		gated := name == "" && q.Type == PDQ && it.PDQQuality != nil && id.lowQuality(*it.PDQQuality)
		if !gated && d <= id.threshold(v, name, bank) && (pass.dist < 0 || d < pass.dist) {
			pass = judgement{s, d, name}
		}
	}
	for _, s := range it.Signals {
		consider(s, "")
	}
	class := QueryVariantClass(v)
	for _, iv := range it.Variants {
		if Meets(class, ItemVariantClass(iv.Name)) { // variantpairs.go
			consider(iv.Signal, iv.Name)
		}
	}
	if pass.dist >= 0 {
		return pass.signal, pass.dist, pass.variant
	}
	return near.signal, near.dist, near.variant
}

// A judgement is one of an item's signals with its distance from a query
// variant and, for a stored crop, the crop's name.
type judgement struct {
	signal  Signal
	dist    int
	variant string
}

// video matches a video query as vPDQ does, reading by reading (see
// videoReadings): each unique frame of a reading is searched among the
// PDQ hashes of known videos (their frames and stored views) within the
// bank's PDQ threshold, and within the rule's variant threshold for a
// reading other than the frames as given; a known video matches when the
// share of the query's frames that found a frame of it reaches
// video.DefaultQueryPercent, or when the query holds most of the known
// video's frames (video.DefaultContainedPercent: a copy after other
// footage). The reading that matched best is the evidence.
func (id *identification) video(q Query) error {
	radius := id.radius(PDQ)
	if radius < 0 {
		return nil
	}
	readings := videoReadings(q)
	tallies := make([]video.Tally[uint64], len(readings))
	found := make([]map[uint64]*readingHits, len(readings))
	known := map[uint64]*knownVideo{}
	videos := map[uint64]*Item{}
	for ri, r := range readings {
		found[ri] = map[uint64]*readingHits{}
		for _, f := range r.frames {
			err := id.st.Find(f.Signal, radius, func(it *Item, _ int) error {
				bank, ok := id.bank(it.Bank)
				if it.Video == nil || !ok || !bank.Enabled || it.Status != Active {
					return nil
				}
				kv := known[it.ID]
				if kv == nil {
					kv = newKnownVideo(it)
					known[it.ID], videos[it.ID] = kv, it
				}
				threshold := bank.Threshold(PDQ)
				if ri > 0 {
					threshold = min(threshold, id.rule.VariantPDQThreshold)
				}
				target, d, via := kv.closest(f.Signal, r.class == bandKind)
				if d > threshold {
					return nil
				}
				tallies[ri].Add(it.ID, pdq.Hash(f.Signal.Bytes()), target)
				h := found[ri][it.ID]
				if h == nil {
					h = &readingHits{dist: d, region: f.Region, via: map[string]int{}}
					found[ri][it.ID] = h
				}
				h.dist = min(h.dist, d)
				h.via[via]++
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	for itemID, it := range videos {
		bank, _ := id.bank(it.Bank)
		var best *Match
		for ri, r := range readings {
			h := found[ri][itemID]
			if h == nil {
				continue
			}
			opts := video.MatchOptions{Distance: bank.Threshold(PDQ), ContainedPercent: video.DefaultContainedPercent}
			res := tallies[ri].Result(itemID, max(len(q.Video), len(r.frames)), it.Video.UniqueFrames, opts)
			if !res.Matched || (best != nil && !betterVideo(res, *best.Video)) {
				continue
			}
			via := h.mostVia()
			res.Reading = r.describe(h.region, via)
			m := Match{ItemID: it.ID, Bank: it.Bank, Categories: it.Categories, Label: it.Label,
				Reference: it.Reference, Provenance: it.Provenance, AddedAt: it.AddedAt, SignalType: PDQ, Value: "vpdq",
				Distance: h.dist, Threshold: bank.Threshold(PDQ), Variant: r.name, KnownVariant: via, Video: &res}
			if r.class != "" {
				m.Region = h.region
			}
			if ri > 0 {
				m.Threshold = min(m.Threshold, id.rule.VariantPDQThreshold)
			}
			best = &m
		}
		if best == nil {
			continue
		}
		key := matchKey{it.ID, PDQ}
		if i, ok := id.best[key]; ok {
			id.res.Matches[i] = *best // the video evidence replaces a frame's
			id.hits = append(id.hits, *best)
			id.noteQuarantine(it)
			continue
		}
		if id.best == nil {
			id.best = map[matchKey]int{}
		}
		id.best[key] = len(id.res.Matches)
		id.res.Matches = append(id.res.Matches, *best)
		id.hits = append(id.hits, *best)
		id.noteQuarantine(it)
	}
	return nil
}

// betterVideo reports whether a reading's result is stronger evidence than
// another's: more of the query's frames matched, then more of the known
// video's; the first reading (the frames as given) wins ties.
func betterVideo(a, b video.MatchResult) bool {
	if a.QueryMatchPercent != b.QueryMatchPercent {
		return a.QueryMatchPercent > b.QueryMatchPercent
	}
	return a.ComparedMatchPercent > b.ComparedMatchPercent
}
