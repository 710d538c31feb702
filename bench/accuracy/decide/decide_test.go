package decide

import (
	"context"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/atkm/herken/bench/corpus/transform"
	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/knowntest"
	"github.com/atkm/herken/matcher/media"
)

// Decide must agree with matcher.Identify on every pair of real pictures
// and every rule tried: PDQ-only and media (crop) banks, queries through
// the whole picture, dihedral variants and regions. The pairs are known
// photos against their derived copies (re-encoded, cropped, framed,
// turned, mirrored, two in one post) and against the other photos.
func TestDecideAgreesWithIdentify(t *testing.T) {
	ctx := context.Background()
	qh, err := matcher.NewHasher(matcher.HasherConfig{Signals: []matcher.SignalType{matcher.PDQ}, NoVideo: true, Dihedral: true, Regions: true})
	if err != nil {
		t.Fatal(err)
	}
	kh, err := matcher.NewHasher(matcher.HasherConfig{Signals: []matcher.SignalType{matcher.PDQ}, NoVideo: true, ItemVariants: true})
	if err != nil {
		t.Fatal(err)
	}
	derived := fixtures.Path("pdq/debian/derived")
	var items []matcher.Item
	names := []string{"t05_baboon", "t06_fruits", "t07_building", "t09_astronaut", "t10_camera", "t11_coffee"}
	pics := map[string][]byte{}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(derived, n+"__reencode_q92.jpg"))
		if err != nil {
			t.Fatal(err)
		}
		pics[n] = data
		it, _, err := kh.HashBytes(ctx, data).KnownItem()
		if err != nil {
			t.Fatal(err)
		}
		it.Bank = "b"
		items = append(items, it)
	}
	var queries []Query
	var mqueries [][]matcher.Query
	add := func(data []byte) {
		hs := qh.HashBytes(ctx, data)
		if hs.PhotoErr != nil {
			t.Fatal(hs.PhotoErr)
		}
		queries = append(queries, QueryOf(hs))
		mqueries = append(mqueries, matcher.Queries(hs, true))
	}
	files, _ := filepath.Glob(filepath.Join(derived, "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		add(data)
	}
	// Posts whose picture is found only as a region.
	rgba := func(data []byte) *image.RGBA {
		img, _, err := media.Decode(data, media.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		return transform.FromPixels(img.Pix, img.Width, img.Height, img.Channels)
	}
	for i, n := range names {
		src := rgba(pics[n])
		other := rgba(pics[names[(i+1)%len(names)]])
		for _, m := range []*image.RGBA{
			transform.Frame(src, [4]int{60, 90, 60, 140}, color.RGBA{0, 0, 0, 0xff}),
			transform.Pad(transform.ApplyDihedral(src, transform.FlipH), 1080, 1920, color.RGBA{0xff, 0xff, 0xff, 0xff}, 0),
			transform.TwoUp(src, other, false, i%2 == 0),
		} {
			data, err := transform.Encode(m, 85)
			if err != nil {
				t.Fatal(err)
			}
			add(data)
		}
	}
	rules := []Rule{{31, 31, 50, 0}, {31, 16, 50, 0}, {28, 22, 50, 0}, {24, 10, 50, 0}, {31, 4, 50, 0}, {31, 31, 80, 0},
		{31, 31, 50, 22}, {31, 12, 50, 28}, {31, 31, 50, 4}}
	var seen [NumClasses]int
	crops, agree := 0, 0
	for _, media := range []bool{false, true} {
		for ii := range items {
			it := items[ii]
			if !media {
				it.Variants = nil
			}
			k := KnownOf(it)
			for _, r := range rules {
				mem := knowntest.NewMemory([]matcher.Bank{{Name: "b", Enabled: true,
					Thresholds: map[matcher.SignalType]int{matcher.PDQ: r.Whole}}}, []matcher.Item{it})
				crop := r.Crop
				if crop == 0 {
					crop = r.Variant
				}
				mr := matcher.Rule{MinPDQQuality: r.MinQuality, VariantPDQThreshold: r.Variant, ItemVariantPDQThreshold: crop}
				for qi, q := range queries {
					res, err := matcher.Identify(mem, mqueries[qi], mr)
					if err != nil {
						t.Fatal(err)
					}
					want := -1
					for _, m := range res.Matches {
						if m.SignalType == matcher.PDQ {
							want = m.Distance
						}
					}
					got := Decide(q, &k, r)
					if got.Matched != (want >= 0) || (got.Matched && got.Distance != want) {
						t.Errorf("media %v item %d rule %+v query %d: Decide %+v, Identify matched at %d", media, ii, r, qi, got, want)
						continue
					}
					agree++
					if got.Matched {
						seen[got.Class]++
						if got.Crop >= 0 {
							crops++
						}
					}
				}
			}
		}
	}
	// The pairs must exercise every way of matching, or the agreement
	// proves little.
	for c, n := range seen {
		if n == 0 {
			t.Errorf("no match through a %s query hash", Class(c))
		}
	}
	if crops == 0 {
		t.Error("no match through a stored crop")
	}
	t.Logf("%d decisions agree; matches by class %v, through crops %d", agree, seen, crops)
}

// MinByClass is what the false-pair sweep uses: for a bank without crops
// it must give Decide's answer under every rule.
func TestMinByClassPredictsDecide(t *testing.T) {
	q := Query{
		{Hash: Hash{0, 0, 0, 0}, Quality: 90, Class: Whole},
		{Hash: Hash{0xff, 0, 0, 0}, Quality: 90, Class: Dihedral},
		{Hash: Hash{0xf, 0, 0, 0}, Quality: 40, Class: Region},
		{Hash: Hash{0x3, 0, 0, 0}, Quality: 60, Class: Region},
	}
	for _, kq := range []int{30, 70} {
		for _, kh := range []Hash{{1<<20 - 1, 0, 0, 0}, {0x1ff, 0, 0, 0}, {0xf, 0, 0, 0}} {
			k := Known{PDQ: kh, HasPDQ: true, Quality: kq}
			m := MinByClass(q, &k, 50)
			for w := 0; w <= 31; w++ {
				for v := 1; v <= 31; v++ {
					r := Rule{Whole: w, Variant: v, MinQuality: 50}
					pred := m[Whole] <= w || min(m[Dihedral], m[Region]) <= min(w, v)
					if got := Decide(q, &k, r).Matched; got != pred {
						t.Fatalf("known %x q%d rule %+v: Decide %v, MinByClass %v predicts %v", kh, kq, r, got, m, pred)
					}
				}
			}
		}
	}
}

// Rule.Crop bounds a hit through a stored crop apart from query variants:
// a crop 12 bits from the query matches under Crop 12, not under Crop 11,
// while a region 12 bits from the known hash still matches under Variant.
func TestCropThreshold(t *testing.T) {
	q := Query{{Hash: Hash{0, 0, 0, 0}, Quality: 90, Class: Whole}}
	k := Known{PDQ: Hash{^uint64(0), 0, 0, 0}, HasPDQ: true, Quality: 90, Crops: []Hash{{0xfff, 0, 0, 0}}}
	for crop, want := range map[int]bool{12: true, 11: false, 0: true} {
		if got := Decide(q, &k, Rule{Whole: 31, Variant: 31, MinQuality: 50, Crop: crop}).Matched; got != want {
			t.Errorf("crop threshold %d: matched %v, want %v", crop, got, want)
		}
	}
	region := Query{{Hash: Hash{^uint64(0), 0xffff, 0, 0}, Quality: 90, Class: Whole},
		{Hash: Hash{0xfff, 0, 0, 0}, Quality: 90, Class: Region}}
	k2 := Known{PDQ: Hash{0, 0, 0, 0}, HasPDQ: true, Quality: 90}
	if !Decide(region, &k2, Rule{Whole: 31, Variant: 12, MinQuality: 50, Crop: 4}).Matched {
		t.Error("a region 12 bits away does not match under Variant 12")
	}
}
