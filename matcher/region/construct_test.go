package region

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// fixtureRoot is where the committed PDQ fixtures live.
const fixtureRoot = "../../fixtures/pdq"

// original is a fixture photo with its PDQ hash.
type original struct {
	name string
	img  *image.RGBA
	hash pdq.Hash
}

// originalsByName returns the fixture photos by file name.
func originalsByName(t testing.TB) map[string]*original {
	t.Helper()
	origs := loadOriginals(t)
	byName := make(map[string]*original, len(origs))
	for i := range origs {
		byName[origs[i].name] = &origs[i]
	}
	return byName
}

// fixture returns the fixture photo of that file name.
func fixture(t testing.TB, name string) *image.RGBA {
	t.Helper()
	o, ok := originalsByName(t)[name]
	if !ok {
		t.Fatalf("fixture %s missing", name)
	}
	return o.img
}

// loadOriginals decodes the distinct fixture photos: every Debian original
// and the distinct ThreatExchange photos. Pictures PDQ itself gates (quality
// under 50) are left out: no region could be matched for them.
func loadOriginals(t testing.TB) []original {
	t.Helper()
	var paths []string
	for _, dir := range []string{"debian/opencv-doc", "debian/python3-skimage"} {
		err := filepath.Walk(filepath.Join(fixtureRoot, dir), func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				paths = append(paths, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{
		"pdq/data/bridge-mods/aaa-orig.jpg", "pdq/data/misc-images/c.png",
		"pdq/data/reg-test-input/exif-rotn/exif-rotn-1.jpg", "pdq/data/reg-test-input/pen-and-coaster.png",
		"pdq/data/reg-test-input/labelme-subset/q0122.jpg", "pdq/data/reg-test-input/labelme-subset/q0291.jpg",
		"pdq/data/reg-test-input/labelme-subset/q0746.jpg", "pdq/data/reg-test-input/labelme-subset/q1050.jpg",
		"pdq/data/reg-test-input/labelme-subset/q2821.jpg",
		"python-threatexchange/threatexchange/tests/hashing/resources/sample-b.jpg",
	} {
		paths = append(paths, filepath.Join(fixtureRoot, "threatexchange", p))
	}
	sort.Strings(paths)
	h := pdq.NewHasher(pdq.Options{})
	var out []original
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m, _, err := media.Decode(data, media.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		img := toRGBA(m)
		if img.Bounds().Dx() > 1600 { // keep the test quick: a 12 MP photo adds nothing here
			img = scale(img, 1600, img.Bounds().Dy()*1600/img.Bounds().Dx())
		}
		res := hashRGBA(t, h, img)
		if res.Quality < 50 {
			continue
		}
		out = append(out, original{name: filepath.Base(p), img: img, hash: res.Hash})
	}
	return out
}

func toRGBA(m *media.Image) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, m.Width, m.Height))
	for i := 0; i < m.Width*m.Height; i++ {
		if m.Channels == 3 {
			copy(img.Pix[4*i:], m.Pix[3*i:3*i+3])
		} else {
			v := m.Pix[i]
			img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2] = v, v, v
		}
		img.Pix[4*i+3] = 255
	}
	return img
}

func rgbPix(img *image.RGBA) []byte {
	b := img.Bounds()
	out := make([]byte, 0, b.Dx()*b.Dy()*3)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):]
		for x := 0; x < b.Dx(); x++ {
			out = append(out, row[4*x], row[4*x+1], row[4*x+2])
		}
	}
	return out
}

func hashRGBA(t testing.TB, h *pdq.Hasher, img *image.RGBA) pdq.Result {
	t.Helper()
	res, err := h.Hash(rgbPix(img), img.Bounds().Dx(), img.Bounds().Dy(), 3)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func scale(src image.Image, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, max(1, w), max(1, h)))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

// blur is a strong blur: down to a 24th and back up.
func blur(src *image.RGBA, w, h int) *image.RGBA {
	small := image.NewRGBA(image.Rect(0, 0, max(2, w/24), max(2, h/24)))
	draw.ApproxBiLinear.Scale(small, small.Bounds(), src, src.Bounds(), draw.Src, nil)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Bounds(), small, small.Bounds(), draw.Src, nil)
	return dst
}

func fill(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(dst, r, &image.Uniform{c}, image.Point{}, draw.Src)
}

func paste(dst *image.RGBA, src *image.RGBA, at image.Point) image.Rectangle {
	r := src.Bounds().Sub(src.Bounds().Min).Add(at)
	draw.Draw(dst, r, src, src.Bounds().Min, draw.Src)
	return r
}

// drawText writes s about px pixels high with its top-left corner at
// (x, y): basicfont's 7x13 glyphs drawn small and scaled up, as a meme's
// big letters are. (The Go fonts would need golang.org/x/text, which the
// module does not carry.)
func drawText(dst *image.RGBA, s string, x, y int, px float64, c color.RGBA) {
	w := textWidth(s, 13)
	small := image.NewRGBA(image.Rect(0, 0, w, 13))
	d := font.Drawer{Dst: small, Src: &image.Uniform{c}, Face: basicfont.Face7x13, Dot: fixed.P(0, 11)}
	d.DrawString(s)
	f := px / 13
	r := image.Rect(x, y, x+int(float64(w)*f+0.5), y+int(13*f+0.5))
	draw.ApproxBiLinear.Scale(dst, r, small, small.Bounds(), draw.Over, nil)
}

// textWidth is the width of s drawn px pixels high.
func textWidth(s string, px float64) int {
	return int(float64(7*len(s))*px/13 + 0.5)
}

// edgeColour is the mean colour of the picture's outermost pixels: a frame
// of nearly that colour is the hardest to see.
func edgeColour(img *image.RGBA) color.RGBA {
	b := img.Bounds()
	var s [3]int
	n := 0
	add := func(x, y int) {
		p := img.Pix[img.PixOffset(x, y):]
		s[0], s[1], s[2] = s[0]+int(p[0]), s[1]+int(p[1]), s[2]+int(p[2])
		n++
	}
	for x := b.Min.X; x < b.Max.X; x++ {
		add(x, b.Min.Y)
		add(x, b.Max.Y-1)
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		add(b.Min.X, y)
		add(b.Max.X-1, y)
	}
	return color.RGBA{uint8(s[0] / n), uint8(s[1] / n), uint8(s[2] / n), 255}
}

// post is a constructed re-post: the image and where each picture is in it.
type post struct {
	img   *image.RGBA
	truth []image.Rectangle
}

// reencode mirrors the post when asked, scales it by f and round-trips it
// through JPEG at quality q, moving the truths along.
func reencode(t testing.TB, p post, mirror bool, f float64, q int) (*media.Image, []image.Rectangle) {
	t.Helper()
	img := p.img
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	truth := append([]image.Rectangle(nil), p.truth...)
	if mirror {
		m := image.NewRGBA(img.Bounds())
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				copy(m.Pix[m.PixOffset(w-1-x, y):m.PixOffset(w-1-x, y)+4], img.Pix[img.PixOffset(x, y):])
			}
		}
		img = m
		for i, r := range truth {
			truth[i] = image.Rect(w-r.Max.X, r.Min.Y, w-r.Min.X, r.Max.Y)
		}
	}
	if f != 1 {
		nw, nh := int(float64(w)*f+0.5), int(float64(h)*f+0.5)
		img = scale(img, nw, nh)
		for i, r := range truth {
			truth[i] = image.Rect(int(float64(r.Min.X)*f+0.5), int(float64(r.Min.Y)*f+0.5),
				int(float64(r.Max.X)*f+0.5), int(float64(r.Max.Y)*f+0.5))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	m, _, err := media.Decode(buf.Bytes(), media.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m, truth
}

// words for captions and chat bubbles.
var words = strings.Fields("when the code finally compiles but you forgot to save the file again " +
	"look at this photo from yesterday see you tomorrow at the station haha nice one")

func sentence(rng *rand.Rand, n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = words[rng.Intn(len(words))]
	}
	return strings.Join(s, " ")
}
