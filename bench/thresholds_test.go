package bench

// TestThresholds measures how far transformed copies of a photo move each
// perceptual hash, and how close unrelated photos come, on the committed
// corpus fixtures/pdq, to choose the default thresholds of the 64-bit
// hashes. Method and results: THRESHOLDS.md.
//
//	go test -run TestThresholds -v ./bench/

import (
	"context"
	"fmt"
	"os"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher"
)

// perceptual are the signal types measured, in the order of the tables.
var perceptual = []matcher.SignalType{matcher.PDQ, matcher.PHash, matcher.DHash, matcher.AHash}

// recommended are the thresholds under test: the defaults in
// matcher/signal.go, chosen as THRESHOLDS.md explains.
var recommended = map[matcher.SignalType]int{
	matcher.PDQ: matcher.PDQ.DefaultThreshold(), matcher.PHash: matcher.PHash.DefaultThreshold(),
	matcher.DHash: matcher.DHash.DefaultThreshold(), matcher.AHash: matcher.AHash.DefaultThreshold(),
}

// Transform classes, from what a transform does to the pixels.
const (
	classEncode   = "encode"   // same pixels, re-encoded: JPEG quality, format, colour space of the file
	classResize   = "resize"   // scaled, aspect kept or squashed
	classFilter   = "filter"   // colour or sharpness changed: grey, blur, sharpen, contrast, colour modes
	classGeometry = "geometry" // content moved: crop, border, letterbox, half made transparent
	classDihedral = "dihedral" // rotated or mirrored: expected to fail without dihedral hashing
)

var classes = []string{classEncode, classResize, classFilter, classGeometry, classDihedral}

// classOf returns the class of a transform kind.
func classOf(kind string) string {
	switch {
	case kind == "reencode_q92", kind == "jpegq30", kind == "progressive_q92", kind == "cmyk_q92",
		kind == "gif256", kind == "webp_q80", kind == "exif_orient6", kind == "alpha_lefthalf_transparent",
		kind == "mode-CMYK", kind == "mode-RGB", kind == "mode-RGBA", kind == "mode-YCbCr", kind == "mode-P",
		kind == "mode-PA", kind == "mode-F", kind == "mode-I", kind == "mode-L", kind == "mode-LA":
		// alpha_lefthalf_transparent keeps its RGB; hashing drops alpha.
		return classEncode
	case kind == "resize50", strings.HasPrefix(kind, "shrink-"), strings.HasPrefix(kind, "square-"):
		return classResize
	case kind == "fliph", kind == "rot90", strings.HasPrefix(kind, "dih-"):
		return classDihedral
	case kind == "crop5", kind == "border5", kind == "letterbox", kind == "alpha_flattened_white":
		return classGeometry
	}
	return classFilter
}

// photo is one corpus file and its hashes.
type photo struct {
	file    string
	sigs    map[matcher.SignalType]matcher.Signal
	quality int
	// dihedral are the PDQ hashes of the photo's 8 rotations and flips.
	dihedral []matcher.Signal
}

// pair is a positive (an original and a transformed copy) or a negative
// (two originals of different scenes).
type pair struct {
	a, b *photo
	kind string // transform, for positives
}

// dihedralPDQ is the PDQ distance from a's hash to the closest of b's
// dihedral variants, as herken match finds it.
func (p pair) dihedralPDQ() int {
	best := matcher.PDQ.Bits()
	for _, v := range p.b.dihedral {
		d, err := p.a.sigs[matcher.PDQ].Distance(v)
		if err != nil {
			panic(err)
		}
		best = min(best, d)
	}
	return best
}

func (p pair) distance(t matcher.SignalType) int {
	d, err := p.a.sigs[t].Distance(p.b.sigs[t])
	if err != nil {
		panic(err)
	}
	return d
}

// Scenes: originals that show the same scene (a stereo pair, a calibration
// series, an edited copy, the bridge in several files) are neither
// positives nor negatives of each other; they are reported as "related".
var sceneRules = []struct {
	re    *regexp.Regexp
	scene string
}{
	{regexp.MustCompile(`/(bridge-mods|misc-images/modes|reg-test-input/dih)/|sample-b\.jpg$`), "bridge"},
	// Not rotated copies: four shots of one subject, 108-136 PDQ bits
	// apart through every dihedral variant.
	{regexp.MustCompile(`/exif-rotn/`), "exif-rotn"},
	{regexp.MustCompile(`/(left|right)\d\d\.jpg$`), "chessboard"},
	{regexp.MustCompile(`/(left|right)\.jpg$`), "left-right"},
	{regexp.MustCompile(`/aloe[LR]\.jpg$`), "aloe"},
	{regexp.MustCompile(`/leuven[AB]\.jpg$`), "leuven"},
	{regexp.MustCompile(`/graf\d\.png$`), "graf"},
	{regexp.MustCompile(`/motorcycle_(left|right)\.png$`), "motorcycle"},
	{regexp.MustCompile(`/rubberwhale\d\.png$`), "rubberwhale"},
	{regexp.MustCompile(`/basketball\d\.png$`), "basketball"},
	{regexp.MustCompile(`/aero\d\.jpg$`), "aero"},
	{regexp.MustCompile(`/ela_(modified|original)\.jpg$`), "ela"},
}

func sceneOf(file string) string {
	for _, r := range sceneRules {
		if r.re.MatchString(file) {
			return r.scene
		}
	}
	return file
}

// derivedRE splits reference.csv's transform column of a Debian derived
// image: "resize50 [convert SRC ...] from /usr/share/...".
var derivedRE = regexp.MustCompile(`^(\S+) \[.*\] from (/\S+)$`)

// corpus is the hashed corpus split into positives, negatives and related
// pairs.
type corpus struct {
	images                        []*photo
	positives, negatives, related []pair
}

func loadCorpus(t *testing.T) *corpus {
	t.Helper()
	cases, err := fixtures.PDQReference()
	if err != nil {
		t.Fatal(err)
	}
	h, err := matcher.NewHasher(matcher.HasherConfig{Dihedral: true})
	if err != nil {
		t.Fatal(err)
	}
	c := &corpus{images: make([]*photo, len(cases))}
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, pc := range cases {
		g.Go(func() error {
			data, err := os.ReadFile(pc.Path())
			if err != nil {
				return err
			}
			hs := h.HashBytes(context.Background(), data)
			if hs.PhotoErr != nil {
				return fmt.Errorf("%s: %w", pc.File, hs.PhotoErr)
			}
			im := &photo{file: pc.File, sigs: map[matcher.SignalType]matcher.Signal{}, quality: hs.PDQQuality}
			for _, v := range hs.PDQDihedral {
				im.dihedral = append(im.dihedral, matcher.Signal{})
				if im.dihedral[len(im.dihedral)-1], err = matcher.NewSignal(matcher.PDQ, v[:]); err != nil {
					return err
				}
			}
			for _, st := range perceptual {
				s, ok := hs.Signal(st)
				if !ok {
					return fmt.Errorf("%s: no %s", pc.File, st)
				}
				im.sigs[st] = s
			}
			c.images[i] = im
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}

	byFile := map[string]*photo{}
	for _, im := range c.images {
		byFile[im.file] = im
	}
	must := func(file string) *photo {
		im := byFile[file]
		if im == nil {
			t.Fatalf("corpus: %s is not in reference.csv", file)
		}
		return im
	}
	transformed := map[string]bool{}
	addPositive := func(orig, copy *photo, kind string) {
		c.positives = append(c.positives, pair{a: orig, b: copy, kind: kind})
		transformed[copy.file] = true
	}
	const te = "threatexchange/pdq/data/"
	for i, pc := range cases {
		im := c.images[i]
		switch dir, base := path.Split(pc.File); {
		case pc.Transform != "none":
			m := derivedRE.FindStringSubmatch(pc.Transform)
			pkg, _, _ := strings.Cut(pc.From, "=")
			if m == nil || pkg == "" {
				t.Fatalf("corpus: cannot read the transform of %s: %q", pc.File, pc.Transform)
			}
			addPositive(must("debian/"+pkg+m[2]), im, m[1])
		case dir == te+"bridge-mods/" && base != "aaa-orig.jpg":
			addPositive(must(te+"bridge-mods/aaa-orig.jpg"), im, strings.TrimSuffix(base, ".jpg"))
		case dir == te+"misc-images/modes/" && base != "original.jpg":
			addPositive(must(te+"misc-images/modes/original.jpg"), im, "mode-"+strings.TrimSuffix(base, path.Ext(base)))
		case dir == te+"reg-test-input/dih/" && base != "bridge-1-original.jpg":
			kind := strings.TrimSuffix(base, ".jpg")
			addPositive(must(te+"reg-test-input/dih/bridge-1-original.jpg"), im, "dih-"+kind[strings.Index(kind, "-")+3:])
		case base == "letterboxed_sample-b.jpg":
			addPositive(must(path.Join(dir, "sample-b.jpg")), im, "letterbox")
		}
	}
	var originals []*photo
	for _, im := range c.images {
		if !transformed[im.file] {
			originals = append(originals, im)
		}
	}
	for i, a := range originals {
		for _, b := range originals[i+1:] {
			if sceneOf(a.file) == sceneOf(b.file) {
				c.related = append(c.related, pair{a: a, b: b})
			} else {
				c.negatives = append(c.negatives, pair{a: a, b: b})
			}
		}
	}
	return c
}

// sweep is, for one signal type and threshold, how many positives of each
// class and how many negatives fall within it.
type sweep struct {
	threshold int
	within    map[string]int // class -> positives within
	fp, fpQ   int            // negatives within; of them, both hashes of PDQ quality >= 50
}

func (c *corpus) sweep(st matcher.SignalType, threshold int) sweep {
	s := sweep{threshold: threshold, within: map[string]int{}}
	for _, p := range c.positives {
		if p.distance(st) <= threshold {
			s.within[classOf(p.kind)]++
		}
	}
	for _, p := range c.negatives {
		if p.distance(st) <= threshold {
			s.fp++
			if p.a.quality >= matcher.DefaultMinPDQQuality && p.b.quality >= matcher.DefaultMinPDQQuality {
				s.fpQ++
			}
		}
	}
	return s
}

func TestThresholds(t *testing.T) {
	c := loadCorpus(t)
	total := map[string]int{}
	for _, p := range c.positives {
		total[classOf(p.kind)]++
	}
	t.Logf("corpus: %d images; %d positive pairs (%s); %d negative pairs of originals of different scenes; %d related pairs (same scene) left out",
		len(c.images), len(c.positives), classCounts(total), len(c.negatives), len(c.related))

	// Per transform: the distance of each positive.
	t.Log("positives: distance of each transformed copy from its original")
	t.Logf("%-34s %-9s %5s %8s %5s %5s %5s  %s", "transform", "class", "pdq", "pdq-dih", "phash", "dhash", "ahash", "copy")
	pos := slices.Clone(c.positives)
	slices.SortStableFunc(pos, func(a, b pair) int {
		return strings.Compare(classOf(a.kind)+a.kind, classOf(b.kind)+b.kind)
	})
	for _, p := range pos {
		t.Logf("%-34s %-9s %5d %8d %5d %5d %5d  %s", p.kind, classOf(p.kind),
			p.distance(matcher.PDQ), p.dihedralPDQ(), p.distance(matcher.PHash), p.distance(matcher.DHash), p.distance(matcher.AHash), path.Base(p.b.file))
	}

	// Negatives: the closest pairs.
	for _, st := range perceptual {
		neg := slices.Clone(c.negatives)
		slices.SortFunc(neg, func(a, b pair) int { return a.distance(st) - b.distance(st) })
		var close []string
		for _, p := range neg[:5] {
			close = append(close, fmt.Sprintf("%d (%s ~ %s, quality %d/%d)", p.distance(st), path.Base(p.a.file), path.Base(p.b.file), p.a.quality, p.b.quality))
		}
		t.Logf("negatives, %s: 1%% quantile %d, 5%% quantile %d, median %d; closest: %s", st,
			neg[len(neg)/100].distance(st), neg[len(neg)/20].distance(st), neg[len(neg)/2].distance(st), strings.Join(close, "; "))
	}

	// Related pairs (same scene, another shot) are left out of the
	// negatives; how close they come says what a stricter corpus would count.
	for _, st := range perceptual {
		var rel []pair // without the bridge's files, copies of one photo
		for _, p := range c.related {
			if sceneOf(p.a.file) != "bridge" {
				rel = append(rel, p)
			}
		}
		slices.SortFunc(rel, func(a, b pair) int { return a.distance(st) - b.distance(st) })
		within := 0
		for _, p := range rel {
			if p.distance(st) <= recommended[st] {
				within++
			}
		}
		var close []string
		for _, p := range rel[:4] {
			close = append(close, fmt.Sprintf("%d (%s ~ %s)", p.distance(st), path.Base(p.a.file), path.Base(p.b.file)))
		}
		t.Logf("related (other shots of one scene), %s: %d of %d pairs within %d; closest: %s", st, within, len(rel), recommended[st], strings.Join(close, "; "))
	}

	// The sweep.
	largest := map[matcher.SignalType]int{}
	for _, st := range perceptual {
		t.Logf("%s: threshold sweep (recall per class; false positives over %d negative pairs, all and with both PDQ qualities >= 50)", st, len(c.negatives))
		t.Logf("%9s %8s %8s %8s %8s %8s %14s %6s %6s", "threshold", "encode", "resize", "filter", "geometry", "dihedral", "recall-nondih", "fp", "fp-q50")
		largest[st] = -1
		for th := 0; th <= st.Bits()/2; th++ {
			s := c.sweep(st, th)
			if s.fp == 0 {
				largest[st] = th
			}
			if st.Bits() > 64 && th%4 != 0 && th != 31 && th != recommended[st] {
				continue
			}
			nondih, nondihTotal := 0, 0
			row := fmt.Sprintf("%9d", th)
			for _, cl := range classes {
				row += fmt.Sprintf(" %8s", fmt.Sprintf("%d/%d", s.within[cl], total[cl]))
				if cl != classDihedral {
					nondih += s.within[cl]
					nondihTotal += total[cl]
				}
			}
			t.Logf("%s %13.1f%% %6d %6d", row, 100*float64(nondih)/float64(nondihTotal), s.fp, s.fpQ)
		}
	}
	for _, st := range perceptual {
		s := c.sweep(st, recommended[st])
		t.Logf("%s: largest threshold with no false positive: %d; default %d, recommended %d: %d false positives, encode %d/%d, resize %d/%d, filter %d/%d, geometry %d/%d",
			st, largest[st], st.DefaultThreshold(), recommended[st], s.fp,
			s.within[classEncode], total[classEncode], s.within[classResize], total[classResize],
			s.within[classFilter], total[classFilter], s.within[classGeometry], total[classGeometry])
	}

	// PDQ through the dihedral variants, as herken match looks it up.
	dihWithin, dihMax := 0, 0
	for _, p := range c.positives {
		if classOf(p.kind) == classDihedral {
			d := p.dihedralPDQ()
			dihMax = max(dihMax, d)
			if d <= recommended[matcher.PDQ] {
				dihWithin++
			}
		}
	}
	t.Logf("pdq with dihedral variants: %d/%d rotated or mirrored copies within %d (largest distance %d)",
		dihWithin, total[classDihedral], recommended[matcher.PDQ], dihMax)

	// What must hold: re-encoded and resized copies match at the
	// recommended thresholds (for PDQ, at the reference's 31), and no two
	// unrelated photos do.
	for _, p := range c.positives {
		if cl := classOf(p.kind); cl != classEncode && cl != classResize {
			continue
		}
		for _, st := range perceptual {
			if d := p.distance(st); d > recommended[st] {
				t.Errorf("%s (%s) is %d bits from its original by %s, over %d", p.b.file, p.kind, d, st, recommended[st])
			}
		}
	}
	if dihWithin != total[classDihedral] {
		t.Errorf("pdq with dihedral variants finds %d of %d rotated or mirrored copies", dihWithin, total[classDihedral])
	}
	for _, st := range perceptual {
		if fp := c.sweep(st, recommended[st]).fp; fp != 0 {
			t.Errorf("%s at the recommended threshold %d: %d false positives", st, recommended[st], fp)
		}
		if def := st.DefaultThreshold(); def != recommended[st] {
			if fp := c.sweep(st, def).fp; fp != 0 {
				t.Logf("NOTE: matcher's default %s threshold %d (provisional) gives %d false positives here; recommended: %d", st, def, fp, recommended[st])
			}
		}
	}
}

func classCounts(total map[string]int) string {
	var parts []string
	for _, cl := range classes {
		parts = append(parts, fmt.Sprintf("%s %d", cl, total[cl]))
	}
	return strings.Join(parts, ", ")
}
