package video

import (
	"fmt"
	"image"
	"strings"

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
	// frame) as found and mirrored, the part of it where the video moves
	// (see activity) as found and mirrored, and the frame without its
	// top and bottom bands.
	QueryViews Views = 1 << iota
	// KnownViews are a known video's readings, stored with its item: each
	// frame cropped (Crops) and without its top
	// and bottom bands, so that a cropped copy and a copy with a ticker or
	// a logo compare like with like.
	KnownViews
)

// BandCut is the share of a frame's height cut off its bottom and off its
// top by the band view, on both sides of a comparison: news tickers and
// lower-third captions run at the bottom (typically 8-15% of the height),
// channel logos and watermarks in a top or bottom corner, and PDQ of the
// rest is then the same with and without them.
const BandCut = 0.2

// Crop is a crop of a known frame stored as one of its views: the shares
// of the width cut off the left and right and of the height off the top
// and bottom.
type Crop struct{ Left, Top, Right, Bottom float64 }

// Crops are the crops of a known frame stored as its views. PDQ finds a
// copy cropped by about 1% a side on its own, hardly one cropped by 2.5%
// (bench/REPORT-video.md); a copy cropped by 5% of its width and height is
// cut either evenly (the first crop) or at a corner (the four corner
// crops), one cut by 5% on every side is the second, and one cut by 5% on
// one side the last four. The first CoreCrops are the ones a known video
// too long to store them all for every frame keeps (see
// matcher.VideoItemVariants).
var Crops = []Crop{
	{0.025, 0.025, 0.025, 0.025},
	{0.05, 0.05, 0.05, 0.05},
	{0, 0, 0.05, 0.05},
	{0.05, 0, 0, 0.05},
	{0, 0.05, 0.05, 0},
	{0.05, 0.05, 0, 0},
	{0, 0.05, 0, 0},
	{0, 0, 0, 0.05},
	{0.05, 0, 0, 0},
	{0, 0, 0.05, 0},
}

// CoreCrops is how many of Crops, from the first, a long known video keeps.
const CoreCrops = 2

// String says which crop, for the evidence.
func (c Crop) String() string {
	if c.Left == c.Top && c.Top == c.Right && c.Right == c.Bottom {
		return fmt.Sprintf("crop (%.1f%% off every side)", 100*c.Left)
	}
	var cut []string
	for _, side := range []struct {
		f    float64
		name string
	}{{c.Left, "left"}, {c.Top, "top"}, {c.Right, "right"}, {c.Bottom, "bottom"}} {
		if side.f > 0 {
			cut = append(cut, fmt.Sprintf("%.1f%% off the %s", 100*side.f, side.name))
		}
	}
	return "crop (" + strings.Join(cut, ", ") + ")"
}

// rect is the crop of a w×h frame.
func (c Crop) rect(w, h int) image.Rectangle {
	px := func(f float64, n int) int { return int(f*float64(n) + 0.5) }
	return image.Rect(px(c.Left, w), px(c.Top, h), w-px(c.Right, w), h-px(c.Bottom, h))
}

// ViewKind says which reading of a frame a View is.
type ViewKind uint8

// The kinds of View.
const (
	ViewMirrored       ViewKind = iota + 1 // the frame mirrored left to right
	ViewRegion                             // the picture found inside the frame
	ViewRegionMirrored                     // that picture mirrored
	ViewBand                               // the frame without its top and bottom BandCut
	ViewCrop                               // the frame cropped by Crops[View.Crop]
	ViewMoving                             // the part of the frame where the video moves (see activity)
	ViewMovingMirrored                     // that part mirrored
)

var viewNames = map[ViewKind]string{ViewMirrored: "mirrored", ViewRegion: "region",
	ViewRegionMirrored: "region mirrored", ViewBand: "band", ViewCrop: "crop",
	ViewMoving: "moving", ViewMovingMirrored: "moving mirrored"}

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
	// Crop indexes Crops (ViewCrop).
	Crop int
}

// viewer hashes the views of frames of one size; not safe for concurrent
// use.
type viewer struct {
	views  Views
	pdq    *pdq.Hasher // with dihedral variants: the mirror costs a sign flip
	moving activity
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
		if m, ok := v.moving.add(pix, w, h); ok {
			mr := v.hash(region.Crop(pix, w, h, 3, m), m.Dx(), m.Dy())
			out = append(out,
				View{Kind: ViewMoving, Hash: mr.Hash, Quality: mr.Quality, Rect: m},
				View{Kind: ViewMovingMirrored, Hash: mr.Dihedral[pdq.FlipY], Quality: mr.Quality, Rect: m})
		}
	}
	// The band view's rows are contiguous in the frame: hashed in place.
	if b := bandRect(w, h); b.Dy() >= pdq.MinSide {
		bh := v.hash(pix[b.Min.Y*w*3:b.Max.Y*w*3], w, b.Dy())
		out = append(out, View{Kind: ViewBand, Hash: bh.Hash, Quality: bh.Quality, Rect: b})
	}
	if v.views&KnownViews != 0 {
		for i, c := range Crops {
			r := c.rect(w, h)
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

// bandRect is the frame without its top and bottom bands.
func bandRect(w, h int) image.Rectangle {
	cut := int(float64(h)*BandCut + 0.5)
	return image.Rect(0, cut, w, h-cut)
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
