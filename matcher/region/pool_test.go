package region

import (
	"math/rand"
	"reflect"
	"sync"
	"testing"

	"github.com/atkm/herken/matcher/media"
)

// TestFindConcurrent runs Find from several goroutines at once on photos
// of different sizes, framed and not, and checks each call returns what a
// call alone returns: the line profiles and the working copy come from
// pools, and a buffer shared between two calls would mix their results
// (and -race reports it).
func TestFindConcurrent(t *testing.T) {
	origs := loadOriginals(t)
	rng := rand.New(rand.NewSource(11))
	var imgs []*media.Image
	for i, o := range origs[:min(3, len(origs))] {
		w, h := 400+150*i, 300+220*i
		m, _ := reencode(t, framed(rng, scale(o.img, w, h), black), false, 1, 85)
		u, _ := reencode(t, post{img: scale(o.img, h, w)}, false, 1, 85)
		imgs = append(imgs, m, u)
	}
	want := make([][]Region, len(imgs))
	for i, m := range imgs {
		want[i] = Find(m.Pix, m.Width, m.Height, m.Channels)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range 3 {
				for k := range imgs {
					i := (k + g + r) % len(imgs)
					m := imgs[i]
					if got := Find(m.Pix, m.Width, m.Height, m.Channels); !reflect.DeepEqual(got, want[i]) {
						t.Errorf("goroutine %d, photo %d: %v, alone %v", g, i, got, want[i])
					}
				}
			}
		}()
	}
	wg.Wait()
}
