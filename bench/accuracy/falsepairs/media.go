package falsepairs

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/atkm/herken/bench/accuracy/decide"
	"github.com/atkm/herken/index/hamming"
	"github.com/atkm/herken/ingest/parallel"
)

// MediaPair is a pair of pictures that some rule matches when the bank
// holds each picture with its crops (a media bank).
type MediaPair struct {
	A, B int // indexes into Result.Pictures, A < B
	// Matched[k] says whether Rules[k] matches the pair in either
	// direction; Hit is the closest match under the first rule that
	// matches, from A's query to B (AB) or B's to A.
	Matched []bool
	Hit     decide.Hit
	AB      bool
}

// query and known turn a picture's hashes into decide's terms.
func (h *hashed) query() decide.Query {
	q := make(decide.Query, 0, len(h.vars))
	for _, v := range h.vars {
		if v.hasPDQ {
			q = append(q, decide.QueryHash{Hash: decide.Hash(v.pdq), Quality: v.q, Class: v.class, Name: v.name, Meets: v.meets})
		}
	}
	return q
}

func (h *hashed) known() decide.Known {
	return decide.Known{PDQ: decide.Hash(h.bankPDQ), HasPDQ: h.bankHas, Quality: h.bankQ, Crops: h.crops, CropClasses: h.classes}
}

// MediaPairs finds the pairs that any of rules matches with a media bank:
// every query hash of every picture (passing the quality gate) is looked
// up among all pictures' crops with index/hamming's multi-index search
// within the largest whole threshold, the pairs found (and the pairs the
// pictures' own hashes bring close, Listed) are then decided exactly.
// The bank hasher of the Run must have computed the crops.
func (r *Result) MediaPairs(ctx context.Context, rules []decide.Rule, workers int) ([]MediaPair, int, error) {
	radius := 0
	for _, ru := range rules {
		radius = max(radius, ru.Whole)
	}
	b, err := hamming.NewBuilder(256, max(radius, 1), 0)
	if err != nil {
		return nil, 0, fmt.Errorf("falsepairs: %w", err)
	}
	var owner []int32
	for i := range r.hs {
		for _, c := range r.hs[i].crops {
			if err := b.Add(hamming.ID(len(owner)), hamming.Hash(c)); err != nil {
				return nil, 0, err
			}
			owner = append(owner, int32(i))
		}
	}
	if len(owner) == 0 {
		return nil, 0, fmt.Errorf("falsepairs: the bank holds no crops")
	}
	ix := b.Index()
	type key struct{ a, b int }
	var mu sync.Mutex
	cand := map[key]bool{}
	for _, p := range r.Listed {
		cand[key{p.A, p.B}] = true
	}
	minQ := r.MinQuality
	parallel.For(ctx, max(1, workers), len(r.hs), func(i int) {
		h := &r.hs[i]
		if len(h.vars) == 0 || h.vars[0].q < minQ {
			return // Identify skips the query
		}
		var hits []hamming.Hit
		found := map[int]bool{}
		for _, v := range h.vars {
			if !v.hasPDQ || v.q < minQ {
				continue
			}
			hits = ix.Search(hamming.Hash(v.pdq), radius, hits[:0])
			for _, x := range hits {
				if j := int(owner[x.ID]); j != i {
					found[j] = true
				}
			}
		}
		mu.Lock()
		for j := range found {
			cand[key{min(i, j), max(i, j)}] = true
		}
		mu.Unlock()
	})
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	keys := make([]key, 0, len(cand))
	for k := range cand {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y key) int {
		if x.a != y.a {
			return x.a - y.a
		}
		return x.b - y.b
	})
	var out []MediaPair
	for _, k := range keys {
		a, bb := &r.hs[k.a], &r.hs[k.b]
		qa, qb, ka, kb := a.query(), bb.query(), a.known(), bb.known()
		mp := MediaPair{A: k.a, B: k.b, Matched: make([]bool, len(rules))}
		any := false
		for ri, ru := range rules {
			ab, ba := decide.Decide(qa, &kb, ru), decide.Decide(qb, &ka, ru)
			mp.Matched[ri] = ab.Matched || ba.Matched
			if mp.Matched[ri] && !any {
				any = true
				mp.Hit, mp.AB = ab, true
				if !ab.Matched || (ba.Matched && ba.Distance < ab.Distance) {
					mp.Hit, mp.AB = ba, false
				}
			}
		}
		if any {
			out = append(out, mp)
		}
	}
	return out, len(owner), nil
}

// DecidePair decides picture a's query against picture b's bank entry
// (with its crops) under rule, and b's against a's.
func (r *Result) DecidePair(a, b int, rule decide.Rule) (ab, ba decide.Hit) {
	x, y := &r.hs[a], &r.hs[b]
	ka, kb := x.known(), y.known()
	return decide.Decide(x.query(), &kb, rule), decide.Decide(y.query(), &ka, rule)
}
