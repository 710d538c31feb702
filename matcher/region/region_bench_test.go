package region

import (
	"math/rand"
	"testing"

	"github.com/atkm/herken/matcher/pdq"
)

var sinkRegions []Region

// BenchmarkFind times Find on a 1 MP framed photo beside the PDQ hash of the
// same image (the baseline it must stay a small fraction of): compare the
// two ns/op of one run.
func BenchmarkFind(b *testing.B) {
	origs := loadOriginals(b)
	var o *original
	for i := range origs {
		if origs[i].name == "aaa-orig.jpg" {
			o = &origs[i]
		}
	}
	if o == nil {
		b.Fatal("bridge fixture missing")
	}
	p := framed(rand.New(rand.NewSource(1)), scale(o.img, 1152, 723), black) // about 1 MP with its frame
	m, _ := reencode(b, p, false, 1, 85)
	b.Run("op=find", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(m.Pix)))
		for b.Loop() {
			sinkRegions = Find(m.Pix, m.Width, m.Height, m.Channels)
		}
	})
	// The unframed photo (its uniform sky edge passes the early exit).
	u, _ := reencode(b, post{img: scale(o.img, 1152, 723)}, false, 1, 85)
	b.Run("op=find-unframed", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(u.Pix)))
		for b.Loop() {
			sinkRegions = Find(u.Pix, u.Width, u.Height, u.Channels)
		}
	})
	b.Run("op=lines", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ps := newLineProfiles(u.Pix, u.Width, u.Height, u.Channels)
			_ = fromLines(&ps.rows, &ps.cols, u.Width, u.Height)
			ps.release()
		}
	})
	b.Run("op=pdq", func(b *testing.B) {
		h := pdq.NewHasher(pdq.Options{})
		b.ReportAllocs()
		b.SetBytes(int64(len(m.Pix)))
		for b.Loop() {
			if _, err := h.Hash(m.Pix, m.Width, m.Height, m.Channels); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=pdq-fullres", func(b *testing.B) {
		h := pdq.NewHasher(pdq.Options{FullResolution: true})
		b.ReportAllocs()
		b.SetBytes(int64(len(m.Pix)))
		for b.Loop() {
			if _, err := h.Hash(m.Pix, m.Width, m.Height, m.Channels); err != nil {
				b.Fatal(err)
			}
		}
	})
}
