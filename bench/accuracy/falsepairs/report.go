package falsepairs

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/atkm/herken/bench/accuracy/decide"
	"github.com/atkm/herken/matcher"
)

// Count is the number of pairs at distance at most t by Signals[k].
func (r *Result) Count(k, t int) int64 { return cum(r.Hist[k], t) }

// GatedCount is Count for PDQ with the query's quality gate.
func (r *Result) GatedCount(t int) int64 { return cum(r.Gated, t) }

// BothCount is Count for PDQ with the quality gate on the query variant
// and on the bank's hash.
func (r *Result) BothCount(t int) int64 { return cum(r.GatedBoth, t) }

func cum(h []int64, t int) int64 {
	var n int64
	for d := 0; d <= t && d < len(h); d++ {
		n += h[d]
	}
	return n
}

// PoissonUpper is the one-sided upper confidence limit, at level conf,
// of the mean of a Poisson count of which k were observed: the λ with
// P(X ≤ k | λ) = 1 - conf (exact; 2.996 for k = 0 at 95%). For a rate
// of k events in N pairs it bounds the rate by PoissonUpper(k)/N, as the
// Clopper-Pearson bound does when the rate is small.
func PoissonUpper(k int64, conf float64) float64 {
	cdf := func(lambda float64) float64 { // P(X <= k), summed in logs
		var s float64
		for i := int64(0); i <= k; i++ {
			lg, _ := math.Lgamma(float64(i) + 1)
			s += math.Exp(float64(i)*math.Log(lambda) - lambda - lg)
		}
		return s
	}
	lo, hi := 0.0, float64(k)+10+10*math.Sqrt(float64(k)+1)
	for range 200 {
		mid := (lo + hi) / 2
		if cdf(mid) > 1-conf {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// RulePairs are the pairs rule matches with a bank of PDQ hashes (no
// crops), in either direction: the whole picture within rule.Whole, or a
// variant (dihedral, region) within min(rule.Whole, rule.Variant), both
// sides passing the quality gate (Result.MinQuality).
func (r *Result) RulePairs(rule decide.Rule) []Pair {
	var out []Pair
	for _, p := range r.Listed {
		if matches(p, rule) {
			out = append(out, p)
		}
	}
	return out
}

func matches(p Pair, rule decide.Rule) bool {
	return p.Class[decide.Whole] <= rule.Whole ||
		min(p.Class[decide.Dihedral], p.Class[decide.Region]) <= min(rule.Whole, rule.Variant)
}

// Sweep counts RulePairs for every whole threshold in wholes and variant
// threshold in variants: [i][j] is for wholes[i], variants[j]. The
// thresholds must be at most ListPDQ.
func (r *Result) Sweep(wholes, variants []int) [][]int64 {
	out := make([][]int64, len(wholes))
	for i, w := range wholes {
		out[i] = make([]int64, len(variants))
		for j, v := range variants {
			out[i][j] = int64(len(r.RulePairs(decide.Rule{Whole: w, Variant: v, MinQuality: r.MinQuality})))
		}
	}
	return out
}

// ClassCounts counts the pairs rule matches through each class of query
// hash (a pair may count in several).
func (r *Result) ClassCounts(rule decide.Rule) [decide.NumClasses]int {
	var n [decide.NumClasses]int
	for _, p := range r.Listed {
		if p.Class[decide.Whole] <= rule.Whole {
			n[decide.Whole]++
		}
		for _, c := range []decide.Class{decide.Dihedral, decide.Region} {
			if p.Class[c] <= min(rule.Whole, rule.Variant) {
				n[c]++
			}
		}
	}
	return n
}

// BankSizes are the bank sizes the expected false identifications per
// query are given for.
var BankSizes = []int64{1_000_000, 10_000_000}

// WriteMarkdown writes the measurement sections of the report: per-signal
// rates at each threshold, the rule's false pairs with their bound and
// the expected false identifications per query, and the pairs listed.
func (r *Result) WriteMarkdown(w io.Writer, rule decide.Rule) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	n := float64(r.Pairs)
	low := 0
	for q := range r.MinQuality / 10 {
		low += r.Quality[q]
	}
	p("## Pairs and query variants\n\n%d pictures, %d unordered pairs, %d query variants in all (%.1f a picture). ",
		len(r.Pictures), r.Pairs, r.Variants, float64(r.Variants)/float64(max(1, len(r.Pictures))))
	p("%d pictures (%.1f%%) have a PDQ quality below %d: they are part of the corpus, and the quality gate keeps them from matching as queries.\n\n",
		low, 100*float64(low)/float64(max(1, len(r.Pictures))), r.MinQuality)
	p("PDQ quality of the pictures (bank side):\n\n| quality | ")
	for q := range 11 {
		p("%d-%d | ", 10*q, min(100, 10*q+9))
	}
	p("\n|---|%s\n| pictures | ", strings.Repeat("---:|", 11))
	for _, c := range r.Quality {
		p("%d | ", c)
	}
	p("\n\n")

	p("## Rule: whole picture within %d, variants and regions within %d, quality ≥ %d on both sides\n\n", rule.Whole, min(rule.Whole, rule.Variant), r.MinQuality)
	pairs := r.RulePairs(rule)
	k := int64(len(pairs))
	up := PoissonUpper(k, 0.95)
	p("| false pairs | pairs | rate | 95%% upper bound of the rate | ")
	for _, b := range BankSizes {
		p("false identifications per query, bank of %s (bound) | ", millions(b))
	}
	p("\n|---:|---:|---:|---:|%s\n| **%d** | %d | %s | %s | ", strings.Repeat("---:|", len(BankSizes)), k, r.Pairs, sci(float64(k)/n), sci(up/n))
	for _, b := range BankSizes {
		p("%.3g (%.3g) | ", float64(k)/n*float64(b), up/n*float64(b))
	}
	cc := r.ClassCounts(rule)
	p("\n\nBy the query hash that matched: %d through the whole picture, %d through a dihedral variant, %d through a region (a pair may count twice). ",
		cc[decide.Whole], cc[decide.Dihedral], cc[decide.Region])
	p("The bound is the exact one-sided 95%% Poisson limit of the count (%.2f for %d events) over the number of pairs. ", up, k)
	p("Pairs share pictures and are not independent, so the bound is nominal. The issue's target is at most 5 false pairs in 5·10^7 (a rate of 10^-7).\n\n")
	same := 0
	for _, x := range pairs {
		if r.sameSource(x) {
			same++
		}
	}
	p("Of the %d, %d are two tiles of one source picture and %d are pictures of different sources.\n\n", k, same, int(k)-same)
	if len(pairs) > 0 {
		p("Every false pair under the rule:\n\n")
		r.pairTable(p, pairs)
	}
	wholes, variants := thresholdsUpTo(24, 31), thresholdsUpTo(14, 31)
	sw := r.Sweep(wholes, variants)
	p("\n### False pairs per candidate rule\n\nRows: the whole picture's threshold (the bank's); columns: the variant threshold (dihedral variants and regions, bounded by the row's). Quality ≥ %d on both sides.\n\n| whole \\ variant | ", r.MinQuality)
	for _, v := range variants {
		p("%d | ", v)
	}
	p("\n|---:|%s\n", strings.Repeat("---:|", len(variants)))
	for i, w := range wholes {
		p("| %d | ", w)
		for j := range variants {
			p("%d | ", sw[i][j])
		}
		p("\n")
	}
	p("\n## Per-pair false-match rate per signal\n\n")
	p("A pair counts at threshold t when a query variant of either picture is within t bits of the other's bank hash. ")
	p("The 64-bit hashes are looked up for the query as given only. \"pdq gated\" leaves out query variants of quality below %d.\n\n", r.MinQuality)
	p("\"both gated\" also leaves out bank hashes of quality below %d.\n\n", r.MinQuality)
	p("| threshold | pdq | pdq gated | pdq both gated | expected per query at 1M (gated / both gated) |\n|---:|---:|---:|---:|---:|\n")
	for _, t := range []int{0, 4, 8, 12, 16, 20, 24, 28, 31, 32, 36, 40, 44, 48, 52, 56, 60, 64} {
		p("| %d | %s | %s | %s | %.3g / %.3g |\n", t, rate(r.Count(0, t), n), rate(r.GatedCount(t), n), rate(r.BothCount(t), n),
			float64(r.GatedCount(t))/n*1e6, float64(r.BothCount(t))/n*1e6)
	}
	p("\n| threshold | phash | dhash | ahash | expected per query at 1M (phash / dhash / ahash) |\n|---:|---:|---:|---:|---:|\n")
	for t := 0; t <= 16; t++ {
		p("| %d | %s | %s | %s | %.3g / %.3g / %.3g |\n", t, rate(r.Count(1, t), n), rate(r.Count(2, t), n), rate(r.Count(3, t), n),
			float64(r.Count(1, t))/n*1e6, float64(r.Count(2, t))/n*1e6, float64(r.Count(3, t))/n*1e6)
	}
	p("\nAt each signal's default threshold:\n\n| signal | threshold | false pairs | rate | 95%% upper bound | per query at 1M | at 10M |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for i, s := range Signals {
		t := s.DefaultThreshold()
		c := r.Count(i, t)
		p("| %s | %d | %d | %s | %s | %.3g | %.3g |\n", s, t, c, sci(float64(c)/n), sci(PoissonUpper(c, 0.95)/n), float64(c)/n*1e6, float64(c)/n*1e7)
	}
	c := r.GatedCount(matcher.PDQ.DefaultThreshold())
	p("| pdq gated | %d | %d | %s | %s | %.3g | %.3g |\n", matcher.PDQ.DefaultThreshold(), c, sci(float64(c)/n), sci(PoissonUpper(c, 0.95)/n), float64(c)/n*1e6, float64(c)/n*1e7)
}

func (r *Result) pairTable(p func(string, ...any), pairs []Pair) {
	p("| # | picture A | picture B | same source | pdq (A→B variant, B→A variant) | gated: whole, dihedral, region | quality A, B | phash | dhash | ahash |\n|---:|---|---|---|---|---|---|---:|---:|---:|\n")
	for i, x := range pairs {
		same := ""
		if r.sameSource(x) {
			same = "yes"
		}
		p("| %d | `%s` | `%s` | %s | %s (%s %s, %s %s) | %s, %s, %s | %d, %d | %s | %s | %s |\n", i+1, r.Pictures[x.A].Name, r.Pictures[x.B].Name, same,
			ds(x.Dist[0]), ds(x.DistAB), x.VariantAB, ds(x.DistBA), x.VariantBA,
			ds(x.Class[decide.Whole]), ds(x.Class[decide.Dihedral]), ds(x.Class[decide.Region]), x.QualityA, x.QualityB,
			ds(x.Dist[1]), ds(x.Dist[2]), ds(x.Dist[3]))
	}
}

func (r *Result) sameSource(x Pair) bool {
	a, b := r.Pictures[x.A].Source, r.Pictures[x.B].Source
	return a != "" && a == b
}

// WriteListed writes the closest listed pairs, ungated.
func (r *Result) WriteListed(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("\n## Closest pairs, ungated\n\nPairs within %d bits by PDQ from any query variant, whatever its quality: %d pairs.", r.ListPDQ, len(r.Listed))
	const most = 60
	if len(r.Listed) > most {
		p(" The %d nearest by PDQ:", most)
	}
	p("\n\n")
	r.pairTable(p, r.Listed[:min(most, len(r.Listed))])
}

func thresholdsUpTo(lo, hi int) []int {
	var out []int
	for t := lo; t <= hi; t++ {
		out = append(out, t)
	}
	return out
}

func ds(d int) string {
	if d >= NoMatch {
		return "–"
	}
	return fmt.Sprint(d)
}

func rate(c int64, n float64) string {
	if c == 0 {
		return "0"
	}
	return fmt.Sprintf("%s (%d)", sci(float64(c)/n), c)
}

func sci(x float64) string {
	if x == 0 {
		return "0"
	}
	return fmt.Sprintf("%.2g", x)
}

func millions(b int64) string { return fmt.Sprintf("%dM", b/1_000_000) }
