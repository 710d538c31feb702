package recall

import (
	"context"
	"strings"
	"testing"

	"github.com/atkm/herken/bench/accuracy/decide"
	"github.com/atkm/herken/bench/corpus/builder"
	"github.com/atkm/herken/bench/corpus/transform"
)

// A corpus of three fixture photos with a re-encode, a framed and
// letterboxed re-post, a random crop and a two-picture post: the re-encode
// is found through the whole picture, the framed copy through a region, the
// crop only by the media bank through a stored crop, the two-picture post
// once per photo it shows; nothing matches a photo it does not show.
func TestRecallOnASmallCorpus(t *testing.T) {
	var ts []transform.Transform
	for _, n := range []string{"jpeg-q70", "frame-thick-black", "crop-random-10", "two-side-by-side"} {
		tr, ok := transform.ByName(n)
		if !ok {
			t.Fatalf("no transform %s", n)
		}
		ts = append(ts, tr)
	}
	dir := t.TempDir()
	srcs := builder.FixtureSources()[:1] // opencv-doc's photos
	if _, err := builder.Build(context.Background(), builder.Config{Out: dir, Sources: srcs, Max: 3, Transforms: ts, Workers: 2}); err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), Config{Corpus: dir, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Originals) != 3 || len(r.Copies) != 12 {
		t.Fatalf("%d originals, %d copies; want 3 and 12", len(r.Originals), len(r.Copies))
	}
	rule := decide.DefaultRule()
	// The crops are held to the whole picture's threshold here: how far a
	// 10% crop lands from the nearest stored one depends on the decoder,
	// and this test is about the mechanism, not the rule's value.
	loose := rule
	loose.Crop = rule.Whole
	po, md := r.Count(rule, false, true), r.Count(loose, true, true)
	if c := po["jpeg-q70"]; c.Found != 3 || c.ByClass[decide.Whole] != 3 {
		t.Errorf("re-encodes: %+v, want 3 found through the whole picture", c)
	}
	if c := po["frame-thick-black"]; c.Found < 2 || c.ByClass[decide.Region] != c.Found {
		t.Errorf("framed copies: %+v, want at least 2 found, through regions", c)
	}
	if c := po["two-side-by-side"]; c.Copies != 6 {
		t.Errorf("two-picture posts show %d known pictures, want 6", c.Copies)
	}
	if c := md["crop-random-10"]; c.Found < 2 || c.ThroughCrop == 0 {
		t.Errorf("crops with a media bank: %+v, want at least 2 found, through stored crops", c)
	}
	for name, c := range po {
		if c.False != 0 || md[name].False != 0 {
			t.Errorf("%s: %d (PDQ-only) and %d (media) copies matched a photo they do not show", name, c.False, md[name].False)
		}
	}
	var b strings.Builder
	r.WriteMarkdown(&b, rule)
	if !strings.Contains(b.String(), "| frame-thick-black | repost-frame |") || !strings.Contains(b.String(), "| repost-frame | 90% (PDQ-only) |") {
		t.Errorf("report lacks the transform or family rows:\n%s", b.String())
	}
}
