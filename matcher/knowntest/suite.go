package knowntest

import (
	"crypto/md5"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/atkm/herken/matcher"
)

// Filler returns known content holding banks and items, as a fresh
// implementation under test. Items come without ids; an item whose Status
// is Retracted must be added and then retracted, and one with a
// Quarantine added and then quarantined (its time may change). Labels are unique, so
// the suite finds items by label.
type Filler func(t *testing.T, banks []matcher.Bank, items []matcher.Item) matcher.KnownContent

// Run runs the conformance suite: every implementation of
// matcher.KnownContent must give the same identifications.
func Run(t *testing.T, fill Filler) {
	t.Run("ExactDigest", func(t *testing.T) { testExactDigest(t, fill) })
	t.Run("PDQWithinThreshold", func(t *testing.T) { testPDQWithinThreshold(t, fill) })
	t.Run("Variants", func(t *testing.T) { testVariants(t, fill) })
	t.Run("SixtyFourBitNeverDecides", func(t *testing.T) { testSixtyFourBit(t, fill) })
	t.Run("RetractedAndDisabled", func(t *testing.T) { testRetractedAndDisabled(t, fill) })
	t.Run("QualityGate", func(t *testing.T) { testQualityGate(t, fill) })
	t.Run("ItemVariant", func(t *testing.T) { testItemVariant(t, fill) })
	t.Run("AgainstBruteForce", func(t *testing.T) { testAgainstBruteForce(t, fill) })
	t.Run("AllowList", func(t *testing.T) { testAllowList(t, fill) })
	t.Run("AllowListPerReading", func(t *testing.T) { testAllowListPerReading(t, fill) })
	t.Run("ShadowBank", func(t *testing.T) { testShadowBank(t, fill) })
	t.Run("Quarantine", func(t *testing.T) { testQuarantine(t, fill) })
}

// PDQ returns a fixed PDQ signal for tests.
func PDQ(t testing.TB) matcher.Signal {
	t.Helper()
	s, err := matcher.ParseSignal(matcher.PDQ, "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Flip returns s with its first n bits inverted.
func Flip(s matcher.Signal, n int) matcher.Signal {
	b := append([]byte{}, s.Bytes()...)
	for i := range n {
		b[i/8] ^= 1 << (i % 8)
	}
	out, _ := matcher.NewSignal(s.Type, b)
	return out
}

func bank(name string) matcher.Bank {
	return matcher.Bank{Name: name, Enabled: true, Categories: []matcher.Category{matcher.Incitement}}
}

func item(bank, label string, sigs ...matcher.Signal) matcher.Item {
	return matcher.Item{Bank: bank, Label: label, Signals: sigs, Categories: []matcher.Category{matcher.Incitement}}
}

func identify(t *testing.T, k matcher.KnownContent, rule matcher.Rule, qs ...matcher.Query) matcher.Identification {
	t.Helper()
	l, err := matcher.Identify(k, qs, rule)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func labels(ms []matcher.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Label+":"+m.SignalType.String())
	}
	return out
}

func testExactDigest(t *testing.T, fill Filler) {
	sum := md5.Sum([]byte("abc"))
	digest, _ := matcher.NewSignal(matcher.MD5, sum[:])
	other := Flip(digest, 1)
	k := fill(t, []matcher.Bank{bank("a")}, []matcher.Item{item("a", "abc", digest)})
	l := identify(t, k, matcher.DefaultRule, matcher.Query{Signal: digest, Quality: -1})
	if len(l.Matches) != 1 || l.Matches[0].Label != "abc" || l.Matches[0].Distance != 0 || l.Matches[0].Explanation != "md5: identical" {
		t.Fatalf("exact digest: %+v", l)
	}
	if l.IndexVersion == 0 {
		t.Error("no index version")
	}
	if l := identify(t, k, matcher.DefaultRule, matcher.Query{Signal: other, Quality: -1}); len(l.Matches)+len(l.Candidates) != 0 {
		t.Errorf("a digest one bit off matched: %+v", l)
	}
}

func testPDQWithinThreshold(t *testing.T, fill Filler) {
	p := PDQ(t)
	k := fill(t, []matcher.Bank{bank("a")}, []matcher.Item{item("a", "photo", p)})
	f := func(bits int, want bool) {
		t.Helper()
		l := identify(t, k, matcher.DefaultRule, matcher.Query{Signal: Flip(p, bits), Quality: 90})
		if got := len(l.Matches) == 1; got != want || len(l.Candidates) != 0 {
			t.Errorf("%d bits off: matches %v candidates %v, want match %v", bits, labels(l.Matches), labels(l.Candidates), want)
		}
		if want && (l.Matches[0].Distance != bits || l.Matches[0].Threshold != 31 || l.Matches[0].Variant != "orig") {
			t.Errorf("%d bits off: evidence %+v", bits, l.Matches[0])
		}
	}
	f(0, true)
	f(31, true)
	f(32, false)
	f(90, false)
}

func testVariants(t *testing.T, fill Filler) {
	p := PDQ(t)
	k := fill(t, []matcher.Bank{bank("a")}, []matcher.Item{item("a", "photo", p)})
	far := Flip(p, 120)
	region := &matcher.Region{X: 10, Y: 20, Width: 300, Height: 200, Kind: "border", Description: "the picture inside a uniform border at 10,20 300×200"}
	rule := matcher.Rule{VariantPDQThreshold: 20}
	q := matcher.Query{Signal: far, Quality: 90, Variants: []matcher.QueryVariant{
		{Name: "rot90", Signal: Flip(p, 25), Quality: 90},
		{Name: "orig", Signal: Flip(p, 12), Quality: 80, Region: region},
	}}
	l := identify(t, k, rule, q)
	if len(l.Matches) != 1 || l.Matches[0].Region == nil || l.Matches[0].Distance != 12 || l.Matches[0].Threshold != 20 {
		t.Fatalf("region variant: matches %+v", l.Matches)
	}
	if !strings.Contains(l.Matches[0].Explanation, region.Description) {
		t.Errorf("explanation %q does not name the region", l.Matches[0].Explanation)
	}
	// The rot90 variant alone is beyond the variant threshold: a
	// candidate, with the reason.
	q.Variants = q.Variants[:1]
	l = identify(t, k, rule, q)
	if len(l.Matches) != 0 || len(l.Candidates) != 1 || l.Candidates[0].Variant != "rot90" || l.Candidates[0].Reason == "" {
		t.Fatalf("variant beyond the variant threshold: matches %+v candidates %+v", l.Matches, l.Candidates)
	}
}

func testSixtyFourBit(t *testing.T, fill Filler) {
	p := PDQ(t)
	ph, _ := matcher.ParseSignal(matcher.PHash, "ffffffff00000000")
	k := fill(t, []matcher.Bank{bank("a")}, []matcher.Item{
		item("a", "sky", ph),
		item("a", "both", Flip(p, 200), Flip(ph, 1)),
	})
	l := identify(t, k, matcher.DefaultRule, matcher.Query{Signal: ph, Quality: -1})
	if len(l.Matches) != 0 || len(l.Candidates) != 2 {
		t.Fatalf("a 64-bit hash decided: matches %v candidates %v", labels(l.Matches), labels(l.Candidates))
	}
	for _, c := range l.Candidates {
		if !strings.Contains(c.Reason, "never identifies") {
			t.Errorf("candidate reason %q", c.Reason)
		}
	}
	// The 64-bit hash of a featureless picture is gated as PDQ is, with the
	// reason: not even a candidate.
	l = identify(t, k, matcher.DefaultRule, matcher.Query{Signal: ph, Quality: 10})
	if len(l.Matches)+len(l.Candidates) != 0 || len(l.Skipped) != 1 || !strings.Contains(l.Skipped[0].Reason, "featureless") {
		t.Fatalf("64-bit hash of a featureless picture: %+v", l)
	}
	// With the PDQ hash of "both" matching, its pHash hit corroborates.
	l = identify(t, k, matcher.DefaultRule,
		matcher.Query{Signal: Flip(p, 200), Quality: 90}, matcher.Query{Signal: ph, Quality: -1})
	got := labels(l.Matches)
	slices.Sort(got)
	if !slices.Equal(got, []string{"both:pdq", "both:phash"}) || len(l.Candidates) != 1 || l.Candidates[0].Label != "sky" {
		t.Fatalf("corroboration: matches %v candidates %v", got, labels(l.Candidates))
	}
}

func testRetractedAndDisabled(t *testing.T, fill Filler) {
	p := PDQ(t)
	off := bank("off")
	off.Enabled = false
	gone := item("a", "gone", Flip(p, 3))
	gone.Status = matcher.Retracted
	k := fill(t, []matcher.Bank{bank("a"), off}, []matcher.Item{gone, item("off", "disabled", Flip(p, 4)), item("a", "live", Flip(p, 5))})
	l := identify(t, k, matcher.DefaultRule, matcher.Query{Signal: p, Quality: 90})
	if got := labels(l.Matches); !slices.Equal(got, []string{"live:pdq"}) || len(l.Candidates) != 0 {
		t.Fatalf("retracted or disabled matched: %v %v", got, labels(l.Candidates))
	}
}

func testQualityGate(t *testing.T, fill Filler) {
	p := PDQ(t)
	k := fill(t, []matcher.Bank{bank("a")}, []matcher.Item{item("a", "photo", p)})
	l := identify(t, k, matcher.DefaultRule, matcher.Query{Signal: p, Quality: 49})
	if len(l.Matches) != 0 || len(l.Skipped) != 1 || !strings.Contains(l.Skipped[0].Reason, "quality 49 is below the minimum of 50") {
		t.Fatalf("quality gate: %+v", l)
	}
	// A known hash of low quality does not decide either.
	flat := item("a", "flat", Flip(p, 200))
	low := 10
	flat.PDQQuality = &low
	k = fill(t, []matcher.Bank{bank("a")}, []matcher.Item{flat})
	l = identify(t, k, matcher.DefaultRule, matcher.Query{Signal: Flip(p, 201), Quality: 90})
	if len(l.Matches) != 0 || len(l.Candidates) != 1 || !strings.Contains(l.Candidates[0].Reason, "quality 10") {
		t.Fatalf("known hash of low quality: %+v", l)
	}
	k = fill(t, []matcher.Bank{bank("a")}, []matcher.Item{item("a", "photo", p)})
	region := &matcher.Region{Description: "the picture inside letterbox bars"}
	l = identify(t, k, matcher.DefaultRule, matcher.Query{Signal: Flip(p, 100), Quality: 90,
		Variants: []matcher.QueryVariant{{Name: "orig", Signal: p, Quality: 20, Region: region}}})
	if len(l.Matches) != 0 || len(l.Skipped) != 1 || !strings.Contains(l.Skipped[0].Reason, region.Description) {
		t.Fatalf("region quality gate: %+v", l)
	}
	// A detailed picture inside a large flat frame: the whole post is of
	// low quality, and so are its rotations, but the region found inside
	// it has a quality of its own and is looked up.
	l = identify(t, k, matcher.DefaultRule, matcher.Query{Signal: Flip(p, 100), Quality: 30,
		Variants: []matcher.QueryVariant{{Name: "rot90", Signal: Flip(p, 2), Quality: 30},
			{Name: "orig", Signal: Flip(p, 5), Quality: 80, Region: region}}})
	if len(l.Matches) != 1 || l.Matches[0].Region == nil || l.Matches[0].Distance != 5 || len(l.Skipped) != 1 {
		t.Fatalf("region of a low-quality post: %+v", l)
	}
}

func testItemVariant(t *testing.T, fill Filler) {
	p := PDQ(t)
	crop := Flip(p, 150)
	it := item("a", "photo", p)
	it.Variants = []matcher.ItemVariant{{Name: "crop: 10% off the left", Signal: crop}}
	k := fill(t, []matcher.Bank{bank("a")}, []matcher.Item{it})
	l := identify(t, k, matcher.DefaultRule, matcher.Query{Signal: Flip(crop, 3), Quality: 90})
	if len(l.Matches) != 1 || l.Matches[0].KnownVariant != "crop: 10% off the left" || l.Matches[0].Distance != 3 {
		t.Fatalf("item variant: %+v", l)
	}
	if !strings.Contains(l.Matches[0].Explanation, "crop: 10% off the left") {
		t.Errorf("explanation %q", l.Matches[0].Explanation)
	}

	// A query 28 bits from the item's own hash (within the whole
	// picture's 31) and 25 from a stored crop (beyond the crops' 24) is
	// identified by the own hash: the nearer crop must not turn it into a
	// candidate.
	q := Flip(p, 28)
	b := append([]byte{}, q.Bytes()...)
	for i := 100; i < 125; i++ {
		b[i/8] ^= 1 << (i % 8)
	}
	near, _ := matcher.NewSignal(matcher.PDQ, b)
	it = item("a", "photo", p)
	it.Variants = []matcher.ItemVariant{{Name: "crop: 2.5% off the top", Signal: near}}
	k = fill(t, []matcher.Bank{bank("a")}, []matcher.Item{it})
	l = identify(t, k, matcher.DefaultRule, matcher.Query{Signal: q, Quality: 90})
	if len(l.Matches) != 1 || l.Matches[0].KnownVariant != "" || l.Matches[0].Distance != 28 || len(l.Candidates) != 0 {
		t.Fatalf("own hash within 31 behind a nearer crop beyond the crops' threshold: matches %+v candidates %+v", l.Matches, l.Candidates)
	}

	// A media bank's stored crop meets the picture as given (and
	// mirrored, and trimmed), not a rotation of it nor a region found
	// inside it; a stored part meets the same part of the query only.
	it = item("a", "photo", p)
	it.Variants = []matcher.ItemVariant{
		{Name: "crop (5.0% off the left)", Signal: crop},
		{Name: "part (the top 33% left out, where a corner logo or watermark may be)", Signal: Flip(p, 200)},
	}
	k = fill(t, []matcher.Bank{bank("a")}, []matcher.Item{it})
	inside := &matcher.Region{Kind: "border", Description: "the picture inside a uniform border"}
	top := &matcher.Region{Kind: matcher.PartKind, Description: "the picture without its top 33%, where a corner logo or watermark may be"}
	bottom := &matcher.Region{Kind: matcher.PartKind, Description: "the picture without its bottom 33%, where a corner logo or watermark may be"}
	for _, c := range []struct {
		name    string
		variant matcher.QueryVariant
		want    string // the stored variant matched, "" for none
	}{
		{"as given", matcher.QueryVariant{Name: "orig", Signal: Flip(crop, 3), Quality: 90}, "crop (5.0% off the left)"},
		{"rotated", matcher.QueryVariant{Name: "rot90", Signal: Flip(crop, 3), Quality: 90}, ""},
		{"region", matcher.QueryVariant{Name: "orig", Signal: Flip(crop, 3), Quality: 90, Region: inside}, ""},
		{"same part", matcher.QueryVariant{Name: "orig", Signal: Flip(p, 202), Quality: 90, Region: top}, "part (the top 33% left out, where a corner logo or watermark may be)"},
		{"other part", matcher.QueryVariant{Name: "orig", Signal: Flip(p, 202), Quality: 90, Region: bottom}, ""},
	} {
		// The whole query is far from everything stored: bits 160-255
		// of the item's hash flipped.
		fb := append([]byte{}, p.Bytes()...)
		for i := 160; i < 256; i++ {
			fb[i/8] ^= 1 << (i % 8)
		}
		far, _ := matcher.NewSignal(matcher.PDQ, fb)
		l = identify(t, k, matcher.DefaultRule, matcher.Query{Signal: far, Quality: 90, Variants: []matcher.QueryVariant{c.variant}})
		switch {
		case c.want == "" && (len(l.Matches) != 0 || len(l.Candidates) != 0):
			t.Errorf("%s: judged against a stored variant not made for it: matches %+v candidates %+v", c.name, l.Matches, l.Candidates)
		case c.want != "" && (len(l.Matches) != 1 || l.Matches[0].KnownVariant != c.want):
			t.Errorf("%s: matches %+v, want one through %q", c.name, l.Matches, c.want)
		}
	}
}

// testAgainstBruteForce compares identification through the
// implementation with a brute-force reading of the same items, around the
// threshold.
func testAgainstBruteForce(t *testing.T, fill Filler) {
	rng := rand.New(rand.NewPCG(21, 22))
	base := PDQ(t)
	var items []matcher.Item
	var sigs []matcher.Signal
	for i := 0; len(items) < 400; i++ {
		s := flipRandom(rng, base, 1+rng.IntN(60))
		if slices.Contains(sigs, s) {
			continue // one item per hash: an index keeps the first of two alike
		}
		sigs = append(sigs, s)
		items = append(items, item("a", "item"+strconv.Itoa(i), s))
	}
	k := fill(t, []matcher.Bank{bank("a")}, items)
	for range 30 {
		q := flipRandom(rng, base, rng.IntN(40))
		l := identify(t, k, matcher.DefaultRule, matcher.Query{Signal: q, Quality: 90})
		var want, got []string
		for i, s := range sigs {
			if d, _ := s.Distance(q); d <= 31 {
				want = append(want, items[i].Label)
			}
		}
		for _, m := range l.Matches {
			got = append(got, m.Label)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("query: got %d matches, brute force %d", len(got), len(want))
		}
	}
}

func flipRandom(rng *rand.Rand, s matcher.Signal, n int) matcher.Signal {
	b := append([]byte{}, s.Bytes()...)
	for _, i := range rng.Perm(8 * len(b))[:n] {
		b[i/8] ^= 1 << (i % 8)
	}
	out, _ := matcher.NewSignal(s.Type, b)
	return out
}
