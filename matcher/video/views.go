package video

import (
	"image"

	"github.com/atkm/herken/matcher/pdq"
	"github.com/atkm/herken/matcher/region"
)

// Views choose the other readings of each sampled frame that are hashed
// besides the frame as given (Options.Views). They find the copies of a
// known video that re-posts make and that vPDQ alone misses: a mirrored,
// letterboxed, pillarboxed or padded copy changes every frame's hash by
// far more than its threshold, and so do a crop of a few percent and a
// news ticker over the bottom of the picture.
type Views uint8

const (
	// QueryViews are a query's readings: each frame mirrored, the picture
	// found inside it (region.Find: bars, a blurred or stretched fill, a
	// frame) as found and mirrored, and the frame without its bottom band.
	QueryViews Views = 1 << iota
	// KnownViews are a known video's readings, stored with its item: each
	// frame cropped (CropFractions off every side) and without its bottom
	// band, so that a cropped copy and a copy with a ticker compare like
	// with like.
	KnownViews
)

// BandCut is the share of a frame's height cut off its bottom by the band
// view, on both sides of a comparison: news tickers and lower-third
// captions run there (typically 8-15% of the height), and PDQ of the rest
// is then the same with and without them.
const BandCut = 0.2

// CropFractions are the crops of a known frame stored as its views, as
// shares of each side cut off every side. PDQ finds a copy cropped by
// about 1% a side on its own, hardly one cropped by 2.5%; with these a
// copy cropped by up to about 6% a side compares within a step of one.
var CropFractions = []float64{0.025, 0.05}

// ViewKind says which reading of a frame a View is.
type ViewKind uint8

// The kinds of View.
const (
	ViewMirrored       ViewKind = iota + 1 // the frame mirrored left to right
	ViewRegion                             // the picture found inside the frame
	ViewRegionMirrored                     // that picture mirrored
	ViewBand                               // the frame without its bottom BandCut
	ViewCrop                               // the frame cropped by CropFractions[View.Crop] a side
)

var viewNames = map[ViewKind]string{ViewMirrored: "mirrored", ViewRegion: "region",
	ViewRegionMirrored: "region mirrored", ViewBand: "band", ViewCrop: "crop"}

func (k ViewKind) String() string { return viewNames[k] }

// View is one more reading of a sampled frame, with its PDQ hash.
type View struct {
	Kind    ViewKind
	Hash    pdq.Hash
	Quality int
	// Rect is the part of the frame hashed, in its pixels (before
	// mirroring).
	Rect image.Rectangle
	// Region is the picture found in the frame (ViewRegion and
	// ViewRegionMirrored).
	Region *region.Region
	// Crop indexes CropFractions (ViewCrop).
	Crop int
}

// viewer hashes the views of frames of one size; not safe for concurrent
// use.
type viewer struct {
	views Views
	pdq   *pdq.Hasher // with dihedral variants: the mirror costs a sign flip
}

func newViewer(views Views) *viewer {
	return &viewer{views: views, pdq: pdq.NewHasher(pdq.Options{FullResolution: true, Dihedral: true})}
}

// frameHash hashes a whole frame: with its dihedral variants when the
// query views want the mirror.
func (v *viewer) frameHash(plain *pdq.Hasher, pix []byte, w, h int) pdq.Result {
	hs := plain
	if v.views&QueryViews != 0 {
		hs = v.pdq
	}
	res, _ := hs.Hash(pix, w, h, 3) // the buffer has the shape Hash wants
	return res
}

// of returns the views of a frame whose own hash is res.
func (v *viewer) of(pix []byte, w, h int, res pdq.Result) []View {
	if v.views == 0 {
		return nil
	}
	var out []View
	if v.views&QueryViews != 0 {
		out = append(out, View{Kind: ViewMirrored, Hash: res.Dihedral[pdq.FlipY], Quality: res.Quality, Rect: image.Rect(0, 0, w, h)})
		if r, ok := framedPicture(pix, w, h); ok {
			rr := v.hash(region.Crop(pix, w, h, 3, r.Rect), r.Rect.Dx(), r.Rect.Dy())
			out = append(out,
				View{Kind: ViewRegion, Hash: rr.Hash, Quality: rr.Quality, Rect: r.Rect, Region: &r},
				View{Kind: ViewRegionMirrored, Hash: rr.Dihedral[pdq.FlipY], Quality: rr.Quality, Rect: r.Rect, Region: &r})
		}
	}
	// The band view's rows are a prefix of the frame: hashed in place.
	if hb := bandHeight(h); hb >= pdq.MinSide {
		b := v.hash(pix[:w*hb*3], w, hb)
		out = append(out, View{Kind: ViewBand, Hash: b.Hash, Quality: b.Quality, Rect: image.Rect(0, 0, w, hb)})
	}
	if v.views&KnownViews != 0 {
		for i, f := range CropFractions {
			r := cropRect(w, h, f)
			c := v.hash(region.Crop(pix, w, h, 3, r), r.Dx(), r.Dy())
			out = append(out, View{Kind: ViewCrop, Hash: c.Hash, Quality: c.Quality, Rect: r, Crop: i})
		}
	}
	return out
}

func (v *viewer) hash(pix []byte, w, h int) pdq.Result {
	res, err := v.pdq.Hash(pix, w, h, 3)
	if err != nil || res.Dihedral == nil {
		return pdq.Result{Dihedral: new([pdq.NumDihedral]pdq.Hash)}
	}
	return res
}

// bandHeight is the height of a frame of height h without its bottom band.
func bandHeight(h int) int { return h - int(float64(h)*BandCut+0.5) }

// cropRect is the frame cut by f of each side.
func cropRect(w, h int, f float64) image.Rectangle {
	dx, dy := int(float64(w)*f+0.5), int(float64(h)*f+0.5)
	return image.Rect(dx, dy, w-dx, h-dy)
}

// framedPicture returns the picture region.Find sees inside a frame, when
// it is in bars, a fill or a frame: one of two pictures shown side by side
// is not a reading of a video's frame.
func framedPicture(pix []byte, w, h int) (region.Region, bool) {
	for _, r := range region.Find(pix, w, h, 3) {
		if r.Kind != region.KindSplit {
			return r, true
		}
	}
	return region.Region{}, false
}

// UniqueViews returns the distinct hashes of kind among the frames' views
// of quality at least opts.Quality, in frame order, with the view each
// came from first; for ViewCrop, of crop index crop only.
func UniqueViews(frames []Frame, kind ViewKind, crop int, opts MatchOptions) []View {
	opts = opts.withDefaults()
	seen := map[pdq.Hash]bool{}
	var out []View
	for _, f := range frames {
		for _, v := range f.Views {
			if v.Kind != kind || (kind == ViewCrop && v.Crop != crop) || v.Quality < opts.Quality || seen[v.Hash] {
				continue
			}
			seen[v.Hash] = true
			out = append(out, v)
		}
	}
	return out
}
