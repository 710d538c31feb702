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
		l := lookup{s: s, txn: txn, items: map[uint64]*matcher.Item{}, best: map[matchKey]int{}, res: &res}
		for _, q := range queries {
			if err := l.query(q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return matcher.Lookup{}, fmt.Errorf("index: lookup: %w", err)
	}
	slices.SortFunc(res.Matches, func(a, b matcher.Match) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.Bank, b.Bank),
			cmp.Compare(a.ItemID, b.ItemID), cmp.Compare(a.SignalType, b.SignalType))
	})
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
	res   *matcher.Lookup
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
	case t == matcher.PDQ && q.Quality >= 0 && l.s.opts.MinPDQQuality > 0 && q.Quality < l.s.opts.MinPDQQuality:
		l.res.Skipped = append(l.res.Skipped, matcher.Skip{SignalType: t, Value: q.Signal.String(),
			Reason: fmt.Sprintf("pdq quality %d is below the minimum of %d: hashes of flat or featureless images match each other, so they are not matched",
				q.Quality, l.s.opts.MinPDQQuality)})
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
		l.offer(q, it, q.Signal, 0, "")
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

// near matches a perceptual signal, and its dihedral variants if given.
func (l *lookup) near(q matcher.Query) error {
	variants := []matcher.Signal{q.Signal}
	if len(q.Variants) > 0 {
		variants = q.Variants
	}
	for vi, v := range variants {
		name := ""
		if v.Type == matcher.PDQ {
			name = matcher.VariantNames[vi]
		}
		if err := l.search(v, func(it *matcher.Item, dist int) { l.offer(q, it, v, dist, name) }); err != nil {
			return err
		}
	}
	return nil
}

// offer records a match of item it if its bank is enabled and the distance
// is within the bank's threshold, keeping the closest match per item and
// signal type.
func (l *lookup) offer(q matcher.Query, it *matcher.Item, query matcher.Signal, dist int, variant string) {
	bank, ok := l.s.banks[it.Bank]
	t := query.Type
	if !ok || !bank.Enabled || it.Status != matcher.Active || dist > bank.Threshold(t) {
		return
	}
	known := query
	if !t.Exact() {
		known, dist = closest(it.Signals, query)
	}
	m := matcher.Match{
		ItemID: it.ID, Bank: it.Bank, Categories: it.Categories, Label: it.Label, Reference: it.Reference,
		AddedAt: it.AddedAt, SignalType: t, Value: known.String(), Distance: dist,
		Threshold: bank.Threshold(t), Variant: variant,
	}
	if q.Quality >= 0 && t == matcher.PDQ {
		quality := q.Quality
		m.QueryQuality = &quality
	}
	key := matchKey{it.ID, t}
	if i, ok := l.best[key]; ok {
		if l.res.Matches[i].Distance > dist {
			l.res.Matches[i] = m
		}
		return
	}
	l.best[key] = len(l.res.Matches)
	l.res.Matches = append(l.res.Matches, m)
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
