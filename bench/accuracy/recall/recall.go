// Package recall measures which copies of known photos herken identifies
// under a decision rule (issue 14, items 2 and 3), on the evaluation
// corpus of bench/corpus: each derived copy is hashed through the full
// query path of a match (the whole picture, its dihedral variants, the
// regions found inside it, as found and mirrored) and decided against the
// known pictures it shows with package decide, for two banks:
//
//   - a PDQ-only bank: each original's PDQ hash and quality, all that a
//     partner shares;
//   - a media bank: each original as a known item with its stored crops
//     (matcher.HasherConfig.ItemVariants).
//
// A post showing two originals counts once per original. The copies that
// match an original they do not show are counted too (false matches).
// Run hashes on Config.Workers goroutines; a Result is read-only after.
package recall

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/atkm/herken/bench/accuracy/decide"
	"github.com/atkm/herken/bench/corpus/builder"
	"github.com/atkm/herken/bench/corpus/transform"
	"github.com/atkm/herken/ingest/parallel"
	"github.com/atkm/herken/matcher"
)

// Config says what to measure.
type Config struct {
	Corpus  string // a folder made by bench/corpus
	Workers int    // runtime.GOMAXPROCS(0) when 0
	// NoMedia leaves the media bank out (its crops take a while to hash).
	NoMedia bool
	// Groups, when not empty, keeps only the copies of these transform
	// groups (repost-frame, crop, ...): a quicker loop while tuning.
	Groups []string
}

// Copy is one derived copy with its query hashes.
type Copy struct {
	Transform string
	File      string
	Targets   []int // indexes of the originals it shows
	Query     decide.Query
}

// Result holds the hashes; the counts are computed per rule.
type Result struct {
	Originals  []builder.Original
	Transforms []string // in corpus order
	Groups     map[string]string
	Copies     []Copy
	PDQOnly    []decide.Known // by original
	Media      []decide.Known // by original; nil without the media bank
	Crops      int            // crops stored in the media bank in all
	// Alike lists, per original, the other originals of the same design
	// (colour variants of one wallpaper, stereo pairs: their PDQ hashes
	// within AlikePDQ bits under a dihedral variant). A copy matching a
	// look-alike of the original it shows is counted apart from the false
	// matches.
	Alike [][]int
}

// AlikePDQ is the PDQ distance within which two originals count as one
// design, as the negative corpus groups its pictures.
const AlikePDQ = 40

// Run hashes the corpus.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	origs, err := builder.ReadManifest(cfg.Corpus)
	if err != nil {
		return nil, err
	}
	ders, err := builder.ReadDerived(cfg.Corpus)
	if err != nil {
		return nil, err
	}
	pdqOnly := []matcher.SignalType{matcher.PDQ}
	qh, err := matcher.NewHasher(matcher.HasherConfig{Signals: pdqOnly, NoVideo: true, Dihedral: true, Regions: true})
	if err != nil {
		return nil, err
	}
	kh, err := matcher.NewHasher(matcher.HasherConfig{Signals: pdqOnly, NoVideo: true, ItemVariants: !cfg.NoMedia, Dihedral: true})
	if err != nil {
		return nil, err
	}
	r := &Result{Originals: origs, Groups: map[string]string{}, PDQOnly: make([]decide.Known, len(origs))}
	if !cfg.NoMedia {
		r.Media = make([]decide.Known, len(origs))
	}
	byID := map[string]int{}
	for i, o := range origs {
		byID[o.ID()] = i
	}
	errs := make([]error, len(origs))
	dihedral := make([][]decide.Hash, len(origs)) // each original's eight
	parallel.For(ctx, cfg.Workers, len(origs), func(i int) {
		data, err := os.ReadFile(filepath.Join(cfg.Corpus, origs[i].File))
		if err != nil {
			errs[i] = err
			return
		}
		hs := kh.HashBytes(ctx, data)
		if hs.PhotoErr != nil {
			errs[i] = fmt.Errorf("recall: %s: %w", origs[i].File, hs.PhotoErr)
			return
		}
		if hs.PDQDihedral != nil {
			for _, h := range hs.PDQDihedral {
				dihedral[i] = append(dihedral[i], decide.FromPDQ(h))
			}
		}
		it, _, err := hs.KnownItem()
		if err != nil {
			errs[i] = err
			return
		}
		k := decide.KnownOf(it)
		if r.Media != nil {
			r.Media[i] = k
		}
		k.Crops = nil
		r.PDQOnly[i] = k
	})
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return nil, err
	}
	for _, k := range r.Media {
		r.Crops += len(k.Crops)
	}
	r.Alike = make([][]int, len(origs))
	for i := range r.PDQOnly {
		for j := i + 1; j < len(r.PDQOnly); j++ {
			if b := &r.PDQOnly[j]; b.HasPDQ && alike(dihedral[i], &b.PDQ) {
				r.Alike[i] = append(r.Alike[i], j)
				r.Alike[j] = append(r.Alike[j], i)
			}
		}
	}
	seen := map[string]bool{}
	for _, t := range transform.All() {
		r.Groups[t.Name] = t.Group
	}
	for _, d := range ders {
		if len(cfg.Groups) > 0 && !slices.Contains(cfg.Groups, r.Groups[d.Transform]) {
			continue
		}
		if !seen[d.Transform] {
			seen[d.Transform] = true
			r.Transforms = append(r.Transforms, d.Transform)
		}
		c := Copy{Transform: d.Transform, File: d.File}
		for _, id := range []string{d.Original, d.Also} {
			if i, ok := byID[id]; ok {
				c.Targets = append(c.Targets, i)
			} else if id != "" {
				return nil, fmt.Errorf("recall: %s shows original %s, not in the manifest", d.File, id)
			}
		}
		r.Copies = append(r.Copies, c)
	}
	errs = make([]error, len(r.Copies))
	parallel.For(ctx, cfg.Workers, len(r.Copies), func(i int) {
		data, err := os.ReadFile(filepath.Join(cfg.Corpus, r.Copies[i].File))
		if err != nil {
			errs[i] = err
			return
		}
		hs := qh.HashBytes(ctx, data)
		if hs.PhotoErr != nil {
			errs[i] = fmt.Errorf("recall: %s: %w", r.Copies[i].File, hs.PhotoErr)
			return
		}
		r.Copies[i].Query = decide.QueryOf(hs)
	})
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return nil, err
	}
	return r, nil
}

// Counts are a rule's results per transform.
type Counts struct {
	Copies int // known pictures shown, summed over the copies
	Found  int // of them, matched under the rule
	// ByClass counts the found ones by the query hash that matched;
	// ThroughCrop those found through a stored crop.
	ByClass     [decide.NumClasses]int
	ThroughCrop int
	// False counts the copies that matched an original they do not show
	// (nor a look-alike of one they show: those are Alike).
	False int
	Alike int
	// WholeGated counts the known pictures shown in copies whose whole
	// picture's PDQ quality is below the gate: Identify then looks up
	// only the regions found inside it, each of its own quality.
	WholeGated int
	// Identifiable counts the known pictures shown whose original the
	// PDQ-only bank can identify at all (its PDQ quality passes the gate;
	// a low-information original, a gradient or a dark wallpaper, is
	// gated by the rule however it is re-posted), and FoundIdentifiable
	// those of them found.
	Identifiable, FoundIdentifiable int
}

// Count decides every copy against the originals it shows under rule,
// with the media bank when media is set (it must have been hashed), and
// against every other original when cross is set.
func (r *Result) Count(rule decide.Rule, media, cross bool) map[string]*Counts {
	bank := r.PDQOnly
	if media {
		bank = r.Media
	}
	out := map[string]*Counts{}
	for _, t := range r.Transforms {
		out[t] = &Counts{}
	}
	var mu sync.Mutex
	parallel.For(context.Background(), runtime.GOMAXPROCS(0), len(r.Copies), func(i int) {
		c := &r.Copies[i]
		var local Counts
		for _, t := range c.Targets {
			local.Copies++
			if len(c.Query) > 0 && c.Query[0].Quality >= 0 && c.Query[0].Quality < rule.MinQuality {
				local.WholeGated++
			}
			identifiable := !rule.Gated(r.PDQOnly[t].Quality)
			if identifiable {
				local.Identifiable++
			}
			if h := decide.Decide(c.Query, &bank[t], rule); h.Matched {
				local.Found++
				if identifiable {
					local.FoundIdentifiable++
				}
				local.ByClass[h.Class]++
				if h.Crop >= 0 {
					local.ThroughCrop++
				}
			}
		}
		if cross {
			falseMatch, alikeMatch := false, false
			for o := range bank {
				if contains(c.Targets, o) || !decide.Decide(c.Query, &bank[o], rule).Matched {
					continue
				}
				if r.alikeOfTarget(c, o) {
					alikeMatch = true
				} else {
					falseMatch = true
				}
			}
			if falseMatch {
				local.False++
			} else if alikeMatch {
				local.Alike++
			}
		}
		mu.Lock()
		x := out[c.Transform]
		x.Copies += local.Copies
		x.Found += local.Found
		x.ThroughCrop += local.ThroughCrop
		x.False += local.False
		x.Alike += local.Alike
		x.WholeGated += local.WholeGated
		x.Identifiable += local.Identifiable
		x.FoundIdentifiable += local.FoundIdentifiable
		for k := range x.ByClass {
			x.ByClass[k] += local.ByClass[k]
		}
		mu.Unlock()
	})
	return out
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// alikeOfTarget reports whether original o is a look-alike of one the copy
// shows.
func (r *Result) alikeOfTarget(c *Copy, o int) bool {
	for _, t := range c.Targets {
		if t < len(r.Alike) && contains(r.Alike[t], o) {
			return true
		}
	}
	return false
}

// alike reports whether an original's PDQ hash, under any of its eight
// dihedral variants, is within AlikePDQ of another's.
func alike(dihedral []decide.Hash, b *decide.Hash) bool {
	for i := range dihedral {
		if decide.Distance(&dihedral[i], b) <= AlikePDQ {
			return true
		}
	}
	return false
}
