package falsepairs

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atkm/herken/bench/accuracy/decide"
	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher"
)

func hashers(t *testing.T) Config {
	t.Helper()
	bank, err := matcher.NewHasher(matcher.HasherConfig{Signals: Signals, NoVideo: true})
	if err != nil {
		t.Fatal(err)
	}
	query, err := matcher.NewHasher(matcher.HasherConfig{Signals: Signals, NoVideo: true, Dihedral: true})
	if err != nil {
		t.Fatal(err)
	}
	return Config{Bank: BankHasher(bank), Query: DihedralQuery(query), Workers: 2}
}

// Three distinct photos and a copy of one turned a quarter: the only
// close pair is the copy, found through a dihedral query variant, in
// either direction; the other five pairs are far apart.
func TestDihedralCopyIsTheOnlyClosePair(t *testing.T) {
	data := fixtures.Path("pdq/debian/opencv-doc/usr/share/doc/opencv-doc/examples/data")
	cfg := hashers(t)
	for _, f := range []string{"fruits.jpg", "baboon.jpg", "leuvenA.jpg"} {
		cfg.Pictures = append(cfg.Pictures, Picture{Name: f, File: filepath.Join(data, f), Source: f})
	}
	cfg.Pictures = append(cfg.Pictures, Picture{Name: "baboon rot90",
		File: fixtures.Path("pdq/debian/derived/t05_baboon__rot90.jpg"), Source: "rot"})
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Pairs != 6 || r.Variants != 32 {
		t.Fatalf("%d pairs and %d variants, want 6 and 32", r.Pairs, r.Variants)
	}
	if got := r.GatedCount(31); got != 1 {
		t.Fatalf("%d pairs within PDQ 31 (gated), want 1 (the turned copy); listed %+v", got, r.Listed)
	}
	if got := r.BothCount(31); got != 1 {
		t.Errorf("%d pairs within PDQ 31 with both sides gated, want 1", got)
	}
	pairs := r.RulePairs(decide.Rule{Whole: 31, Variant: 31, MinQuality: 50})
	if len(pairs) != 1 {
		t.Fatalf("rule pairs %+v, want one", pairs)
	}
	p := pairs[0]
	if r.Pictures[p.A].Name != "baboon.jpg" || r.Pictures[p.B].Name != "baboon rot90" {
		t.Errorf("rule pair is %s / %s, want baboon.jpg / baboon rot90", r.Pictures[p.A].Name, r.Pictures[p.B].Name)
	}
	if p.VariantAB == "orig" || p.VariantBA == "orig" || p.DistAB > 31 || p.DistBA > 31 {
		t.Errorf("the copy matched by %s at %d and %s at %d: want non-orig variants both ways", p.VariantAB, p.DistAB, p.VariantBA, p.DistBA)
	}
	// The 64-bit hashes are not looked up rotated: the copy is far by them.
	if p.Dist[1] <= matcher.PHash.DefaultThreshold() {
		t.Errorf("phash distance of a quarter-turned copy is %d: rotated 64-bit lookups are not expected", p.Dist[1])
	}
	var b strings.Builder
	r.WriteMarkdown(&b, decide.Rule{Whole: 31, Variant: 31, MinQuality: 50})
	r.WriteListed(&b)
	if !strings.Contains(b.String(), "`baboon rot90`") || !strings.Contains(b.String(), "| **1** | 6 |") {
		t.Errorf("report does not list the pair or its count:\n%s", b.String())
	}
}

func TestUnhashablePictureFailsTheRun(t *testing.T) {
	cfg := hashers(t)
	cfg.Pictures = []Picture{{Name: "text", File: fixtures.Path("pdq/README.md")},
		{Name: "fruits", File: fixtures.Path("pdq/debian/opencv-doc/usr/share/doc/opencv-doc/examples/data/fruits.jpg")}}
	if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "text") {
		t.Fatalf("err = %v, want one naming the picture that could not be hashed", err)
	}
}

func TestPoissonUpper(t *testing.T) {
	for _, c := range []struct {
		k    int64
		want float64
	}{{0, 2.9957}, {1, 4.7439}, {5, 10.5130}, {175, 198.38}} {
		if got := PoissonUpper(c.k, 0.95); math.Abs(got-c.want) > 0.01 {
			t.Errorf("PoissonUpper(%d) = %.4f, want %.4f", c.k, got, c.want)
		}
	}
}
