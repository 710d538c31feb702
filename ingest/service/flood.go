package service

import (
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
)

// DefaultFloodLimit is the number of distinct inputs an item may match
// within FloodWindow before it is quarantined. Analysts and test suites
// check a known item a few dozen times an hour, and the same input
// checked again counts once; a bad entry in a partner's list (a logo, a
// flag, a near-blank frame) on a platform's upload stream passes five
// hundred distinct inputs within minutes. Far from both, so that the
// guard neither fires on checking nor lets a flood run for long.
const DefaultFloodLimit = 500

// FloodWindow is the period over which distinct inputs are counted.
const FloodWindow = time.Hour

// ReleaseGrace is how long an item an analyst released from quarantine is
// not quarantined again: the analyst vouched for its matches (a known
// video re-posted in many versions during an attack floods too).
const ReleaseGrace = 24 * time.Hour

// floodGuard counts, per item, the distinct inputs it matched within the
// window, and quarantines an item past the limit. It is safe for
// concurrent use.
type floodGuard struct {
	limit      int
	now        func() time.Time
	quarantine func(id uint64, q known.Quarantine) (known.Item, error)
	log        *slog.Logger
	metrics    *metrics

	mu sync.Mutex
	// seen holds, per item, when each distinct input (a hash of its
	// signals) last matched it; at most limit+1 entries per item.
	seen     map[uint64]map[uint64]time.Time
	released map[uint64]time.Time
}

func newFloodGuard(limit int, quarantine func(uint64, known.Quarantine) (known.Item, error), log *slog.Logger, m *metrics) *floodGuard {
	if limit == 0 {
		limit = DefaultFloodLimit
	}
	return &floodGuard{limit: limit, now: time.Now, quarantine: quarantine, log: log, metrics: m,
		seen: map[uint64]map[uint64]time.Time{}, released: map[uint64]time.Time{}}
}

// inputKey identifies an input by its signals: the same content or the
// same hashes checked again is the same input.
func inputKey(sigs []matcher.Signal) uint64 {
	h := fnv.New64a()
	for _, s := range sigs {
		h.Write([]byte{byte(s.Type)})
		h.Write(s.Bytes())
	}
	return h.Sum64()
}

// observe counts an input that matched ms, and quarantines the items it
// takes past the limit. A negative limit turns the guard off.
func (g *floodGuard) observe(sigs []matcher.Signal, ms []matcher.Match) {
	if g == nil || g.limit < 0 || len(ms) == 0 || len(sigs) == 0 {
		return
	}
	key, now := inputKey(sigs), g.now()
	var flooded map[uint64]int
	g.mu.Lock()
	for _, m := range ms {
		if at, ok := g.released[m.ItemID]; ok && now.Sub(at) < ReleaseGrace {
			continue
		}
		inputs := g.seen[m.ItemID]
		if inputs == nil {
			inputs = map[uint64]time.Time{}
			g.seen[m.ItemID] = inputs
		}
		inputs[key] = now
		if len(inputs) <= g.limit {
			continue
		}
		for k, at := range inputs {
			if now.Sub(at) > FloodWindow {
				delete(inputs, k)
			}
		}
		if len(inputs) > g.limit {
			if flooded == nil {
				flooded = map[uint64]int{}
			}
			flooded[m.ItemID] = len(inputs)
			delete(g.seen, m.ItemID)
		}
	}
	g.mu.Unlock()
	for id, n := range flooded {
		q := known.Quarantine{Inputs: n, Limit: g.limit, Window: FloodWindow, By: "flood guard"}
		if _, err := g.quarantine(id, q); err != nil {
			g.log.Error("flood guard: the item could not be quarantined", "item", id, "err", err)
			continue
		}
		g.alert(id, "a flood of matches", "distinct_inputs", n, "limit", g.limit, "window", FloodWindow.String())
	}
}

// alert tells admins of a quarantine (log and metric), whatever caused it.
func (g *floodGuard) alert(id uint64, cause string, attrs ...any) {
	if g == nil {
		return
	}
	g.metrics.set.GetOrCreateCounter("herken_quarantines_total").Inc()
	g.log.Warn("item quarantined: its matches are held back until an analyst releases or retracts it",
		append([]any{"item", id, "cause", cause}, attrs...)...)
}

// forget starts an item's count afresh after an analyst released it, and
// spares it for ReleaseGrace.
func (g *floodGuard) forget(id uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.seen, id)
	g.released[id] = g.now()
}
