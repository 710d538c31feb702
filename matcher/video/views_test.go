package video

import (
	"context"
	"image"
	"path/filepath"
	"testing"
)

// viewFrames returns the views of kind as frames, so that Match compares
// them; for ViewCrop, those of crop index crop.
func viewFrames(frames []Frame, kind ViewKind, crop int) []Frame {
	var out []Frame
	for _, f := range frames {
		for _, v := range f.Views {
			if v.Kind == kind && (kind != ViewCrop || v.Crop == crop) {
				out = append(out, Frame{Number: f.Number, Quality: v.Quality, Hash: v.Hash, Timestamp: f.Timestamp})
			}
		}
	}
	return out
}

func hashViews(t *testing.T, name string, views Views) []Frame {
	t.Helper()
	frames, err := HashFile(context.Background(), filepath.Join(videos(t), name), Options{Views: views})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return frames
}

// TestViewsFindReposts: each re-post vPDQ misses as given is found through
// the view made for it, and the views of an unrelated video match nothing.
func TestViewsFindReposts(t *testing.T) {
	known := hashViews(t, "base.mp4", KnownViews)
	for _, f := range known {
		if len(f.Views) != 1+len(Crops) {
			t.Fatalf("a known frame has %d views, want the band and %d crops", len(f.Views), len(Crops))
		}
	}
	cases := []struct {
		copy       string
		view       ViewKind
		knownFrame []Frame
	}{
		{"mirrored.mp4", ViewMirrored, known},
		{"pillarblur.mp4", ViewMoving, known},
		{"ticker.mp4", ViewBand, viewFrames(known, ViewBand, 0)},
		{"crop5.mp4", 0, viewFrames(known, ViewCrop, 1)},
	}
	for _, c := range cases {
		q := hashViews(t, c.copy, QueryViews)
		if r := Match(q, known, MatchOptions{}); r.Matched {
			t.Errorf("%s matches as given (%.0f%%): the test's re-post is too mild", c.copy, r.QueryMatchPercent)
		}
		reading := q
		if c.view != 0 {
			reading = viewFrames(q, c.view, 0)
		}
		if r := Match(reading, c.knownFrame, MatchOptions{}); !r.Matched {
			t.Errorf("%s through its %v view: %.0f%% of %d frames", c.copy, c.view, r.QueryMatchPercent, r.QueryFrames)
		}
	}
	// The moving part of the pillarboxed copy is the picture: x 54..374.
	q := hashViews(t, "pillarblur.mp4", QueryViews)
	last := viewFrames(q, ViewMoving, 0)
	if len(last) == 0 {
		t.Fatal("no moving view of the pillarboxed copy")
	}
	for _, v := range q[len(q)-1].Views {
		if v.Kind == ViewMoving && !near(v.Rect, image.Rect(54, 0, 374, 240), 6) {
			t.Errorf("moving part %v, want about (54,0)-(374,240)", v.Rect)
		}
	}

	other := hashViews(t, "other.mp4", QueryViews)
	for _, kind := range []ViewKind{ViewMirrored, ViewRegion, ViewRegionMirrored, ViewMoving, ViewMovingMirrored, ViewBand} {
		for _, k := range [][]Frame{known, viewFrames(known, ViewBand, 0), viewFrames(known, ViewCrop, 0), viewFrames(known, ViewCrop, 1)} {
			if r := Match(viewFrames(other, kind, 0), k, MatchOptions{}); r.QueryMatched > 0 {
				t.Errorf("an unrelated video's %v view matches %d frames", kind, r.QueryMatched)
			}
		}
	}
}

func near(a, b image.Rectangle, tol int) bool {
	d := func(x, y int) bool { return x-y <= tol && y-x <= tol }
	return d(a.Min.X, b.Min.X) && d(a.Min.Y, b.Min.Y) && d(a.Max.X, b.Max.X) && d(a.Max.Y, b.Max.Y)
}

// TestContainedRule: a copy after other footage falls under the query
// percentage but holds the whole known video; the containment rule finds
// it, and the floor on frames keeps a tiny known video from matching.
func TestContainedRule(t *testing.T) {
	opts := MatchOptions{ContainedPercent: DefaultContainedPercent}
	r := Score(10, 13, 10, 10, opts)
	if !r.Matched || !r.Contained {
		t.Errorf("10 of 13 query frames, all 10 known: %+v", r)
	}
	if r := Score(10, 13, 10, 10, MatchOptions{}); r.Matched {
		t.Errorf("the reference's rule matched 77%%: %+v", r)
	}
	if r := Score(3, 13, 3, 3, opts); r.Matched {
		t.Errorf("3 frames of a 3-frame known video matched: %+v", r)
	}
	if r := Score(6, 30, 6, 10, opts); r.Matched {
		t.Errorf("60%% of the known video matched: %+v", r)
	}
}
