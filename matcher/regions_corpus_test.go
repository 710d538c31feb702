package matcher

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

// TestRegionsOnBenchCorpus measures, on the bench corpus built at
// HERKEN_CORPUS (only when that is set), how many re-posts of each
// chosen transform yield a region whose PDQ hash, as found or mirrored, is
// within 31 bits of the original's, both of quality at least 50. It is a
// measurement, not a gate: it runs only when asked for, and prints. HERKEN_CORPUS_TRANSFORMS picks transforms
// (comma-separated), HERKEN_CORPUS_MISSES=1 lists the misses. On an
// unframed transform the count with any region is the false proposals.
func TestRegionsOnBenchCorpus(t *testing.T) {
	root := os.Getenv("HERKEN_CORPUS")
	if root == "" || testing.Short() {
		t.Skip("a measurement on the bench corpus: give its folder as HERKEN_CORPUS (make corpus builds it)")
	}
	f, err := os.Open(filepath.Join(root, "DERIVED.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]bool{}
	for _, s := range strings.Split(os.Getenv("HERKEN_CORPUS_TRANSFORMS"), ",") {
		if s != "" {
			want[s] = true
		}
	}
	byT := map[string][][2]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Split(sc.Text(), "\t")
		if len(fs) < 4 || fs[0] == "sha256" || (len(want) > 0 && !want[fs[1]]) {
			continue
		}
		byT[fs[1]] = append(byT[fs[1]], [2]string{fs[2], fs[3]})
	}
	h := mustHasher(t, HasherConfig{Signals: []SignalType{PDQ}, Regions: true})
	plain := mustHasher(t, HasherConfig{Signals: []SignalType{PDQ}})
	origs := map[string]*Hashes{}
	var names []string
	for n := range byT {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, tr := range names {
		found, total, some := 0, 0, 0
		var misses []string
		for _, e := range byT[tr] {
			o, ok := origs[e[0]]
			if !ok {
				data, err := os.ReadFile(filepath.Join(root, "originals", e[0]+".png"))
				if err != nil {
					continue
				}
				o = plain.HashBytes(context.Background(), data)
				origs[e[0]] = o
			}
			if len(o.Signals) == 0 || o.PDQQuality < 50 {
				continue
			}
			want := pdq.Hash(o.Signals[0].Bytes())
			data, err := os.ReadFile(filepath.Join(root, e[1]))
			if err != nil {
				continue
			}
			total++
			hs := h.HashBytes(context.Background(), data)
			if len(hs.Regions) > 0 {
				some++
			}
			best := 257
			for _, r := range hs.Regions {
				if r.Quality >= 50 {
					best = min(best, r.PDQ.Distance(want), r.Mirrored.Distance(want))
				}
			}
			if best <= 31 {
				found++
				continue
			}
			var rs []string
			for _, r := range hs.Regions {
				rs = append(rs, fmt.Sprintf("%d,%d %dx%d %s d=%d/%d q=%d", r.Region.X, r.Region.Y, r.Region.Width, r.Region.Height,
					r.Region.Kind, r.PDQ.Distance(want), r.Mirrored.Distance(want), r.Quality))
			}
			misses = append(misses, fmt.Sprintf("  %s %dx%d: %s", e[1], hs.Width, hs.Height, strings.Join(rs, "; ")))
		}
		t.Logf("%-22s %3d/%3d found, %3d with any region", tr, found, total, some)
		if os.Getenv("HERKEN_CORPUS_MISSES") != "" {
			for _, m := range misses {
				t.Log(m)
			}
		}
	}
}
