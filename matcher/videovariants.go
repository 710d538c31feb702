package matcher

import (
	"fmt"
	"strings"

	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/pdq"
	"github.com/atkm/herken/matcher/video"
)

// Readings of a video. A re-post changes every frame alike — mirrored,
// letterboxed, cropped, a ticker over its bottom — so each reading of the
// query's frames is tallied against each known video on its own, as vPDQ
// tallies the frames as given, and the query matches when one reading
// does. The query's readings travel as its Query.Variants: the variant's
// Name says whether it is mirrored, its Region what part of the frame was
// hashed (Kind bandKind: the frame without its top and bottom bands;
// movingKind: the part of it that moves). A known
// video's readings are item variants named "frame N at T s: crop (...)",
// so that a hit on one counts for the known frame N.

// bandKind is the Region.Kind of a frame read without its top and bottom
// bands.
const bandKind = "band"

// movingKind is the Region.Kind of the part of a frame where the video
// moves (video.ViewMoving).
const movingKind = "moving"

// videoVariantBudget is the most item variants a known video stores: the
// limit on one video item's variants. A longer video stores the views of
// every k-th unique frame.
const videoVariantBudget = known.MaxVideoVariants

// videoOptions are the hasher's video options with the views its config
// asks for: a query's when it finds regions, a known item's when it
// stores variants.
func (h *Hasher) videoOptions() video.Options {
	o := h.cfg.Video
	if h.cfg.Regions {
		o.Views |= video.QueryViews
	}
	if h.cfg.ItemVariants {
		o.Views |= video.KnownViews
	}
	return o
}

// VideoQueryVariants returns the readings of a query video's frames
// besides as given, each distinct hash of quality >= 50 once: mirrored,
// the picture inside the frame and the part of it that moves (each as
// found and mirrored), and the frame without its top and bottom bands.
// Empty unless the frames were hashed with video.QueryViews.
func VideoQueryVariants(frames []video.Frame) []QueryVariant {
	var out []QueryVariant
	kinds := []video.ViewKind{video.ViewMirrored, video.ViewRegion, video.ViewRegionMirrored,
		video.ViewMoving, video.ViewMovingMirrored, video.ViewBand}
	for _, kind := range kinds {
		for _, v := range video.UniqueViews(frames, kind, 0, video.MatchOptions{}) {
			qv := QueryVariant{Name: "orig", Signal: mustSignal(PDQ, v.Hash[:]), Quality: v.Quality}
			if kind == video.ViewMirrored || kind == video.ViewRegionMirrored || kind == video.ViewMovingMirrored {
				qv.Name = MirroredVariant
			}
			r := Region{X: v.Rect.Min.X, Y: v.Rect.Min.Y, Width: v.Rect.Dx(), Height: v.Rect.Dy()}
			switch kind {
			case video.ViewRegion, video.ViewRegionMirrored:
				r.Kind, r.Description = string(v.Region.Kind), v.Region.Explain()
				qv.Region = &r
			case video.ViewMoving, video.ViewMovingMirrored:
				r.Kind = movingKind
				r.Description = fmt.Sprintf("the part of the frames where the video moves, at %d,%d %d×%d (still or blurred bars around it)",
					r.X, r.Y, r.Width, r.Height)
				qv.Region = &r
			case video.ViewBand:
				r.Kind = bandKind
				r.Description = fmt.Sprintf("each frame without its top and bottom %.0f%% (where logos and news tickers are)", 100*video.BandCut)
				qv.Region = &r
			}
			out = append(out, qv)
		}
	}
	return out
}

// VideoItemVariants returns the item variants of a known video: the band
// and crop views of its unique frames of quality >= 50 (video.KnownViews),
// named for the frame. Within the budget of one item's variants, a video
// with too many unique frames for every view keeps the band and the core
// crops (video.CoreCrops) of each, and a longer one those of every k-th
// frame.
func VideoItemVariants(frames []video.Frame) []ItemVariant {
	type unique struct {
		n int
		f *video.Frame
	}
	var us []unique
	seen := map[pdq.Hash]bool{}
	for i := range frames {
		f := &frames[i]
		if f.Quality < video.DefaultQuality || seen[f.Hash] {
			continue
		}
		seen[f.Hash] = true // numbered as VideoSignals lists them
		if hasKnownViews(f) {
			us = append(us, unique{len(seen), f})
		}
	}
	if len(us) == 0 {
		return nil
	}
	crops, step := len(video.Crops), 1
	if len(us)*(1+crops) > videoVariantBudget {
		crops = video.CoreCrops
		step = (len(us)*(1+crops) + videoVariantBudget - 1) / videoVariantBudget
	}
	var out []ItemVariant
	for k := 0; k < len(us); k += step {
		u := us[k]
		for _, v := range u.f.Views {
			keep := v.Kind == video.ViewBand || (v.Kind == video.ViewCrop && v.Crop < crops)
			if !keep || v.Quality < video.DefaultQuality {
				continue
			}
			name := fmt.Sprintf("frame %d at %.1f s: %s", u.n, u.f.Timestamp, knownViewName(v))
			out = append(out, ItemVariant{Name: name, Signal: mustSignal(PDQ, v.Hash[:])})
		}
	}
	return out
}

func hasKnownViews(f *video.Frame) bool {
	for _, v := range f.Views {
		if v.Kind == video.ViewBand || v.Kind == video.ViewCrop {
			return true
		}
	}
	return false
}

func knownViewName(v video.View) string {
	if v.Kind == video.ViewBand {
		return fmt.Sprintf("%s (top and bottom %.0f%% cut)", bandKind, 100*video.BandCut)
	}
	return video.Crops[v.Crop].String()
}

// knownVideo is what matching needs of a known video's hashes: its frames
// and, for each of its variants, the frame it was read from.
type knownVideo struct {
	frames []Signal
	// variants maps a variant's signal to its frame (an index into
	// frames, -1 when the name does not say) and its reading.
	variants map[Signal]knownView
}

type knownView struct {
	frame int
	name  string // e.g. "crop (5.0% off every side)"
	band  bool
}

func newKnownVideo(it *Item) *knownVideo {
	kv := &knownVideo{variants: map[Signal]knownView{}}
	for _, s := range it.Signals {
		if s.Type == PDQ {
			kv.frames = append(kv.frames, s)
		}
	}
	for _, v := range it.Variants {
		if v.Signal.Type != PDQ {
			continue
		}
		view := knownView{frame: -1, name: v.Name}
		var n int
		if _, err := fmt.Sscanf(v.Name, "frame %d", &n); err == nil && n >= 1 && n <= len(kv.frames) {
			view.frame = n - 1
		}
		if i := strings.Index(v.Name, ": "); i >= 0 {
			view.name = v.Name[i+2:]
		}
		view.band = strings.HasPrefix(view.name, bandKind)
		kv.variants[v.Signal] = view
	}
	return kv
}

// closest returns the known frame nearest to q: through the frames and
// their crops, or, for a band reading, through their band variants only
// (like with like). target is the frame's own hash, for the tally; via
// names the variant it was found through ("" for the frame itself).
func (kv *knownVideo) closest(q Signal, band bool) (target pdq.Hash, dist int, via string) {
	dist = q.Type.Bits() + 1
	if !band {
		for _, s := range kv.frames {
			if d, err := s.Distance(q); err == nil && d < dist {
				target, dist, via = pdq.Hash(s.Bytes()), d, ""
			}
		}
	}
	for s, v := range kv.variants {
		if v.band != band {
			continue
		}
		if d, err := s.Distance(q); err == nil && d < dist {
			// A variant whose frame is unknown counts as a frame of its own.
			target, dist, via = pdq.Hash(s.Bytes()), d, v.name
			if v.frame >= 0 {
				target = pdq.Hash(kv.frames[v.frame].Bytes())
			}
		}
	}
	return target, dist, via
}

// videoReading is one reading of a query video: its frames as given,
// mirrored, the picture inside them, the part of them that moves, or
// without their top and bottom bands.
type videoReading struct {
	name   string // the dihedral variant: "orig" or MirroredVariant
	class  string // "", "region" or bandKind
	frames []QueryVariant
}

// videoReadings groups a video query's frames by reading, the frames as
// given first.
func videoReadings(q Query) []*videoReading {
	given := &videoReading{name: "orig"}
	for _, s := range q.Video {
		given.frames = append(given.frames, QueryVariant{Name: "orig", Signal: s, Quality: -1})
	}
	out := []*videoReading{given}
	byKey := map[[2]string]*videoReading{}
	for _, v := range q.Variants {
		class := ""
		if v.Region != nil {
			class = "region"
			if v.Region.Kind == bandKind || v.Region.Kind == movingKind {
				class = v.Region.Kind
			}
		}
		key := [2]string{v.Name, class}
		r := byKey[key]
		if r == nil {
			r = &videoReading{name: v.Name, class: class}
			byKey[key] = r
			out = append(out, r)
		}
		r.frames = append(r.frames, v)
	}
	return out
}

// describe says how a reading compared the frames, for the evidence;
// known names the stored variant most hits went through.
func (r *videoReading) describe(region *Region, known string) string {
	var s string
	switch r.class {
	case "region", movingKind:
		s = region.Description
	case bandKind:
		s = fmt.Sprintf("the frames without their top and bottom %.0f%%, on both sides (where logos and news tickers are)", 100*video.BandCut)
	}
	if r.name == MirroredVariant {
		if s == "" {
			s = "the query's frames"
		}
		s += ", mirrored left to right"
	}
	if known != "" && r.class != bandKind {
		if s != "" {
			s += "; "
		}
		s += "against a stored " + known + " of the known video's frames"
	}
	return s
}

// readingHits is what one reading found of one known video.
type readingHits struct {
	dist   int
	region *Region
	via    map[string]int // hits by the known variant they went through
}

// mostVia is the known variant most hits went through, "" when most were
// the frames themselves.
func (h *readingHits) mostVia() string {
	best, n := "", 0
	for name, c := range h.via {
		if c > n || (c == n && name < best) {
			best, n = name, c
		}
	}
	return best
}
