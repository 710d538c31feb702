// Package falsepairs counts the false pairs of herken's signals on a
// negative corpus: pictures none of which is a copy of another (built by
// bench/negative). Each picture is hashed twice, as a bank would hold it
// (one PDQ hash and the 64-bit hashes) and as a query would look it up
// (every query variant: today the eight dihedral ones, later the regions
// found inside a post). For every unordered pair {i, j} the distance per
// signal is the smallest over the query variants of i against the bank
// hashes of j and of j's against i's: a pair is false at a threshold when
// either direction would have matched.
//
// From those distances Run keeps per-signal histograms (the per-pair rate
// at every threshold follows), the same for PDQ with the query's quality
// gate, and the list of pairs close enough to be examined under a
// decision rule. Run hashes and compares on Config.Workers goroutines; its
// Result is read-only afterwards.
package falsepairs

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"slices"
	"sync"

	"github.com/atkm/herken/bench/accuracy/decide"
	"github.com/atkm/herken/ingest/parallel"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/pdq"
)

// Signals are the perceptual signals counted, PDQ first.
var Signals = []matcher.SignalType{matcher.PDQ, matcher.PHash, matcher.DHash, matcher.AHash}

// Variant is one way a query is looked up: a hash of the query picture or
// of a region or transform of it.
type Variant struct {
	Name    string // e.g. "orig", "rot90", "region 12,40 600x400"
	Class   decide.Class
	PDQ     pdq.Hash
	HasPDQ  bool
	Quality int // PDQ quality of this variant
	// Meets is the class of a media bank's stored crops and parts this
	// variant is judged against (matcher.QueryVariantClass).
	Meets string
	// Signals are the 64-bit hashes of this variant, if any.
	Signals []matcher.Signal
}

// Entry is what a bank holds of a known picture.
type Entry struct {
	PDQ     pdq.Hash
	HasPDQ  bool
	Quality int
	Signals []matcher.Signal // the 64-bit hashes
	// Crops are the PDQ hashes of the picture's crops and parts, when the
	// bank is a media bank (matcher.HasherConfig.ItemVariants), with
	// their classes (matcher.ItemVariantClass).
	Crops       []pdq.Hash
	CropClasses []string
}

// QueryFunc returns every query variant of a picture's file.
type QueryFunc func(ctx context.Context, data []byte) ([]Variant, error)

// BankFunc returns the bank entry of a picture's file.
type BankFunc func(ctx context.Context, data []byte) (Entry, error)

// BankHasher hashes a file as a bank holds it, with h (which should
// compute PDQ and the 64-bit hashes).
func BankHasher(h *matcher.Hasher) BankFunc {
	return func(ctx context.Context, data []byte) (Entry, error) {
		hs := h.HashBytes(ctx, data)
		if hs.PhotoErr != nil {
			return Entry{}, hs.PhotoErr
		}
		var e Entry
		for _, v := range hs.ItemVariants {
			if v.Signal.Type == matcher.PDQ {
				e.Crops = append(e.Crops, pdq.Hash(v.Signal.Bytes()))
				e.CropClasses = append(e.CropClasses, matcher.ItemVariantClass(v.Name))
			}
		}
		for _, s := range hs.Signals {
			switch {
			case s.Type == matcher.PDQ:
				copy(e.PDQ[:], s.Bytes())
				e.HasPDQ, e.Quality = true, hs.PDQQuality
			case slices.Contains(Signals, s.Type):
				e.Signals = append(e.Signals, s)
			}
		}
		return e, nil
	}
}

// DihedralQuery returns the query variants herken looks up today: the
// picture's eight PDQ dihedral variants, the first ("orig") carrying the
// 64-bit hashes too (herken does not look them up rotated). h must have
// HasherConfig.Dihedral set.
func DihedralQuery(h *matcher.Hasher) QueryFunc {
	return func(ctx context.Context, data []byte) ([]Variant, error) {
		hs := h.HashBytes(ctx, data)
		if hs.PhotoErr != nil {
			return nil, hs.PhotoErr
		}
		if hs.PDQDihedral == nil {
			return nil, errors.New("falsepairs: the query hasher computes no dihedral variants")
		}
		out := make([]Variant, pdq.NumDihedral)
		for d, v := range hs.PDQDihedral {
			out[d] = Variant{Name: matcher.VariantNames[d], Class: decide.Dihedral, PDQ: v, HasPDQ: true, Quality: hs.PDQQuality}
		}
		out[0].Class = decide.Whole
		for _, s := range hs.Signals {
			if s.Type != matcher.PDQ && slices.Contains(Signals, s.Type) {
				out[0].Signals = append(out[0].Signals, s)
			}
		}
		return out, nil
	}
}

// FullQuery returns every PDQ hash herken's query path looks a picture up
// by (decide.QueryOf: the whole picture, its dihedral variants, the
// regions found inside it as found and mirrored), the whole one carrying
// the 64-bit hashes. h should be configured as a match's hasher
// (HasherConfig.Dihedral and Regions).
func FullQuery(h *matcher.Hasher) QueryFunc {
	return func(ctx context.Context, data []byte) ([]Variant, error) {
		hs := h.HashBytes(ctx, data)
		if hs.PhotoErr != nil {
			return nil, hs.PhotoErr
		}
		q := decide.QueryOf(hs)
		if q == nil {
			return nil, errors.New("falsepairs: the query hasher computes no pdq hash")
		}
		out := make([]Variant, len(q))
		for i, v := range q {
			name := v.Name
			if v.Class == decide.Region {
				name = v.Region + " " + v.Name
			}
			out[i] = Variant{Name: name, Class: v.Class, PDQ: toPDQ(v.Hash), HasPDQ: true, Quality: v.Quality, Meets: v.Meets}
		}
		for _, s := range hs.Signals {
			if s.Type != matcher.PDQ && slices.Contains(Signals, s.Type) {
				out[0].Signals = append(out[0].Signals, s)
			}
		}
		return out, nil
	}
}

func toPDQ(h decide.Hash) pdq.Hash {
	var out pdq.Hash
	for i, w := range h {
		for b := range 8 {
			out[8*i+b] = byte(w >> (56 - 8*b))
		}
	}
	return out
}

// Picture is one picture of the negative corpus.
type Picture struct {
	Name string // how a report names it
	File string // its path on this machine
	// Source names the picture it was cut from: tiles of one source are
	// distinct pictures, but the report counts their pairs apart.
	Source string
}

// Config says what to count.
type Config struct {
	Pictures []Picture
	Bank     BankFunc
	Query    QueryFunc
	// MinQuality is the query's PDQ quality gate (default
	// matcher.DefaultMinPDQQuality).
	MinQuality int
	// ListPDQ lists every pair whose PDQ distance (ungated) is at most it
	// (default 31; -1 lists none).
	ListPDQ int
	Workers int // runtime.GOMAXPROCS(0) when 0
}

// hashed is one picture's hashes, flattened for the comparisons.
type hashed struct {
	bankPDQ  [4]uint64
	bankHas  bool
	bankQ    int
	bank64   [3]uint64 // by index in Signals[1:]
	bankHas6 [3]bool
	vars     []qvariant
	crops    []decide.Hash
	classes  []string // of crops
}

type qvariant struct {
	name   string
	meets  string
	class  decide.Class
	pdq    [4]uint64
	hasPDQ bool
	q      int
	h64    [3]uint64
	has64  [3]bool
}

// Pair is one pair of pictures with its distances.
type Pair struct {
	A, B int // indexes into Config.Pictures, A < B
	// Dist is the pair's distance per signal (index as Signals), the
	// smaller direction; Gated is PDQ's over query variants of quality at
	// least MinQuality (NoMatch when there is none), and GatedBoth the same
	// against bank hashes of quality at least MinQuality too.
	Dist             [4]int
	Gated, GatedBoth int
	// Class is the pair's PDQ distance per class of query hash
	// (decide.Class) under the rule's gates: the query's whole picture and
	// the query hash of quality at least MinQuality, and the bank hash too
	// (Identify skips the rest). GatedBoth is their minimum.
	Class [decide.NumClasses]int
	// VariantAB names A's variant nearest to B's bank PDQ hash, VariantBA
	// B's nearest to A's.
	DistAB, DistBA       int
	VariantAB, VariantBA string
	QualityA, QualityB   int
}

// NoMatch is the distance recorded when a signal is missing on either side.
const NoMatch = 1 << 10

// Result holds the counts.
type Result struct {
	Pictures []Picture
	Pairs    int64 // unordered pairs counted
	Failed   []string
	// Hist[k][d] counts the pairs whose distance by Signals[k] is d (d up
	// to the signal's bits; missing signals are left out of every count).
	Hist [4][]int64
	// Gated is Hist[0] with the query's quality gate; GatedBoth with the
	// gate on the bank's hash too.
	Gated, GatedBoth []int64
	// Quality[q/10] counts pictures by their bank PDQ quality.
	Quality    [11]int
	Variants   int // query variants in all
	MinQuality int
	ListPDQ    int
	Listed     []Pair
	hs         []hashed // kept for the media bank's pairs (MediaPairs)
}

// Run hashes every picture and counts its pairs.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.MinQuality == 0 {
		cfg.MinQuality = matcher.DefaultMinPDQQuality
	}
	if cfg.ListPDQ == 0 {
		cfg.ListPDQ = 31
	}
	if cfg.Bank == nil || cfg.Query == nil {
		return nil, errors.New("falsepairs: Config.Bank and Config.Query are required")
	}
	n := len(cfg.Pictures)
	hs := make([]hashed, n)
	errs := make([]error, n)
	parallel.For(ctx, cfg.Workers, n, func(i int) { hs[i], errs[i] = hashOne(ctx, cfg, cfg.Pictures[i].File) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &Result{Pictures: cfg.Pictures, MinQuality: cfg.MinQuality, ListPDQ: cfg.ListPDQ, hs: hs}
	for i, err := range errs {
		if err != nil {
			r.Failed = append(r.Failed, fmt.Sprintf("%s: %v", cfg.Pictures[i].Name, err))
		}
	}
	if len(r.Failed) > 0 {
		// A picture left out would lower every rate silently.
		return nil, fmt.Errorf("falsepairs: %d pictures could not be hashed, first: %s", len(r.Failed), r.Failed[0])
	}
	for _, h := range hs {
		r.Quality[min(h.bankQ/10, 10)]++
		r.Variants += len(h.vars)
	}
	for k, t := range Signals {
		r.Hist[k] = make([]int64, t.Bits()+1)
	}
	r.Gated = make([]int64, matcher.PDQ.Bits()+1)
	r.GatedBoth = make([]int64, matcher.PDQ.Bits()+1)
	// Rows are handed out in an order that balances the triangle: row i
	// compares with n-1-i pictures.
	type part struct {
		hist   [4][]int64
		gated  []int64
		both   []int64
		listed []Pair
		pairs  int64
	}
	parts := make([]part, cfg.Workers)
	var wg sync.WaitGroup
	rows := make(chan int)
	for w := range cfg.Workers {
		p := &parts[w]
		for k := range Signals {
			p.hist[k] = make([]int64, len(r.Hist[k]))
		}
		p.gated = make([]int64, len(r.Gated))
		p.both = make([]int64, len(r.Gated))
		wg.Go(func() {
			for i := range rows {
				for j := i + 1; j < n; j++ {
					pr, iab, iba := compare(&hs[i], &hs[j], cfg.MinQuality)
					p.pairs++
					for k := range Signals {
						if pr.Dist[k] < NoMatch {
							p.hist[k][pr.Dist[k]]++
						}
					}
					if pr.Gated < NoMatch {
						p.gated[pr.Gated]++
					}
					if pr.GatedBoth < NoMatch {
						p.both[pr.GatedBoth]++
					}
					if pr.Dist[0] <= cfg.ListPDQ {
						pr.A, pr.B = i, j
						pr.name(&hs[i], &hs[j], iab, iba)
						p.listed = append(p.listed, pr)
					}
				}
			}
		})
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		rows <- i
	}
	close(rows)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, p := range parts {
		r.Pairs += p.pairs
		for k := range Signals {
			for d, c := range p.hist[k] {
				r.Hist[k][d] += c
			}
		}
		for d, c := range p.gated {
			r.Gated[d] += c
		}
		for d, c := range p.both {
			r.GatedBoth[d] += c
		}
		r.Listed = append(r.Listed, p.listed...)
	}
	slices.SortFunc(r.Listed, func(a, b Pair) int {
		if a.Dist[0] != b.Dist[0] {
			return a.Dist[0] - b.Dist[0]
		}
		if a.A != b.A {
			return a.A - b.A
		}
		return a.B - b.B
	})
	return r, nil
}

func hashOne(ctx context.Context, cfg Config, file string) (hashed, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return hashed{}, fmt.Errorf("falsepairs: %w", err)
	}
	e, err := cfg.Bank(ctx, data)
	if err != nil {
		return hashed{}, fmt.Errorf("bank side: %w", err)
	}
	vs, err := cfg.Query(ctx, data)
	if err != nil {
		return hashed{}, fmt.Errorf("query side: %w", err)
	}
	h := hashed{bankPDQ: words(e.PDQ), bankHas: e.HasPDQ, bankQ: e.Quality}
	for _, c := range e.Crops {
		h.crops = append(h.crops, decide.FromPDQ(c))
	}
	h.classes = e.CropClasses
	for _, s := range e.Signals {
		k := small(s.Type)
		h.bank64[k], h.bankHas6[k] = word(s.Bytes()), true
	}
	for _, v := range vs {
		q := qvariant{name: v.Name, meets: v.Meets, class: v.Class, pdq: words(v.PDQ), hasPDQ: v.HasPDQ, q: v.Quality}
		for _, s := range v.Signals {
			k := small(s.Type)
			q.h64[k], q.has64[k] = word(s.Bytes()), true
		}
		h.vars = append(h.vars, q)
	}
	return h, nil
}

// small is a 64-bit signal's index in hashed.bank64.
func small(t matcher.SignalType) int { return slices.Index(Signals, t) - 1 }

func words(h pdq.Hash) [4]uint64 {
	var w [4]uint64
	for i := range w {
		w[i] = word(h[8*i : 8*i+8])
	}
	return w
}

func word(b []byte) uint64 {
	var v uint64
	for _, c := range b[:8] {
		v = v<<8 | uint64(c)
	}
	return v
}

func dist4(a, b *[4]uint64) int {
	return bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) +
		bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
}

// direction is the distance of a's query variants to b's bank entry, per
// signal, with the nearest PDQ variant, the PDQ distance over variants
// passing the query's gate, and per class under the rule's gates (the
// variant's quality, the bank hash's, and for the whole picture and its
// dihedral variants the whole query's).
func direction(a, b *hashed, minQ int) (d [4]int, gated int, class [decide.NumClasses]int, bestIdx int) {
	d = [4]int{NoMatch, NoMatch, NoMatch, NoMatch}
	class = [decide.NumClasses]int{NoMatch, NoMatch, NoMatch}
	gated, bestIdx = NoMatch, -1
	// The rule gates the bank hash, each query variant, and the whole
	// query's dihedral variants with it (regions keep their own quality).
	ruled := len(a.vars) > 0 && b.bankQ >= minQ
	wholeOK := len(a.vars) > 0 && a.vars[0].q >= minQ
	for vi := range a.vars {
		v := &a.vars[vi]
		if v.hasPDQ && b.bankHas {
			x := dist4(&v.pdq, &b.bankPDQ)
			if x < d[0] {
				d[0], bestIdx = x, vi
			}
			if v.q >= minQ {
				gated = min(gated, x)
				if ruled && (wholeOK || v.class == decide.Region) {
					class[v.class] = min(class[v.class], x)
				}
			}
		}
		for k := range 3 {
			if v.has64[k] && b.bankHas6[k] {
				d[k+1] = min(d[k+1], bits.OnesCount64(v.h64[k]^b.bank64[k]))
			}
		}
	}
	return d, gated, class, bestIdx
}

// compare measures one unordered pair in both directions. Variant names
// are filled in by name, for the few pairs that are listed.
func compare(a, b *hashed, minQ int) (p Pair, iab, iba int) {
	dab, gab, cab, iab := direction(a, b, minQ)
	dba, gba, cba, iba := direction(b, a, minQ)
	p = Pair{Gated: min(gab, gba), GatedBoth: NoMatch, DistAB: dab[0], DistBA: dba[0], QualityA: a.bankQ, QualityB: b.bankQ}
	for k := range p.Dist {
		p.Dist[k] = min(dab[k], dba[k])
	}
	for c := range p.Class {
		p.Class[c] = min(cab[c], cba[c])
		p.GatedBoth = min(p.GatedBoth, p.Class[c])
	}
	return p, iab, iba
}

// name fills in the names of the nearest variants of a listed pair.
func (p *Pair) name(a, b *hashed, iab, iba int) {
	if iab >= 0 {
		p.VariantAB = a.vars[iab].name
	}
	if iba >= 0 {
		p.VariantBA = b.vars[iba].name
	}
}
