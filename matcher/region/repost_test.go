package region

import (
	"testing"

	"github.com/atkm/herken/bench/corpus/transform"
	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
)

// repostCase is one re-post the evaluation corpus's own transforms make of
// a fixture photo, which an earlier Find missed.
type repostCase struct {
	transform, photo, why string
}

// TestFindCorpusReposts builds re-posts with the evaluation corpus's
// transforms (bench/corpus/transform) from fixture photos, not the corpus's
// originals, and requires a region within PDQ's match distance of the
// original. Each case failed before the change its why names.
func TestFindCorpusReposts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds re-posts of many fixture photos")
	}
	cases := []repostCase{
		// A chat screenshot shown at 720 pixels wide: the line just outside
		// the photo's top is mostly the photo after resizing, so the
		// bubble's colour, which closes the strip with the time under the
		// photo, is read from the lines further out.
		{"chat-light-720", "left01.jpg", "bubble colour read past a blended line"},
		{"chat-light-720", "left09.jpg", "bubble colour read past a blended line"},
		{"chat-light-720", "grass.png", "bubble colour read past a blended line"},
		{"chat-light-720", "motorcycle_left.png", "bubble colour read past a blended line"},
		{"chat-dark", "rubberwhale2.png", "bubble colour read past a blended line"},
		{"chat-dark", "scenetext03.jpg", "bubble colour read past a blended line"},
		// A picture centred over a blurred copy of itself: the sides found
		// at mirrored positions are placed on the line of the jump (the
		// last line that sees it won the tie, past the jump), and within
		// the band of rows found padded the columns' weaker edge (the
		// picture's own calm side) is accepted at a lower share.
		{"blur-pad-1x1", "right.jpg", "centred sides placed on the jump; weaker edge within a padded band"},
		{"blur-pad-9x16", "cell.png", "centred sides placed on the jump; weaker edge within a padded band"},
		{"mirror-blur-pad", "plant.jpg", "centred sides placed on the jump; weaker edge within a padded band"},
		{"mirror-blur-pad", "retina.jpg", "centred sides placed on the jump; weaker edge within a padded band"},
		{"mirror-blur-pad", "q0746.jpg", "centred sides placed on the jump; weaker edge within a padded band"},
		// A border of one width whose picture continues it on some sides
		// with its own edge of the border's colour: the sides that end in
		// a step give the width, the others run at least as far.
		{"frame-thick-black", "licenseplate_motion.jpg", "an even border completed"},
		{"frame-thin-white", "aero3.jpg", "an even border completed"},
		{"mirror-frame-white", "aero3.jpg", "an even border completed"},
		// A chat's text bubble narrower than half the photo, a few pixels
		// above or below it, joined it in the working copy: it counts as
		// solid content to cut off across the gap from a fifth of a line.
		{"chat-dark", "aero3.jpg", "a narrow text bubble cut off across a thin gap"},
		{"chat-dark", "left05.jpg", "a narrow text bubble cut off across a thin gap"},
		{"chat-dark", "licenseplate_motion.jpg", "a narrow text bubble cut off across a thin gap"},
		{"chat-light", "aloeR.jpg", "a narrow text bubble cut off across a thin gap"},
		{"chat-light", "starry_night.jpg", "a narrow text bubble cut off across a thin gap"},
		{"chat-light-720", "stuff.jpg", "a narrow text bubble cut off across a thin gap"},
		// A white caption bar over a picture whose top is white too: no
		// step ends the bar, and the text sits in its middle.
		{"caption-top", "aero3.jpg", "a caption bar ended as far past its text as it starts before it"},
	}
	byName := originalsByName(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	for _, c := range cases {
		t.Run(c.transform+"/"+c.photo, func(t *testing.T) {
			o := byName[c.photo]
			tr, ok := transform.ByName(c.transform)
			if o == nil || !ok {
				t.Fatalf("fixture %s or transform %s missing", c.photo, c.transform)
			}
			m := corpusPost(t, tr, o)
			rs := Find(m.Pix, m.Width, m.Height, m.Channels)
			if d, at := bestDistance(t, h, m, rs, o.hash); d > matchThreshold {
				t.Errorf("%s (%s): best region %v is %d bits away; regions %v", c.photo, c.why, at, d, rects(rs))
			}
		})
	}
}

// corpusPost applies tr to the fixture as the corpus builder does (its
// generator seeded from the names) and decodes the encoded file.
func corpusPost(t testing.TB, tr transform.Transform, o *original) *media.Image {
	t.Helper()
	out := tr.Apply(o.img, transform.Rand(1, tr.Name, o.name))
	q := tr.Quality
	if q == 0 {
		q = 85
	}
	data, err := transform.Encode(out, q)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := media.Decode(data, media.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
