package recall

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/atkm/herken/bench/accuracy/decide"
)

// Family is a group of transforms reported together, with the issue's
// target share of copies found.
type Family struct {
	Group  string
	Target float64 // 0: report only
	Media  bool    // the target is for the media bank
}

// Families are the transform groups with a target in issue 14: re-posts
// (PDQ-only bank, 90%), crops (media bank, 80%), watermarks (90%),
// re-encodes and resizes (95%, item 3: a media bank's); the others are
// reported.
var Families = []Family{
	{"repost-frame", 0.9, false}, {"repost-letterbox", 0.9, false}, {"repost-blur-pad", 0.9, false},
	{"repost-caption", 0.9, false}, {"repost-chat", 0.9, false}, {"repost-mirror-frame", 0.9, false},
	{"repost-two", 0.9, false},
	{"media-crop", 0.8, true}, {"crop", 0.8, true}, {"media-watermark", 0.9, true}, {"overlay", 0.9, true},
	{"media-rotation", 0, true}, {"small-rotation", 0, true},
	{"jpeg", 0.95, true}, {"resize", 0.95, true},
}

// ByGroup sums counts per transform group.
func (r *Result) ByGroup(c map[string]*Counts) map[string]*Counts {
	out := map[string]*Counts{}
	for t, x := range c {
		g := r.Groups[t]
		if out[g] == nil {
			out[g] = &Counts{}
		}
		y := out[g]
		y.Copies += x.Copies
		y.Found += x.Found
		y.False += x.False
		y.WholeGated += x.WholeGated
		y.Identifiable += x.Identifiable
		y.FoundIdentifiable += x.FoundIdentifiable
		y.ThroughCrop += x.ThroughCrop
		for k := range y.ByClass {
			y.ByClass[k] += x.ByClass[k]
		}
	}
	return out
}

// RepostRecall is the share of re-post copies (groups "repost-*") found
// with the PDQ-only bank under rule, and the smallest share of a family.
func (r *Result) RepostRecall(rule decide.Rule) (all, worst float64) {
	g := r.ByGroup(r.Count(rule, false, false))
	found, n := 0, 0
	worst = 1
	for name, x := range g {
		if !strings.HasPrefix(name, "repost-") || x.Copies == 0 {
			continue
		}
		found += x.Found
		n += x.Copies
		worst = min(worst, float64(x.Found)/float64(x.Copies))
	}
	if n == 0 {
		return 0, 0
	}
	return float64(found) / float64(n), worst
}

func pct(found, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%% (%d/%d)", 100*float64(found)/float64(n), found, n)
}

// WriteMarkdown writes recall per transform and per family under rule for
// the PDQ-only bank and, when hashed, the media bank, with the false
// matches among the corpus's own originals.
func (r *Result) WriteMarkdown(w io.Writer, rule decide.Rule) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	pdqOnly := r.Count(rule, false, true)
	var media map[string]*Counts
	if r.Media != nil {
		media = r.Count(rule, true, true)
	}
	copies := 0
	for _, c := range r.Copies {
		copies += len(c.Targets)
	}
	p("%d originals, %d derived copies (%d known pictures shown); ", len(r.Originals), len(r.Copies), copies)
	crop := rule.Crop
	if crop == 0 {
		crop = rule.Variant
	}
	p("rule: the whole picture within %d, a query variant (dihedral, region) within %d, a stored crop within %d, PDQ quality ≥ %d on both sides.", rule.Whole, min(rule.Whole, rule.Variant), min(rule.Whole, crop), rule.MinQuality)
	if r.Media != nil {
		p(" The media bank stores %d crops (%.0f per original).", r.Crops, float64(r.Crops)/float64(max(1, len(r.Originals))))
	}
	gated := 0
	for i := range r.PDQOnly {
		if rule.Gated(r.PDQOnly[i].Quality) {
			gated++
		}
	}
	p(" %d of the originals have a PDQ quality below the gate: no bank identifies them (nor any copy of them) under the rule, so the last column counts only the copies of the %d identifiable ones.", gated, len(r.Originals)-gated)
	p("\n\n| family | target | PDQ-only bank | media bank | meets | PDQ-only bank, identifiable originals |\n|---|---:|---:|---:|---|---:|\n")
	gp := r.ByGroup(pdqOnly)
	var gm map[string]*Counts
	if media != nil {
		gm = r.ByGroup(media)
	}
	for _, f := range Families {
		x := gp[f.Group]
		if x == nil {
			continue
		}
		m := "–"
		var y *Counts
		if gm != nil {
			y = gm[f.Group]
			m = pct(y.Found, y.Copies)
		}
		meets := ""
		if f.Target > 0 {
			c := x
			if f.Media && y != nil {
				c = y
			}
			meets = "yes"
			if float64(c.Found) < f.Target*float64(c.Copies) {
				meets = "**no**"
			}
		}
		target := "report"
		if f.Target > 0 {
			bank := "PDQ-only"
			if f.Media {
				bank = "media"
			}
			target = fmt.Sprintf("%.0f%% (%s)", 100*f.Target, bank)
		}
		p("| %s | %s | %s | %s | %s | %s |\n", f.Group, target, pct(x.Found, x.Copies), m, meets, pct(x.FoundIdentifiable, x.Identifiable))
	}
	p("\nPer transform (found through: w = the whole picture, d = a dihedral variant, r = a region; c = through a stored crop; false = copies that matched an original they do not show; alike = copies that matched only a look-alike of the original they show, another colour variant or the other eye of a stereo pair (their PDQ hashes within %d bits under a rotation or flip), not counted as false; gated = known pictures shown in copies whose whole picture has a PDQ quality below the gate, of which Identify looks up only the regions):\n\n", AlikePDQ)
	p("| transform | group | PDQ-only bank | w/d/r | false | alike | gated | media bank | w/d/r, c | false | alike |\n|---|---|---:|---|---:|---:|---:|---:|---|---:|---:|\n")
	ts := slices.Clone(r.Transforms)
	for _, t := range ts {
		x := pdqOnly[t]
		p("| %s | %s | %s | %d/%d/%d | %d | %d | %d | ", t, r.Groups[t], pct(x.Found, x.Copies), x.ByClass[0], x.ByClass[1], x.ByClass[2], x.False, x.Alike, x.WholeGated)
		if media != nil {
			y := media[t]
			p("%s | %d/%d/%d, %d | %d | %d |\n", pct(y.Found, y.Copies), y.ByClass[0], y.ByClass[1], y.ByClass[2], y.ThroughCrop, y.False, y.Alike)
		} else {
			p("– | – | – | – |\n")
		}
	}
	var pairs []string
	for i, as := range r.Alike {
		for _, j := range as {
			if i < j {
				pairs = append(pairs, fmt.Sprintf("`%s` and `%s`", r.Originals[i].Path, r.Originals[j].Path))
			}
		}
	}
	if len(pairs) > 0 {
		p("\nLook-alike originals (one design; a copy of one matching the other is counted under alike): %s.\n", strings.Join(pairs, "; "))
	}
}

// GroupRecall is the share of the copies of the given transform groups
// found under rule, with the media bank when media is set.
func (r *Result) GroupRecall(rule decide.Rule, media bool, groups ...string) float64 {
	g := r.ByGroup(r.Count(rule, media, false))
	found, n := 0, 0
	for _, name := range groups {
		if x := g[name]; x != nil {
			found += x.Found
			n += x.Copies
		}
	}
	if n == 0 {
		return 0
	}
	return float64(found) / float64(n)
}

// AllRecall is the share of every copy found with the PDQ-only bank.
func (r *Result) AllRecall(rule decide.Rule) float64 {
	found, n := 0, 0
	for _, x := range r.Count(rule, false, false) {
		found += x.Found
		n += x.Copies
	}
	if n == 0 {
		return 0
	}
	return float64(found) / float64(n)
}
