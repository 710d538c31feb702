package matcher

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
)

// Agreement summarises how end-to-end PDQ hashes (file in, hash out) agree
// with the reference's.
type agreement struct {
	total, exact, within2, maxDist int
	qualityDiffs                   int
	worst                          []string
}

func (a agreement) String() string {
	return fmt.Sprintf("%d images: %d exact (%.1f%%), %d within 2 bits, max distance %d, %d quality differences",
		a.total, a.exact, 100*float64(a.exact)/float64(a.total), a.within2, a.maxDist, a.qualityDiffs)
}

type conformanceMode struct {
	name    string
	fullRes bool
}

// minExact is the share of images, in percent, that must hash exactly as
// the reference does. libjpeg-turbo gives the reference's pixels, so every
// image must agree (measured: 185 of 185 in both modes). The pure-Go JPEG
// decoder's IDCT rounds a few pixels differently (measured: 177 of 185 exact
// with the squash, 174 at full resolution); issue 2's bar of 95% applies to
// the reference CLI's default, the squash.
func (m conformanceMode) minExact() int {
	switch {
	case strings.HasPrefix(media.JPEGDecoder(), "libjpeg-turbo"):
		return 100
	case m.fullRes:
		return 90
	}
	return 95
}

// TestReferenceEndToEnd hashes every image of the reference corpus from its
// file and compares with what Meta's reference CLI printed. Bars (issue 2):
// at least 95% exact, and every image of quality >= 80 within 10 bits.
func TestReferenceEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test: runs without -short")
	}
	cases, err := fixtures.PDQReference()
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []conformanceMode{{"squash", false}, {"full resolution", true}} {
		t.Run(mode.name, func(t *testing.T) {
			h, err := NewHasher(HasherConfig{Signals: []SignalType{PDQ}, PDQFullResolution: mode.fullRes})
			if err != nil {
				t.Fatal(err)
			}
			var a agreement
			for _, c := range cases {
				wantHex, wantQ := c.PDQ, c.Quality
				if mode.fullRes {
					wantHex, wantQ = c.PDQFullRes, c.QualityFullRes
				}
				want, err := pdq.ParseHash(wantHex)
				if err != nil {
					t.Fatal(err)
				}
				data, err := os.ReadFile(c.Path())
				if err != nil {
					t.Fatal(err)
				}
				got := h.HashBytes(context.Background(), data)
				if got.PhotoErr != nil {
					t.Errorf("%s: %v", c.File, got.PhotoErr)
					continue
				}
				sig, ok := got.Signal(PDQ)
				if !ok {
					t.Errorf("%s: no pdq signal (content type %s)", c.File, got.ContentType)
					continue
				}
				d := pdq.Hash(sig.Bytes()).Distance(want)
				a.total++
				a.maxDist = max(a.maxDist, d)
				if d == 0 {
					a.exact++
				}
				if d <= 2 {
					a.within2++
				}
				if got.PDQQuality != wantQ {
					a.qualityDiffs++
				}
				if d > 0 {
					a.worst = append(a.worst, fmt.Sprintf("%3d bits  q%-3d %s", d, wantQ, c.File))
				}
				if wantQ >= 80 && d > 10 {
					t.Errorf("%s: quality %d image is %d bits from the reference (bar: 10)", c.File, wantQ, d)
				}
			}
			sort.Sort(sort.Reverse(sort.StringSlice(a.worst)))
			t.Logf("jpeg decoder %s: %s", media.JPEGDecoder(), a)
			if len(a.worst) > 0 {
				t.Logf("differing images:\n%s", strings.Join(a.worst, "\n"))
			}
			if a.total != len(cases) {
				t.Errorf("hashed %d of %d images", a.total, len(cases))
			}
			if 100*a.exact < mode.minExact()*a.total {
				t.Errorf("only %d of %d exact; the bar is %d%%", a.exact, a.total, mode.minExact())
			}
		})
	}
}
