package evaluation

import (
	"github.com/atkm/herken/matcher"
)

// MaxFPR is the false-positive rate a recommended threshold must not
// exceed, over pairs of distinct originals and over derived copies against
// the originals they were not made from.
const MaxFPR = 1e-4

// DihedralTransforms are the transforms that matching through PDQ's
// dihedral variants is meant to undo.
var DihedralTransforms = []string{"flip-h", "flip-v", "rot-90", "rot-180", "rot-270"}

// within is the share of h's counts at distance <= thr, and the total.
func within(h []int, thr int) (float64, int) {
	n, k := 0, 0
	for d, c := range h {
		n += c
		if d <= thr {
			k += c
		}
	}
	if n == 0 {
		return 0, 0
	}
	return float64(k) / float64(n), n
}

func sum(hs ...[]int) []int {
	var out []int
	for _, h := range hs {
		if out == nil {
			out = make([]int, len(h))
		}
		for i, c := range h {
			out[i] += c
		}
	}
	return out
}

// Recall is the share of tr's derived copies within thr of their original;
// tr "" means every transform.
func (r *Result) Recall(t matcher.SignalType, tr string, thr int) float64 {
	v, _ := within(r.hist(t, tr), thr)
	return v
}

func (r *Result) hist(t matcher.SignalType, tr string) []int {
	if tr != "" {
		return r.Dist[t][tr]
	}
	var hs [][]int
	for _, name := range r.Transforms {
		hs = append(hs, r.Dist[t][name])
	}
	return sum(hs...)
}

// FPR is the share of pairs of distinct originals within thr.
func (r *Result) FPR(t matcher.SignalType, thr int) float64 {
	v, _ := within(r.Pairs[t], thr)
	return v
}

// CrossFPR is the share of (derived copy, other original) pairs within thr.
func (r *Result) CrossFPR(t matcher.SignalType, thr int) float64 {
	v, _ := within(r.Cross[t], thr)
	return v
}

// NumPairs is the number of pairs of distinct originals.
func (r *Result) NumPairs() int { n := len(r.Originals); return n * (n - 1) / 2 }

// NumCross is the number of (derived copy, other original) pairs; the
// second original of a two-picture post is not an other original.
func (r *Result) NumCross() int {
	n := len(r.Derived) * (len(r.Originals) - 1)
	for _, d := range r.Derived {
		if d.Also != "" {
			n--
		}
	}
	return n
}

// Recommend returns the largest threshold in 0..bits/2 whose FPR and
// CrossFPR are both at most MaxFPR, with its overall recall; ok is false
// when even 0 exceeds it.
func (r *Result) Recommend(t matcher.SignalType) (thr int, recall float64, ok bool) {
	thr = -1
	for d := 0; d <= t.Bits()/2; d++ {
		if r.FPR(t, d) <= MaxFPR && r.CrossFPR(t, d) <= MaxFPR {
			thr = d
		} else {
			break
		}
	}
	if thr < 0 {
		return 0, 0, false
	}
	return thr, r.Recall(t, "", thr), true
}

// DihedralRecall is PDQ's recall on tr at thr when the query's eight
// variants are each compared with the original.
func (r *Result) DihedralRecall(tr string, thr int) float64 {
	v, _ := within(r.DihedralDist[tr], thr)
	return v
}

// DihedralFPR is FPR for PDQ matched through the variants.
func (r *Result) DihedralFPR(thr int) float64 {
	v, _ := within(r.DihedralPairs, thr)
	return v
}

// GatedRecall is PDQ's recall on tr (all when "") at thr when, as herken
// does, queries of quality below matcher.DefaultMinPDQQuality are not
// matched; excluded is the same with those queries left out of the count.
func (r *Result) GatedRecall(tr string, thr int) (gated, excluded float64, low int) {
	all := r.hist(matcher.PDQ, tr)
	var lowH []int
	if tr != "" {
		lowH = r.LowQuality[tr]
	} else {
		var hs [][]int
		for _, name := range r.Transforms {
			hs = append(hs, r.LowQuality[name])
		}
		lowH = sum(hs...)
	}
	var n, k, nl, kl int
	for d := range all {
		n += all[d]
		nl += lowH[d]
		if d <= thr {
			k += all[d]
			kl += lowH[d]
		}
	}
	if n == 0 {
		return 0, 0, 0
	}
	gated = float64(k-kl) / float64(n)
	if n > nl {
		excluded = float64(k-kl) / float64(n-nl)
	}
	return gated, excluded, nl
}
