// Package evaluation measures how well herken's signals find altered copies
// of known photos, on a corpus made by bench/corpus: recall per transform
// at each signal's default threshold, the false-positive rate over pairs of
// distinct originals, recall against false-positive rate for every
// threshold up to half the bits, the threshold that follows, the gain from
// matching PDQ through its eight dihedral variants, PDQ quality, and how
// far fast (DCT-scaled) decoding moves each hash from exact decoding.
//
// Every file is hashed once with herken's own matcher.Hasher, so the
// numbers are those of herken's decoder and hashers as built (the JPEG
// decoder depends on the turbojpeg build tag). Run hashes on Config.Workers
// goroutines; its Result is read-only afterwards.
package evaluation

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/atkm/herken/bench/corpus/builder"
	"github.com/atkm/herken/bench/corpus/transform"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/pdq"
)

// Signals are the signal types evaluated, taken from the registry so that
// a new type is evaluated without a word here: the perceptual ones first,
// then the digests.
var Signals = registryOrder()

func registryOrder() []matcher.SignalType {
	var perceptual, exact []matcher.SignalType
	for _, t := range matcher.SignalTypes() {
		if t.Exact() {
			exact = append(exact, t)
		} else {
			perceptual = append(perceptual, t)
		}
	}
	return append(perceptual, exact...)
}

// Config says what to evaluate.
type Config struct {
	Corpus  string // a folder made by bench/corpus
	Workers int    // runtime.GOMAXPROCS(0) when 0
}

// hashed is what herken computed for one file.
type hashed struct {
	sigs     map[matcher.SignalType]matcher.Signal
	quality  int
	dihedral *[pdq.NumDihedral]pdq.Hash
	reduced  bool // decoded at less than its size
}

// Result holds the counts every table and plot of the report is made from.
// Distances of a missing signal (the photo could not be decoded) and of
// unequal digests are recorded as Bits()+1, beyond every threshold.
type Result struct {
	Originals      []builder.Original
	Derived        []builder.Derived
	ManifestDigest string
	DerivedDigest  string
	Transforms     []string // present in the corpus, in transform.All() order
	Groups         map[string]string
	// Dist[t][transform] is the histogram of the distance between each
	// derived copy and its original.
	Dist map[matcher.SignalType]map[string][]int
	// Pairs[t] is the histogram of the distance between distinct originals
	// (each unordered pair once); Cross[t] between each derived copy and
	// every original it was not made from.
	Pairs, Cross map[matcher.SignalType][]int
	// DihedralDist[transform] is Dist for PDQ with the query's best variant;
	// DihedralPairs is Pairs likewise.
	DihedralDist  map[string][]int
	DihedralPairs []int
	// LowQuality[transform] is the histogram of PDQ distances of derived
	// copies whose PDQ quality is below matcher.DefaultMinPDQQuality.
	LowQuality map[string][]int
	// QualityOriginals and QualityDerived count PDQ qualities in tens
	// (index 10 is quality 100).
	QualityOriginals, QualityDerived [11]int
	// Closest lists the nearest pairs of distinct originals per signal.
	Closest  map[matcher.SignalType][]Pair
	Failed   int // files whose photo signals could not be computed
	HashTime time.Duration
	// Fast compares matcher.DecodeFast with the exact decoding above.
	Fast FastResult
}

// FastResult compares hashes from fast (DCT-scaled) JPEG decoding with
// the exact ones. Histograms are per signal type, as in Result.
type FastResult struct {
	Reduced int // files fast decoding decoded at a reduced scale
	// SameFile is the distance between the fast and the exact hash of each
	// reduced file.
	SameFile map[matcher.SignalType][]int
	// Dist and Cross are Result.Dist (over all transforms) and Result.Cross
	// with the derived copy hashed in fast mode and the originals exactly,
	// as a fast-mode service sees a bank of exactly hashed items.
	Dist, Cross map[matcher.SignalType][]int
	HashTime    time.Duration
}

// Pair is two originals and their distance.
type Pair struct {
	A, B     builder.Original
	Distance int
}

// Run hashes the corpus and counts.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	r := &Result{}
	var err error
	if r.Originals, err = builder.ReadManifest(cfg.Corpus); err != nil {
		return nil, err
	}
	if r.Derived, err = builder.ReadDerived(cfg.Corpus); err != nil {
		return nil, err
	}
	if r.ManifestDigest, r.DerivedDigest, err = builder.Digest(cfg.Corpus); err != nil {
		return nil, err
	}
	if len(r.Originals) < 2 {
		return nil, errors.New("evaluation: the corpus needs at least two originals")
	}
	files := make([]string, 0, len(r.Originals)+len(r.Derived))
	for _, o := range r.Originals {
		files = append(files, o.File)
	}
	for _, d := range r.Derived {
		files = append(files, d.File)
	}
	h, err := matcher.NewHasher(matcher.HasherConfig{Signals: Signals, Dihedral: true, Decode: matcher.DecodeExact})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	hs, err := hashAll(ctx, h, cfg, files)
	if err != nil {
		return nil, err
	}
	r.HashTime = time.Since(start)
	hf, err := matcher.NewHasher(matcher.HasherConfig{Signals: Signals, Dihedral: true, Decode: matcher.DecodeFast})
	if err != nil {
		return nil, err
	}
	start = time.Now()
	fast, err := hashAll(ctx, hf, cfg, files)
	if err != nil {
		return nil, err
	}
	r.Fast.HashTime = time.Since(start)
	orig := hs[:len(r.Originals)]
	der := hs[len(r.Originals):]
	r.count(orig, der)
	r.countFast(hs, fast, orig, fast[len(r.Originals):])
	return r, nil
}

// countFast fills r.Fast from the exact hashes of every file and the fast
// ones, in the same order.
func (r *Result) countFast(exact, fast, orig, fastDer []hashed) {
	f := &r.Fast
	f.SameFile, f.Dist, f.Cross = map[matcher.SignalType][]int{}, map[matcher.SignalType][]int{}, map[matcher.SignalType][]int{}
	for _, t := range Signals {
		f.SameFile[t], f.Dist[t], f.Cross[t] = hist(t), hist(t), hist(t)
	}
	for i := range exact {
		if !fast[i].reduced {
			continue
		}
		f.Reduced++
		for _, t := range Signals {
			f.SameFile[t][distance(t, fast[i], exact[i])]++
		}
	}
	idx := map[string]int{}
	for i, o := range r.Originals {
		idx[o.ID()] = i
	}
	for i, d := range r.Derived {
		q, ok := idx[d.Original]
		if !ok {
			continue
		}
		for _, t := range Signals {
			f.Dist[t][distance(t, fastDer[i], orig[q])]++
			for j := range orig {
				if j != q && r.Originals[j].ID() != d.Also {
					f.Cross[t][distance(t, fastDer[i], orig[j])]++
				}
			}
		}
	}
}

func hashAll(ctx context.Context, h *matcher.Hasher, cfg Config, files []string) ([]hashed, error) {
	out := make([]hashed, len(files))
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range cfg.Workers {
		wg.Go(func() {
			for i := range next {
				b, err := os.ReadFile(filepath.Join(cfg.Corpus, files[i]))
				if err != nil {
					errs[i] = fmt.Errorf("evaluation: %w", err)
					continue
				}
				hs := h.HashBytes(context.Background(), b)
				out[i] = hashed{sigs: map[matcher.SignalType]matcher.Signal{}, quality: hs.PDQQuality, dihedral: hs.PDQDihedral,
					reduced: hs.Scaled()}
				for _, s := range hs.Signals {
					out[i].sigs[s.Type] = s
				}
			}
		})
	}
	for i := 0; i < len(files) && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, errors.Join(append(errs, ctx.Err())...)
}

// distance is the Hamming distance of a and b's signals of type t, or
// t.Bits()+1 when either is missing or, for a digest, when they differ.
func distance(t matcher.SignalType, a, b hashed) int {
	sa, ok1 := a.sigs[t]
	sb, ok2 := b.sigs[t]
	if !ok1 || !ok2 {
		return t.Bits() + 1
	}
	d, _ := sa.Distance(sb)
	if t.Exact() && d != 0 {
		return t.Bits() + 1
	}
	return d
}

// dihedralDistance is the smallest PDQ distance between any of q's eight
// variants and o's hash, as herken matches a query through rotations and
// flips.
func dihedralDistance(q, o hashed) int {
	s, ok := o.sigs[matcher.PDQ]
	if !ok || q.dihedral == nil {
		return matcher.PDQ.Bits() + 1
	}
	var oh pdq.Hash
	copy(oh[:], s.Bytes())
	best := matcher.PDQ.Bits() + 1
	for _, v := range q.dihedral {
		best = min(best, v.Distance(oh))
	}
	return best
}

func hist(t matcher.SignalType) []int { return make([]int, t.Bits()+2) }

func (r *Result) count(orig, der []hashed) {
	idx := map[string]int{}
	for i, o := range r.Originals {
		idx[o.ID()] = i
	}
	present := map[string]bool{}
	for _, d := range r.Derived {
		present[d.Transform] = true
	}
	r.Groups = map[string]string{}
	for _, t := range transform.All() {
		if present[t.Name] {
			r.Transforms = append(r.Transforms, t.Name)
			r.Groups[t.Name] = t.Group
			delete(present, t.Name)
		}
	}
	for name := range present { // transforms this build does not know
		r.Transforms = append(r.Transforms, name)
	}
	r.Dist, r.Pairs, r.Cross = map[matcher.SignalType]map[string][]int{}, map[matcher.SignalType][]int{}, map[matcher.SignalType][]int{}
	r.Closest = map[matcher.SignalType][]Pair{}
	r.DihedralDist, r.LowQuality = map[string][]int{}, map[string][]int{}
	for _, name := range r.Transforms {
		r.DihedralDist[name], r.LowQuality[name] = hist(matcher.PDQ), hist(matcher.PDQ)
	}
	for _, t := range Signals {
		r.Dist[t] = map[string][]int{}
		for _, name := range r.Transforms {
			r.Dist[t][name] = hist(t)
		}
		r.Pairs[t], r.Cross[t] = hist(t), hist(t)
	}
	r.DihedralPairs = hist(matcher.PDQ)
	for i, d := range r.Derived {
		q, ok := idx[d.Original]
		if !ok {
			r.Failed++
			continue
		}
		if _, ok := der[i].sigs[matcher.PDQ]; !ok {
			r.Failed++
		} else {
			r.QualityDerived[der[i].quality/10]++
		}
		for _, t := range Signals {
			r.Dist[t][d.Transform][distance(t, der[i], orig[q])]++
			for j := range orig {
				// A post of two pictures is a copy of both: matching
				// the second is no false positive.
				if j != q && r.Originals[j].ID() != d.Also {
					r.Cross[t][distance(t, der[i], orig[j])]++
				}
			}
		}
		dd := distance(matcher.PDQ, der[i], orig[q])
		if _, ok := der[i].sigs[matcher.PDQ]; ok && der[i].quality < matcher.DefaultMinPDQQuality {
			r.LowQuality[d.Transform][dd]++
		}
		r.DihedralDist[d.Transform][dihedralDistance(der[i], orig[q])]++
	}
	for i := range orig {
		if _, ok := orig[i].sigs[matcher.PDQ]; ok {
			r.QualityOriginals[orig[i].quality/10]++
		} else {
			r.Failed++
		}
		for j := i + 1; j < len(orig); j++ {
			for _, t := range Signals {
				d := distance(t, orig[i], orig[j])
				r.Pairs[t][d]++
				if !t.Exact() {
					r.Closest[t] = append(r.Closest[t], Pair{A: r.Originals[i], B: r.Originals[j], Distance: d})
				}
			}
			r.DihedralPairs[dihedralDistance(orig[i], orig[j])]++
		}
	}
	for t, ps := range r.Closest {
		slices.SortStableFunc(ps, func(a, b Pair) int { return a.Distance - b.Distance })
		r.Closest[t] = ps[:min(len(ps), 5)]
	}
}
