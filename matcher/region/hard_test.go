package region

import (
	"math/rand"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

// TestFindHardCases holds re-posts an earlier Find missed, one per cause:
// two pictures that touch along a seam no uniform line marks, two across a
// thin gap next to a picture's flat sky, a picture centred over a stretched
// copy of itself, a caption over a picture whose bottom is one flat colour,
// and photos in a dark chat, whose bubble margin the working copy smears
// into the picture.
// Each must be proposed within PDQ's match distance of the original.
func TestFindHardCases(t *testing.T) {
	byName := originalsByName(t)
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	cases := []struct {
		name, family, photo, second string
		seed                        int64
		scale                       float64
	}{
		{"touching seam", "side-by-side", "basketball1.png", "basketball2.png", touchingSeed(), 0.8},
		{"touching seam 2", "side-by-side", "aloeR.jpg", "apple.jpg", touchingSeed(), 0.8},
		{"gap by a flat sky", "stacked", "aero1.jpg", "aero3.jpg", gapSeed(), 0.8},
		{"stretched padding", "stretched-padding", "fruits.jpg", "", 1, 0.8},
		{"blurred padding", "blurred-padding", "board.jpg", "", 1, 0.8},
		{"caption over a flat bottom", "caption-top", "ela_modified.jpg", "", 14, 0.9},
		{"dark chat", "screenshot", "aero3.jpg", "", darkChatSeed(), 0.7},
		{"dark chat 2", "screenshot", "rubberwhale2.png", "", darkChatSeed(), 0.9},
		{"dark chat 3", "screenshot", "right09.jpg", "", darkChatSeed(), 0.8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, o2 := byName[c.photo], byName[c.second]
			if o == nil {
				t.Fatalf("fixture %s missing", c.photo)
			}
			var fam *family
			for i := range families {
				if families[i].name == c.family {
					fam = &families[i]
				}
			}
			second := o.img
			if o2 != nil {
				second = o2.img
			}
			p := fam.build(rand.New(rand.NewSource(c.seed)), o.img, second)
			m, truth := reencode(t, p, false, c.scale, 80)
			rs := Find(m.Pix, m.Width, m.Height, m.Channels)
			want := []*original{o, o2}
			for j := range truth {
				d, at := bestDistance(t, h, m, rs, want[j].hash)
				if d > matchThreshold {
					t.Errorf("%s: best region %v is %d bits away; truth %v, regions %v", want[j].name, at, d, truth[j], rects(rs))
				}
			}
		})
	}
}

// darkChatSeed is a seed for which the screenshot family draws the dark
// theme (its first draw picks the theme).
func darkChatSeed() int64 {
	return seedWhere(func(r *rand.Rand) bool { return r.Intn(3) == 2 })
}

// touchingSeed and gapSeed are seeds for which the side-by-side and stacked
// families put the pictures edge to edge, or 8 pixels apart.
func touchingSeed() int64 { return seedWhere(func(r *rand.Rand) bool { return r.Intn(2) == 1 }) }
func gapSeed() int64      { return seedWhere(func(r *rand.Rand) bool { return r.Intn(2) == 0 }) }

func seedWhere(ok func(*rand.Rand) bool) int64 {
	for s := int64(1); ; s++ {
		if ok(rand.New(rand.NewSource(s))) {
			return s
		}
	}
}
