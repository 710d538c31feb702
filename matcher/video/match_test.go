package video

import (
	"math/rand/v2"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

// flip returns h with its first n bits flipped.
func flip(h pdq.Hash, n int) pdq.Hash {
	for k := range n {
		h[k/8] ^= 1 << (k % 8)
	}
	return h
}

func randomHash(r *rand.Rand) pdq.Hash {
	var h pdq.Hash
	for i := range h {
		h[i] = byte(r.Uint32())
	}
	return h
}

func framesOf(hs ...pdq.Hash) []Frame {
	out := make([]Frame, len(hs))
	for i, h := range hs {
		out[i] = Frame{Number: i, Quality: 100, Hash: h, Timestamp: float64(i)}
	}
	return out
}

func TestUnique(t *testing.T) {
	a, b := testHash(1), testHash(2)
	frames := []Frame{{Hash: a, Quality: 10}, {Hash: a, Quality: 90}, {Hash: b, Quality: 50}, {Hash: b, Quality: 100}, {Hash: testHash(3), Quality: 49}}
	got := Unique(frames, MatchOptions{})
	if len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("Unique = %v", got)
	}
	if got := Unique(frames, MatchOptions{Quality: -1}); len(got) != 3 {
		t.Errorf("Unique without quality gate: %d hashes", len(got))
	}
}

func TestMatchRules(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	target := make([]pdq.Hash, 10)
	for i := range target {
		target[i] = randomHash(r)
	}
	f := func(name string, query []Frame, opts MatchOptions, qp, cp float64, matched bool) {
		t.Helper()
		res := Match(query, framesOf(target...), opts)
		if res.QueryMatchPercent != qp || res.ComparedMatchPercent != cp || res.Matched != matched {
			t.Errorf("%s: %+v, want %v/%v/%v", name, res, qp, cp, matched)
		}
	}
	f("identical", framesOf(target...), MatchOptions{}, 100, 100, true)
	f("31 bits off", framesOf(flip(target[0], 31), flip(target[1], 31)), MatchOptions{}, 100, 20, true)
	f("32 bits off", framesOf(flip(target[0], 32)), MatchOptions{}, 0, 0, false)
	f("distance 10", framesOf(flip(target[0], 11)), MatchOptions{Distance: 10}, 0, 0, false)
	// 4 of 5 query frames: 80% is enough, 75% is not.
	f("80%", framesOf(target[0], target[1], target[2], target[3], randomHash(r)), MatchOptions{}, 80, 40, true)
	f("75%", framesOf(target[0], target[1], target[2], randomHash(r)), MatchOptions{}, 75, 30, false)
	f("75% allowed", framesOf(target[0], target[1], target[2], randomHash(r)), MatchOptions{QueryPercent: 70}, 75, 30, true)
	f("compared threshold", framesOf(target[0]), MatchOptions{ComparedPercent: 50}, 100, 10, false)
	// Duplicates count once on both sides.
	f("duplicates", framesOf(target[0], target[0], target[0], target[1]), MatchOptions{}, 100, 20, true)
	// Low-quality query frames are ignored: none left, no match.
	low := framesOf(target...)
	for i := range low {
		low[i].Quality = 49
	}
	f("low quality", low, MatchOptions{}, 0, 0, false)
	f("no threshold, no frames", nil, MatchOptions{QueryPercent: -1, ComparedPercent: -1}, 0, 0, false)
}

// TestTallyAgreesWithMatch: hits fed from elsewhere give Match's result.
func TestTallyAgreesWithMatch(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	videos := map[string][]Frame{}
	for _, name := range []string{"a", "b", "c"} {
		var hs []pdq.Hash
		for range 20 {
			hs = append(hs, randomHash(r))
		}
		videos[name] = framesOf(hs...)
	}
	// The query: a clip of "a" with noise, one frame of "b", and noise.
	var q []pdq.Hash
	for i := 5; i < 12; i++ {
		q = append(q, flip(videos["a"][i].Hash, i*2))
	}
	q = append(q, videos["b"][3].Hash, randomHash(r))
	query := framesOf(q...)

	qu := Unique(query, MatchOptions{})
	var tally Tally[string]
	for name, frames := range videos { // a brute-force stand-in for the index
		for _, th := range Unique(frames, MatchOptions{}) {
			for _, qh := range qu {
				if qh.Distance(th) <= DefaultDistance {
					tally.Add(name, qh, th)
					tally.Add(name, qh, th) // repeated hits count once
				}
			}
		}
	}
	if n := len(tally.Videos()); n != 2 {
		t.Errorf("%d videos hit, want 2", n)
	}
	for name, frames := range videos {
		want := Match(query, frames, MatchOptions{})
		got := tally.Result(name, len(qu), len(Unique(frames, MatchOptions{})), MatchOptions{})
		if got != want {
			t.Errorf("%s: tally %+v, Match %+v", name, got, want)
		}
	}
	if a := Match(query, videos["a"], MatchOptions{}); a.Matched || a.QueryMatched != 7 || a.ComparedMatched != 7 {
		t.Errorf("clip of a: %+v (7 of 9 query frames is under 80%%)", a)
	}
}
