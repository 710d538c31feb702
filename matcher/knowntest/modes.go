package knowntest

import (
	"crypto/md5"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
)

func modeBank(name string, mode known.BankMode) matcher.Bank {
	b := bank(name)
	b.Mode = mode
	return b
}

// testAllowList: an allow-list item that matches the query as a match
// would suppresses the other banks' matches of it, names itself in the
// reason, and is no match itself; a near miss of it suppresses nothing.
func testAllowList(t *testing.T, fill Filler) {
	p := PDQ(t)
	sum := md5.Sum([]byte("logo"))
	digest, _ := matcher.NewSignal(matcher.MD5, sum[:])
	k := fill(t, []matcher.Bank{bank("partner"), modeBank("harmless", known.Allow)}, []matcher.Item{
		item("partner", "bad entry", p, digest),
		item("harmless", "public broadcaster logo", Flip(p, 4)),
	})
	l := identify(t, k, matcher.DefaultRule, matcher.Query{Signal: Flip(p, 6), Quality: 90})
	if len(l.Matches) != 0 || len(l.Suppressed) != 1 || len(l.Allowed) != 1 || len(l.Candidates) != 0 {
		t.Fatalf("allow-listed query: matches %v suppressed %v allowed %v candidates %v",
			labels(l.Matches), labels(l.Suppressed), labels(l.Allowed), labels(l.Candidates))
	}
	s := l.Suppressed[0]
	allowID := l.Allowed[0].ItemID
	want := "suppressed by allow-list item " + strconv.FormatUint(allowID, 10) + ": 'public broadcaster logo'"
	if s.QueryValue != Flip(p, 6).String() {
		t.Errorf("suppressed match names the query's hash %q, want %q", s.QueryValue, Flip(p, 6))
	}
	if s.Label != "bad entry" || s.SuppressedBy != allowID || !strings.HasPrefix(s.Reason, want) || !strings.Contains(s.Explanation, want) {
		t.Errorf("suppressed match %+v, want reason starting %q", s, want)
	}
	// 34 bits from the allow item but 30 from the bad entry: the allow
	// item does not match by the rule, so the match stands.
	q := flipRange(p, 200, 30)
	if d, _ := q.Distance(Flip(p, 4)); d != 34 {
		t.Fatalf("test setup: the query is %d bits from the allow item", d)
	}
	l = identify(t, k, matcher.DefaultRule, matcher.Query{Signal: q, Quality: 90})
	if len(l.Matches) != 1 || len(l.Suppressed) != 0 || len(l.Allowed) != 0 {
		t.Errorf("query beyond the allow item: matches %v suppressed %v allowed %v", labels(l.Matches), labels(l.Suppressed), labels(l.Allowed))
	}
	// The content's digest is a reading of the content as given, as its
	// PDQ hash is: the allow item covers both.
	l = identify(t, k, matcher.DefaultRule, matcher.Query{Signal: Flip(p, 6), Quality: 90}, matcher.Query{Signal: digest, Quality: -1})
	if len(l.Matches) != 0 || len(l.Suppressed) != 2 {
		t.Errorf("digest and pdq of the same content: matches %v suppressed %v", labels(l.Matches), labels(l.Suppressed))
	}
}

// testAllowListPerReading: an allow item matching one region of a
// picture does not suppress a known item found in another region.
func testAllowListPerReading(t *testing.T, fill Filler) {
	p := PDQ(t)
	logo := Flip(p, 128)
	k := fill(t, []matcher.Bank{bank("partner"), modeBank("harmless", known.Allow)}, []matcher.Item{
		item("partner", "known picture", p),
		item("partner", "bad entry", logo),
		item("harmless", "broadcaster logo", Flip(logo, 20)),
	})
	corner := &matcher.Region{X: 0, Y: 0, Width: 50, Height: 50, Kind: "split", Description: "the logo in the corner"}
	middle := &matcher.Region{X: 60, Y: 0, Width: 300, Height: 200, Kind: "split", Description: "the picture beside it"}
	q := matcher.Query{Signal: flipRange(p, 150, 100), Quality: 90, Variants: []matcher.QueryVariant{
		{Name: "orig", Signal: Flip(logo, 18), Quality: 80, Region: corner},
		{Name: "orig", Signal: Flip(p, 5), Quality: 80, Region: middle},
	}}
	l := identify(t, k, matcher.DefaultRule, q)
	if len(l.Matches) != 1 || l.Matches[0].Label != "known picture" || len(l.Suppressed) != 1 || l.Suppressed[0].Label != "bad entry" {
		t.Fatalf("logo beside a known picture: matches %v suppressed %v", labels(l.Matches), labels(l.Suppressed))
	}
	// The same item found through the covered and an uncovered reading
	// stays matched, with the uncovered reading as its evidence.
	q.Variants = append(q.Variants, matcher.QueryVariant{Name: "orig", Signal: flipRange(logo, 100, 15), Quality: 80, Region: middle})
	l = identify(t, k, matcher.DefaultRule, q)
	var bad *matcher.Match
	for i := range l.Matches {
		if l.Matches[i].Label == "bad entry" {
			bad = &l.Matches[i]
		}
	}
	if bad == nil || bad.Region == nil || *bad.Region != *middle || bad.Distance != 15 || len(l.Suppressed) != 0 {
		t.Fatalf("item found through an uncovered reading too: matches %+v suppressed %v", l.Matches, labels(l.Suppressed))
	}
}

// testShadowBank: a shadow bank's matches are set apart, never matches,
// and its near misses are no candidates; an allow item suppresses them
// too.
func testShadowBank(t *testing.T, fill Filler) {
	p := PDQ(t)
	k := fill(t, []matcher.Bank{modeBank("trial", known.Shadow), bank("partner")}, []matcher.Item{
		item("trial", "new list entry", p),
	})
	l := identify(t, k, matcher.DefaultRule, matcher.Query{Signal: Flip(p, 10), Quality: 90})
	if len(l.Matches) != 0 || len(l.Shadow) != 1 || l.Shadow[0].Label != "new list entry" || l.Shadow[0].Reason != "" || l.Shadow[0].Explanation == "" {
		t.Fatalf("shadow bank: matches %v shadow %+v", labels(l.Matches), l.Shadow)
	}
	if l := identify(t, k, matcher.DefaultRule, matcher.Query{Signal: Flip(p, 40), Quality: 90}); len(l.Candidates)+len(l.Shadow)+len(l.Matches) != 0 {
		t.Errorf("a near miss of a shadow bank: %+v", l)
	}
	k = fill(t, []matcher.Bank{modeBank("trial", known.Shadow), modeBank("harmless", known.Allow)}, []matcher.Item{
		item("trial", "new list entry", p),
		item("harmless", "flag", p),
	})
	l = identify(t, k, matcher.DefaultRule, matcher.Query{Signal: p, Quality: 90})
	if len(l.Matches) != 0 || len(l.Suppressed) != 0 || len(l.Shadow) != 1 || l.Shadow[0].SuppressedBy == 0 {
		t.Errorf("allow-listed shadow match: matches %v suppressed %v shadow %+v", labels(l.Matches), labels(l.Suppressed), l.Shadow)
	}
}

// flipRange returns s with n bits inverted from bit from on.
func flipRange(s matcher.Signal, from, n int) matcher.Signal {
	b := append([]byte{}, s.Bytes()...)
	for i := from; i < from+n; i++ {
		b[i/8] ^= 1 << (i % 8)
	}
	out, _ := matcher.NewSignal(s.Type, b)
	return out
}

// testQuarantine: a quarantined item's matches are held back with the
// reason, its 64-bit hits corroborate nothing, and an allow-list still
// suppresses it first.
func testQuarantine(t *testing.T, fill Filler) {
	p := PDQ(t)
	ph, err := matcher.ParseSignal(matcher.PHash, "f0e1d2c3b4a59687")
	if err != nil {
		t.Fatal(err)
	}
	flooded := item("a", "flooded", p, ph)
	flooded.Quarantine = &matcher.Quarantine{Inputs: 501, Limit: 500, Window: time.Hour}
	k := fill(t, []matcher.Bank{bank("a")}, []matcher.Item{flooded, item("a", "other", Flip(p, 128))})
	l := identify(t, k, matcher.DefaultRule, matcher.Query{Signal: Flip(p, 3), Quality: 90}, matcher.Query{Signal: ph, Quality: -1})
	if len(l.Matches)+len(l.Candidates) != 0 || len(l.Quarantined) != 1 || l.Quarantined[0].Label != "flooded" {
		t.Fatalf("quarantined item: matches %v candidates %v quarantined %v", labels(l.Matches), labels(l.Candidates), labels(l.Quarantined))
	}
	if r := l.Quarantined[0].Reason; !strings.HasPrefix(r, "quarantined candidate: the item matched 501 distinct inputs within 1h0m0s, over the flood limit of 500") {
		t.Errorf("reason %q", r)
	}
	if l := identify(t, k, matcher.DefaultRule, matcher.Query{Signal: Flip(p, 125), Quality: 90}); len(l.Matches) != 1 || l.Matches[0].Label != "other" {
		t.Errorf("another item of the bank: %v", labels(l.Matches))
	}
}
