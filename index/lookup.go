package index

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"github.com/atkm/herken/index/hamming"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/pdq"
	"github.com/atkm/herken/matcher/video"
)

// Lookup matches queries against every enabled bank and returns the
// evidence of each match, the signals it did not match and why, and the
// index version that answered.
//
// Exact signals match identical values. Perceptual signals match within
// each bank's threshold; a PDQ query of known quality below the store's
// minimum is skipped. A query with Variants is also matched through each
// of them, and the match names the variant.
func (s *Store) Lookup(queries []matcher.Query) (matcher.Lookup, error) {
	if s.closed.Load() {
		return matcher.Lookup{}, ErrClosed
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	res := matcher.Lookup{Matches: []matcher.Match{}, IndexVersion: s.version.Load()}
	err := s.db.View(func(txn *badger.Txn) error {
		l := lookup{s: s, txn: txn, items: map[uint64]*matcher.Item{}, best: map[matchKey]int{},
			candidates: map[matchKey]int{}, res: &res}
		for _, q := range queries {
			if err := l.query(q); err != nil {
				return err
			}
		}
		l.settle()
		return nil
	})
	if err != nil {
		return matcher.Lookup{}, fmt.Errorf("index: lookup: %w", err)
	}
	byDistance := func(a, b matcher.Match) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.Bank, b.Bank),
			cmp.Compare(a.ItemID, b.ItemID), cmp.Compare(a.SignalType, b.SignalType))
	}
	slices.SortFunc(res.Matches, byDistance)
	slices.SortFunc(res.Candidates, byDistance)
	res.Explain()
	return res, nil
}

type matchKey struct {
	item uint64
	typ  matcher.SignalType
}

// lookup is the state of one Lookup call.
type lookup struct {
	s     *Store
	txn   *badger.Txn
	items map[uint64]*matcher.Item
	best  map[matchKey]int // index in res.Matches of the best match per item and type
	// candidates indexes res.Candidates like best.
	candidates map[matchKey]int
	res        *matcher.Lookup
	hits  []hamming.Hit
}

func (l *lookup) item(id uint64) (*matcher.Item, error) {
	if it, ok := l.items[id]; ok {
		return it, nil
	}
	it, err := readItem(l.txn, id)
	if err != nil {
		return nil, err
	}
	l.items[id] = it
	return it, nil
}

func (l *lookup) query(q matcher.Query) error {
	if len(q.Video) > 0 {
		return l.video(q)
	}
	t := q.Signal.Type
	switch {
	case !t.Valid():
		return fmt.Errorf("invalid signal type %d", t)
	case t.Exact():
		return l.exact(q)
	case t == matcher.PDQ && l.lowQuality(q.Quality):
		l.skip(q.Signal, fmt.Sprintf("pdq quality %d is below the minimum of %d: hashes of flat or featureless images match each other, so they are not matched",
			q.Quality, l.s.opts.MinPDQQuality))
		return nil
	}
	return l.near(q)
}

func (l *lookup) exact(q matcher.Query) error {
	if f := l.s.mem.exact[q.Signal.Type]; f == nil || !f.MayContain(q.Signal) {
		return nil
	}
	return eachPostingOf(l.txn, q.Signal, func(id uint64, active bool) (bool, error) {
		if !active {
			return true, nil
		}
		it, err := l.item(id)
		if err != nil {
			return false, err
		}
		l.offer(q, matcher.QueryVariant{Signal: q.Signal, Quality: -1}, it, 0)
		return true, nil
	})
}

// search finds the items holding a hash of q's type within radius of q,
// where radius is the largest threshold of any enabled bank for that type
// (each hit is then held to its own bank's threshold by the caller).
func (l *lookup) search(q matcher.Signal, fn func(it *matcher.Item, dist int)) error {
	n := l.s.mem.near[q.Type]
	radius := -1
	for _, b := range l.s.banks {
		if b.Enabled {
			radius = max(radius, b.Threshold(q.Type))
		}
	}
	if n == nil || radius < 0 {
		return nil
	}
	h, err := hamming.FromSignal(q)
	if err != nil {
		return err
	}
	l.hits = n.ix.Search(h, radius, l.hits[:0])
	for _, hit := range l.hits {
		it, err := l.item(n.itemOf(hit.ID))
		if err != nil {
			return err
		}
		fn(it, hit.Distance)
	}
	return nil
}

// near matches a perceptual signal as given and through each of its
// variants (dihedral rotations and flips, regions found inside the
// picture); a region whose hash is of too low a quality is skipped, and
// says so.
func (l *lookup) near(q matcher.Query) error {
	whole := matcher.QueryVariant{Signal: q.Signal, Quality: q.Quality}
	if q.Signal.Type == matcher.PDQ {
		whole.Name = "orig"
	}
	for _, v := range append([]matcher.QueryVariant{whole}, q.Variants...) {
		if v.Region != nil && l.lowQuality(v.Quality) {
			l.skip(v.Signal, fmt.Sprintf("%s: pdq quality %d is below the minimum of %d", v.Region.Description, v.Quality, l.s.opts.MinPDQQuality))
			continue
		}
		err := l.search(v.Signal, func(it *matcher.Item, dist int) { l.offer(q, v, it, dist) })
		if err != nil {
			return err
		}
	}
	return nil
}

// lowQuality reports whether a PDQ hash of this quality is not matched
// (-1: unknown quality, matched).
func (l *lookup) lowQuality(quality int) bool {
	return quality >= 0 && l.s.opts.MinPDQQuality > 0 && quality < l.s.opts.MinPDQQuality
}

func (l *lookup) skip(s matcher.Signal, reason string) {
	l.res.Skipped = append(l.res.Skipped, matcher.Skip{SignalType: s.Type, Value: s.String(), Reason: reason})
}

// offer applies the decision rule to a hit of variant v of query q on
// item it at distance dist. Within the bank's threshold, a hit of a
// deciding signal type is a match; a PDQ hit through a variant must also
// be within the stricter variant threshold (each variant is one more
// chance for an unrelated picture to come close); a hit the rule does not
// stand behind is a candidate, with the reason. The closest hit per item
// and signal type is kept.
func (l *lookup) offer(q matcher.Query, v matcher.QueryVariant, it *matcher.Item, dist int) {
	bank, ok := l.s.banks[it.Bank]
	t := v.Signal.Type
	if !ok || !bank.Enabled || it.Status != matcher.Active || dist > bank.Threshold(t) {
		return
	}
	isVariantOfItem := false
	known := v.Signal
	if !t.Exact() {
		known, dist = closest(it.IndexedSignals(), v.Signal)
	}
	m := matcher.Match{
		ItemID: it.ID, Bank: it.Bank, Categories: it.Categories, Label: it.Label, Reference: it.Reference,
		AddedAt: it.AddedAt, SignalType: t, Value: known.String(), Distance: dist,
		Threshold: bank.Threshold(t), Variant: v.Name, Region: v.Region, KnownVariant: it.VariantOf(known),
	}
	if m.KnownVariant != "" {
		isVariantOfItem = true
	}
	if v.Quality >= 0 && t == matcher.PDQ {
		quality := v.Quality
		m.QueryQuality = &quality
	}
	isVariant := isVariantOfItem || v.Region != nil || (v.Name != "" && v.Name != "orig")
	switch {
	case !t.Decides():
		m.Reason = fmt.Sprintf("%s alone never identifies an item: unrelated pictures collide too often", t)
		l.keep(l.candidates, &l.res.Candidates, m)
	case t == matcher.PDQ && isVariant && dist > min(bank.Threshold(t), matcher.VariantPDQThreshold):
		m.Threshold = min(bank.Threshold(t), matcher.VariantPDQThreshold)
		m.Reason = fmt.Sprintf("a variant of the query matches only within %d bits", m.Threshold)
		l.keep(l.candidates, &l.res.Candidates, m)
	default:
		if isVariant && t == matcher.PDQ {
			m.Threshold = min(bank.Threshold(t), matcher.VariantPDQThreshold)
		}
		l.keep(l.best, &l.res.Matches, m)
	}
}

// keep records m in list unless a closer hit of the same item and signal
// type is there already (best indexes list by item and type).
func (l *lookup) keep(best map[matchKey]int, list *[]matcher.Match, m matcher.Match) {
	key := matchKey{m.ItemID, m.SignalType}
	if i, ok := best[key]; ok {
		if (*list)[i].Distance > m.Distance {
			(*list)[i] = m
		}
		return
	}
	best[key] = len(*list)
	*list = append(*list, m)
}

// settle moves the candidates that corroborate a match (64-bit hits of an
// item a deciding signal identified) to the matches, and drops candidates
// of items already matched by the same signal type.
func (l *lookup) settle() {
	matched := map[uint64]bool{}
	for _, m := range l.res.Matches {
		matched[m.ItemID] = true
	}
	kept := l.res.Candidates[:0]
	for _, c := range l.res.Candidates {
		switch _, dup := l.best[matchKey{c.ItemID, c.SignalType}]; {
		case dup:
		case matched[c.ItemID] && !c.SignalType.Decides():
			c.Reason = ""
			l.res.Matches = append(l.res.Matches, c)
		default:
			kept = append(kept, c)
		}
	}
	l.res.Candidates = kept
}

// closest returns the signal of q's type in sigs nearest to q.
func closest(sigs []matcher.Signal, q matcher.Signal) (matcher.Signal, int) {
	best, bestDist := q, q.Type.Bits()+1
	for _, s := range sigs {
		if s.Type != q.Type {
			continue
		}
		if d, err := s.Distance(q); err == nil && d < bestDist {
			best, bestDist = s, d
		}
	}
	return best, bestDist
}

// video matches a video query as vPDQ does: each unique query frame is
// searched among the PDQ hashes of known videos within the bank's PDQ
// threshold; a known video matches when the share of the query's frames
// that found a frame of it reaches video.DefaultQueryPercent (and the
// share of its own frames found, video.DefaultComparedPercent).
func (l *lookup) video(q matcher.Query) error {
	var tally video.Tally[uint64]
	closestDist := map[uint64]int{}
	for _, f := range q.Video {
		err := l.search(f, func(it *matcher.Item, dist int) {
			bank, ok := l.s.banks[it.Bank]
			if it.Video == nil || !ok || !bank.Enabled || it.Status != matcher.Active || dist > bank.Threshold(matcher.PDQ) {
				return
			}
			target, d := closest(it.Signals, f)
			tally.Add(it.ID, pdq.Hash(f.Bytes()), pdq.Hash(target.Bytes()))
			if old, ok := closestDist[it.ID]; !ok || d < old {
				closestDist[it.ID] = d
			}
		})
		if err != nil {
			return err
		}
	}
	for _, id := range tally.Videos() {
		it := l.items[id]
		bank := l.s.banks[it.Bank]
		opts := video.MatchOptions{Distance: bank.Threshold(matcher.PDQ)}
		res := tally.Result(id, len(q.Video), it.Video.UniqueFrames, opts)
		if !res.Matched {
			continue
		}
		m := matcher.Match{ItemID: it.ID, Bank: it.Bank, Categories: it.Categories, Label: it.Label,
			Reference: it.Reference, AddedAt: it.AddedAt, SignalType: matcher.PDQ, Value: "vpdq",
			Distance: closestDist[id], Threshold: bank.Threshold(matcher.PDQ), Video: &res}
		key := matchKey{it.ID, matcher.PDQ}
		if i, ok := l.best[key]; ok {
			l.res.Matches[i] = m // the video evidence replaces a frame's
			continue
		}
		l.best[key] = len(l.res.Matches)
		l.res.Matches = append(l.res.Matches, m)
	}
	return nil
}
