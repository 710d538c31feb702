package video

import "github.com/atkm/herken/matcher/pdq"

// The reference's matching defaults, as python-threatexchange's vPDQ
// signal and index use them (threatexchange/extensions/vpdq/vpdq_util.py).
const (
	// DefaultQuality: frames of lower PDQ quality are ignored on both sides.
	DefaultQuality = 50
	// DefaultDistance: two frames match within this Hamming distance
	// (inclusive).
	DefaultDistance = 31
	// DefaultQueryPercent: at least this share of the query's frames must
	// match frames of the known video.
	DefaultQueryPercent = 80.0
	// DefaultComparedPercent: the share of the known video's frames that
	// must match. 0, so that a short clip of a long known video matches.
	DefaultComparedPercent = 0.0
)

// The containment rule herken adds (MatchOptions.ContainedPercent): a
// copy with a few seconds of other footage before or after the known
// video has fewer than 80% of its frames matched (10 s of it after 3 s of
// another: 77%), yet it holds the whole known video. Unrelated videos do
// not match most of a known video's frames; the floor on frames keeps a
// known video of one or two distinct frames from matching any query that
// shows a similar picture once.
const (
	DefaultContainedPercent   = 80.0
	DefaultMinContainedFrames = 5
)

// MatchOptions set the matching rules. A zero field means its default;
// a negative Quality keeps every frame, a negative QueryPercent or
// ComparedPercent sets no requirement on that side.
type MatchOptions struct {
	Quality         int
	Distance        int
	QueryPercent    float64
	ComparedPercent float64
	// ContainedPercent, when positive, also matches a query that holds
	// the known video among other footage: at least this share of the
	// known video's frames matched, by at least MinContainedFrames frames
	// of each side (default DefaultMinContainedFrames). Zero: the
	// reference's rule alone.
	ContainedPercent   float64
	MinContainedFrames int
}

func (o MatchOptions) withDefaults() MatchOptions {
	if o.Quality == 0 {
		o.Quality = DefaultQuality
	}
	if o.Distance <= 0 {
		o.Distance = DefaultDistance
	}
	if o.QueryPercent == 0 {
		o.QueryPercent = DefaultQueryPercent
	}
	if o.MinContainedFrames <= 0 {
		o.MinContainedFrames = DefaultMinContainedFrames
	}
	return o
}

// MatchResult compares a query video with one known ("compared") video.
type MatchResult struct {
	// QueryMatchPercent is the share of the query's unique frame hashes
	// that are within the distance of some frame of the compared video.
	QueryMatchPercent float64 `json:"query_match_percent"`
	// ComparedMatchPercent is the share of the compared video's unique
	// frame hashes within the distance of some query frame.
	ComparedMatchPercent float64 `json:"compared_match_percent"`
	// Matched: both percentages reach their thresholds, and at least one
	// frame matched.
	Matched bool `json:"matched"`
	// The counts behind the percentages: unique frame hashes of enough
	// quality, and how many of them matched.
	QueryFrames     int `json:"query_frames"`
	QueryMatched    int `json:"query_matched"`
	ComparedFrames  int `json:"compared_frames"`
	ComparedMatched int `json:"compared_matched"`
	// Contained: matched by the containment rule (MatchOptions.
	// ContainedPercent), the query's share being under its threshold.
	Contained bool `json:"contained,omitempty"`
	// Reading says how the frames were compared when not as given: the
	// query mirrored, the picture inside its frames, stored crops of the
	// known video's frames (set by the caller that compared them so).
	Reading string `json:"reading,omitempty"`
}

// Unique returns the hashes the reference compares: those of frames with
// quality at least opts.Quality, each distinct hash once, in frame order.
// The quality filter comes first, as in python-threatexchange's index,
// so a hash seen first in a poor frame and again in a good one is kept.
func Unique(frames []Frame, opts MatchOptions) []pdq.Hash {
	opts = opts.withDefaults()
	seen := make(map[pdq.Hash]struct{}, len(frames))
	out := make([]pdq.Hash, 0, len(frames))
	for _, f := range frames {
		if f.Quality < opts.Quality {
			continue
		}
		if _, ok := seen[f.Hash]; ok {
			continue
		}
		seen[f.Hash] = struct{}{}
		out = append(out, f.Hash)
	}
	return out
}

// Match compares two frame lists by brute force, as the reference's
// brute-force matcher does: O(len(query) * len(target)) distances.
// It is safe for concurrent use.
func Match(query, target []Frame, opts MatchOptions) MatchResult {
	opts = opts.withDefaults()
	q, t := Unique(query, opts), Unique(target, opts)
	var tally Tally[struct{}]
	for _, qh := range q {
		for _, th := range t {
			if qh.Distance(th) <= opts.Distance {
				tally.Add(struct{}{}, qh, th)
			}
		}
	}
	return tally.Result(struct{}{}, len(q), len(t), opts)
}

// Score turns counts of matched unique frame hashes into a result.
func Score(queryMatched, queryFrames, comparedMatched, comparedFrames int, opts MatchOptions) MatchResult {
	opts = opts.withDefaults()
	r := MatchResult{
		QueryFrames: queryFrames, QueryMatched: queryMatched,
		ComparedFrames: comparedFrames, ComparedMatched: comparedMatched,
	}
	if queryFrames <= 0 || comparedFrames <= 0 {
		return r
	}
	r.QueryMatchPercent = float64(queryMatched) * 100 / float64(queryFrames)
	r.ComparedMatchPercent = float64(comparedMatched) * 100 / float64(comparedFrames)
	r.Matched = queryMatched > 0 &&
		r.QueryMatchPercent >= opts.QueryPercent &&
		r.ComparedMatchPercent >= opts.ComparedPercent
	if !r.Matched && opts.ContainedPercent > 0 && r.ComparedMatchPercent >= opts.ContainedPercent &&
		min(queryMatched, comparedMatched) >= opts.MinContainedFrames {
		r.Matched, r.Contained = true, true
	}
	return r
}

// Tally collects frame-level hits found elsewhere — typically by a Hamming
// index over the frame hashes of many known videos, searched with each of
// the query's Unique hashes — and scores each known video K the way
// python-threatexchange's vPDQ index does. The zero value is ready to use.
// A Tally is not safe for concurrent use.
type Tally[K comparable] struct {
	hits map[K]*hits
}

type hits struct {
	query, target map[pdq.Hash]struct{}
}

// Add records that query frame hash q matched frame hash t of video k.
// Repeated pairs and hashes count once.
func (t *Tally[K]) Add(k K, q, target pdq.Hash) {
	if t.hits == nil {
		t.hits = make(map[K]*hits)
	}
	h := t.hits[k]
	if h == nil {
		h = &hits{query: map[pdq.Hash]struct{}{}, target: map[pdq.Hash]struct{}{}}
		t.hits[k] = h
	}
	h.query[q] = struct{}{}
	h.target[target] = struct{}{}
}

// Videos returns the videos with at least one hit, in no set order.
func (t *Tally[K]) Videos() []K {
	out := make([]K, 0, len(t.hits))
	for k := range t.hits {
		out = append(out, k)
	}
	return out
}

// Result scores video k: queryFrames is len(Unique(query)), and
// comparedFrames the number of k's unique frame hashes of enough quality
// (which the index stores with the video).
func (t *Tally[K]) Result(k K, queryFrames, comparedFrames int, opts MatchOptions) MatchResult {
	var qm, tm int
	if h := t.hits[k]; h != nil {
		qm, tm = len(h.query), len(h.target)
	}
	return Score(qm, queryFrames, tm, comparedFrames, opts)
}
