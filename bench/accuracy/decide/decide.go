// Package decide applies herken's decision rule (matcher.Identify) to one
// query picture and one known picture at a time, without an index, so that
// the bench can count false pairs over 5·10^7 pairs and recall over
// thousands of copies under many candidate rules. A test checks it against
// matcher.Identify on real hashes: the two must agree on every pair.
//
// The rule, as matcher.Identify applies it to PDQ: a query hash (the whole
// picture, a dihedral variant, or a region found inside it, as found or
// mirrored) of quality below the gate is not looked up; the whole picture
// as given matches the item's own hash within the bank's threshold, a
// query variant within min(bank threshold, variant threshold), and a
// stored crop of the item within the crop threshold (and the variant
// threshold for a query variant); the item's own hash of quality below the
// gate identifies nothing; of the item's hashes within their thresholds
// the nearest is the evidence, its own hash first among equals.
//
// Everything here is a plain value; functions are safe for concurrent use.
package decide

import (
	"math/bits"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/pdq"
)

// Class is the kind of query hash.
type Class int

// The classes of query hashes.
const (
	Whole    Class = iota // the picture as given
	Dihedral              // a rotation or flip of the whole picture
	Region                // a region found inside the picture, as found or mirrored
	NumClasses
)

var classNames = [NumClasses]string{"whole", "dihedral", "region"}

func (c Class) String() string { return classNames[c] }

// Hash is a PDQ hash as four words.
type Hash [4]uint64

// FromPDQ converts a PDQ hash.
func FromPDQ(h pdq.Hash) Hash {
	var w Hash
	for i := range w {
		for _, c := range h[8*i : 8*i+8] {
			w[i] = w[i]<<8 | uint64(c)
		}
	}
	return w
}

// Distance is the Hamming distance.
func Distance(a, b *Hash) int {
	return bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) +
		bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
}

// QueryHash is one PDQ hash a query is looked up by.
type QueryHash struct {
	Hash    Hash
	Quality int // -1: unknown (not gated)
	Class   Class
	Name    string // "orig", "rot90", ... as matcher names the variant
	Region  string // the region's description, for Class Region
	// Meets is the class of stored crops and parts this hash is judged
	// against (matcher.QueryVariantClass).
	Meets string
}

// Query is every PDQ hash of one query picture, the whole one first.
type Query []QueryHash

// QueryOf returns the PDQ hashes matcher.Queries looks a picture up by:
// the whole picture, and the variants the hasher computed (dihedral ones,
// regions as found and mirrored). Nil when the picture has no PDQ hash.
func QueryOf(hs *matcher.Hashes) Query {
	for _, q := range matcher.Queries(hs, true) {
		if q.Signal.Type != matcher.PDQ || len(q.Video) > 0 {
			continue
		}
		out := Query{{Hash: FromPDQ(pdq.Hash(q.Signal.Bytes())), Quality: q.Quality, Class: Whole, Name: "orig",
			Meets: matcher.QueryVariantClass(matcher.QueryVariant{Name: "orig"})}}
		for _, v := range q.Variants {
			h := QueryHash{Hash: FromPDQ(pdq.Hash(v.Signal.Bytes())), Quality: v.Quality, Class: Dihedral, Name: v.Name,
				Meets: matcher.QueryVariantClass(v)}
			if v.Region != nil {
				h.Class, h.Region = Region, v.Region.Description
			}
			out = append(out, h)
		}
		return out
	}
	return nil
}

// Known is what a bank holds of one known picture: its PDQ hash with its
// quality and, in a media bank, its stored crops' hashes.
type Known struct {
	PDQ     Hash
	HasPDQ  bool
	Quality int // -1: unknown (not gated)
	Crops   []Hash
	// CropClasses holds each stored hash's class (matcher.ItemVariantClass),
	// by index into Crops: "crop", "part top", ...
	CropClasses []string
}

// KnownOf returns what the bank holds of a known item.
func KnownOf(it matcher.Item) Known {
	k := Known{Quality: -1}
	for _, s := range it.Signals {
		if s.Type == matcher.PDQ {
			k.PDQ, k.HasPDQ = FromPDQ(pdq.Hash(s.Bytes())), true
			break
		}
	}
	if it.PDQQuality != nil {
		k.Quality = *it.PDQQuality
	}
	for _, v := range it.Variants {
		if v.Signal.Type == matcher.PDQ {
			k.Crops = append(k.Crops, FromPDQ(pdq.Hash(v.Signal.Bytes())))
			k.CropClasses = append(k.CropClasses, matcher.ItemVariantClass(v.Name))
		}
	}
	return k
}

// Rule is a candidate decision rule for PDQ.
type Rule struct {
	Whole      int // the bank's threshold: the picture as given
	Variant    int // a query variant or a stored crop, also bounded by Whole
	MinQuality int // the quality gate of query and known hashes
	// Crop bounds a hit through a stored crop (also bounded by Whole, and
	// by Variant when the query hash is a variant too), as
	// matcher.Rule.ItemVariantPDQThreshold does; 0: Variant, one threshold
	// for both (herken's rule before they were measured apart).
	Crop int
}

// DefaultRule is herken's rule as configured today.
func DefaultRule() Rule {
	return Rule{Whole: matcher.PDQ.DefaultThreshold(), Variant: matcher.VariantPDQThreshold,
		Crop: matcher.ItemVariantPDQThreshold, MinQuality: matcher.DefaultMinPDQQuality}
}

func (r Rule) gated(q int) bool { return q >= 0 && r.MinQuality > 0 && q < r.MinQuality }

// Gated reports whether a PDQ hash of quality q is below r's quality gate
// (-1, unknown, is not).
func (r Rule) Gated(q int) bool { return r.gated(q) }

// Hit is how a query matched a known picture.
type Hit struct {
	Matched  bool
	Distance int
	Query    int   // index of the query hash that matched
	Crop     int   // index of the stored crop matched, -1 for the item's own hash
	Class    Class // the query hash's class
}

// Decide applies r to query q and known picture k as matcher.Identify
// does: Matched is set when any query hash matches; Hit names the closest
// matching one.
func Decide(q Query, k *Known, r Rule) Hit {
	best := Hit{Distance: 1 << 10, Crop: -1}
	// Identify skips a PDQ query whose whole picture is below the gate
	// with its dihedral variants (of the same quality), but looks its
	// regions up, each gated on its own quality.
	if len(q) == 0 || (!k.HasPDQ && len(k.Crops) == 0) {
		return best
	}
	wholeGated := r.gated(q[0].Quality)
	for i := range q {
		v := &q[i]
		if r.gated(v.Quality) || wholeGated && v.Class != Region {
			continue
		}
		// The index finds the item when any of its hashes is within the
		// bank's threshold; Identify then judges the item's hashes that
		// lie within their own thresholds (the own hash's, a stored
		// crop's, lower) and keeps the nearest of them.
		own := r.Whole
		if v.Class != Whole {
			own = min(own, r.Variant)
		}
		crops := min(r.Whole, r.Variant)
		if r.Crop > 0 {
			crops = min(r.Whole, r.Crop)
			if v.Class != Whole {
				crops = min(crops, r.Variant)
			}
		}
		d, crop := 1<<10, -1
		if k.HasPDQ && !r.gated(k.Quality) {
			if x := Distance(&v.Hash, &k.PDQ); x <= own {
				d = x
			}
		}
		for c := range k.Crops {
			if c < len(k.CropClasses) && !matcher.Meets(v.Meets, k.CropClasses[c]) {
				continue // a stored crop or part not made for this kind of query hash
			}
			if x := Distance(&v.Hash, &k.Crops[c]); x <= crops && x < d {
				d, crop = x, c
			}
		}
		if d > r.Whole {
			continue
		}
		if d < best.Distance {
			best = Hit{Matched: true, Distance: d, Query: i, Crop: crop, Class: v.Class}
		}
	}
	return best
}

// MinByClass returns, per query class, the smallest distance from a query
// hash of that class passing the gate to k's own PDQ hash (1024 when none;
// all 1024 when k's hash or the whole query's is below the gate). For a bank without crops,
// Decide matches exactly when MinByClass[Whole] <= r.Whole or a variant
// class is at most min(r.Whole, r.Variant): the sweep over rules uses it.
func MinByClass(q Query, k *Known, minQuality int) [NumClasses]int {
	out := [NumClasses]int{1 << 10, 1 << 10, 1 << 10}
	r := Rule{MinQuality: minQuality}
	if len(q) == 0 || !k.HasPDQ || r.gated(k.Quality) {
		return out
	}
	wholeGated := r.gated(q[0].Quality)
	for i := range q {
		v := &q[i]
		if r.gated(v.Quality) || wholeGated && v.Class != Region {
			continue
		}
		out[v.Class] = min(out[v.Class], Distance(&v.Hash, &k.PDQ))
	}
	return out
}
