package pdq

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/atkm/herken/fixtures"
)

// jpegCases returns the reference cases whose image is a JPEG.
func jpegCases(t *testing.T) []fixtures.PDQCase {
	t.Helper()
	all, err := fixtures.PDQReference()
	if err != nil {
		t.Fatal(err)
	}
	var out []fixtures.PDQCase
	for _, c := range all {
		if strings.HasSuffix(c.File, ".jpg") || strings.HasSuffix(c.File, ".jpeg") {
			out = append(out, c)
		}
	}
	if len(out) < 100 {
		t.Fatalf("only %d JPEG cases in reference.csv", len(out))
	}
	return out
}

// TestReferenceSamePixels hashes the very pixels the reference hashed
// (libjpeg-turbo's default decode, via djpeg) and demands the identical hash
// and quality, with and without the CLI's 512x512 squash.
func TestReferenceSamePixels(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test: runs without -short")
	}
	squash := NewHasher(Options{})
	full := NewHasher(Options{FullResolution: true})
	for _, c := range jpegCases(t) {
		pix, w, h, ch := fixtures.DecodeWithDjpeg(t, c.Path())
		if w != c.Width || h != c.Height {
			t.Errorf("%s: djpeg gave %dx%d, reference saw %dx%d", c.File, w, h, c.Width, c.Height)
			continue
		}
		check := func(name string, hs *Hasher, wantHash string, wantQuality int) {
			t.Helper()
			got, err := hs.Hash(pix, w, h, ch)
			if err != nil {
				t.Fatalf("%s: %v", c.File, err)
			}
			if got.Hash.String() != wantHash || got.Quality != wantQuality {
				want, _ := ParseHash(wantHash)
				t.Errorf("%s (%s): got %s q%d, want %s q%d (%d bits differ)",
					c.File, name, got.Hash, got.Quality, wantHash, wantQuality, got.Hash.Distance(want))
			}
		}
		check("squash", squash, c.PDQ, c.Quality)
		check("full resolution", full, c.PDQFullRes, c.QualityFullRes)
	}
}

// TestReferenceDihedral checks all eight dihedral hashes against the
// reference's --pdqdih-across output, from the same pixels.
func TestReferenceDihedral(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test: runs without -short")
	}
	cases, err := fixtures.PDQDihedral()
	if err != nil {
		t.Fatal(err)
	}
	hs := NewHasher(Options{Dihedral: true})
	mirror := NewHasher(Options{Mirrored: true})
	n := 0
	for _, c := range cases {
		if !strings.HasSuffix(c.File, ".jpg") {
			continue
		}
		n++
		pix, w, h, ch := fixtures.DecodeWithDjpeg(t, c.Path())
		got, err := hs.Hash(pix, w, h, ch)
		if err != nil {
			t.Fatal(err)
		}
		if got.Quality != c.Quality {
			t.Errorf("%s: quality %d, want %d", c.File, got.Quality, c.Quality)
		}
		for d := Orig; d < NumDihedral; d++ {
			if got.Dihedral[d].String() != c.Hashes[d] {
				t.Errorf("%s %s: got %s, want %s", c.File, d, got.Dihedral[d], c.Hashes[d])
			}
		}
		if got.Dihedral[Orig] != got.Hash {
			t.Errorf("%s: Dihedral[Orig] differs from Hash", c.File)
		}
		if got.Mirrored.String() != c.Hashes[FlipY] {
			t.Errorf("%s: Mirrored %s, want %s", c.File, got.Mirrored, c.Hashes[FlipY])
		}
		// Options.Mirrored computes that one variant alone.
		m, err := mirror.Hash(pix, w, h, ch)
		if err != nil {
			t.Fatal(err)
		}
		if m.Hash != got.Hash || m.Mirrored.String() != c.Hashes[FlipY] || m.Dihedral != nil {
			t.Errorf("%s: with Mirrored: hash %s mirrored %s (dihedral %v), want %s and %s",
				c.File, m.Hash, m.Mirrored, m.Dihedral != nil, got.Hash, c.Hashes[FlipY])
		}
	}
	if n < 50 {
		t.Fatalf("only %d JPEG dihedral cases", n)
	}
}

func TestHashTextAndBits(t *testing.T) {
	var h Hash
	h.setBit(0)
	h.setBit(17)
	h.setBit(255)
	const want = "8000000000000000000000000000000000000000000000000000000000020001"
	if h.String() != want {
		t.Fatalf("String() = %s, want %s", h, want)
	}
	back, err := ParseHash(want)
	if err != nil || back != h {
		t.Fatalf("ParseHash round trip: %v %s", err, back)
	}
	for k := range 256 {
		if h.Bit(k) != (k == 0 || k == 17 || k == 255) {
			t.Errorf("Bit(%d) = %v", k, h.Bit(k))
		}
	}
	for _, bad := range []string{"", "abc", strings.Repeat("g", 64), strings.Repeat("0", 65)} {
		if _, err := ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q) accepted", bad)
		}
	}
}

func TestTorbenIsMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		m := make([]float32, 256)
		for i := range m {
			if trial%3 == 0 {
				m[i] = float32(rng.IntN(5)) // many ties
			} else {
				m[i] = rng.Float32()*200 - 100
			}
		}
		s := slices.Clone(m)
		slices.Sort(s)
		// For an even count the reference takes the lower median.
		if got, want := torben(m), s[len(s)/2-1]; got != want {
			t.Fatalf("trial %d: torben = %v, lower median = %v", trial, got, want)
		}
	}
}

func TestSmallAndMalformedImages(t *testing.T) {
	hs := NewHasher(Options{Dihedral: true})
	for _, size := range [][2]int{{0, 0}, {4, 100}, {100, 4}, {1, 1}} {
		w, h := size[0], size[1]
		res, err := hs.Hash(make([]byte, w*h*3), w, h, 3)
		if err != nil {
			t.Fatalf("%dx%d: %v", w, h, err)
		}
		if res.Hash != (Hash{}) || res.Quality != 0 || res.Dihedral == nil {
			t.Errorf("%dx%d: want zero hash, quality 0, got %s q%d", w, h, res.Hash, res.Quality)
		}
	}
	for _, c := range []struct{ n, w, h, ch int }{{10, 5, 5, 3}, {75, 5, 5, 2}, {75, -5, -5, 3}} {
		if _, err := hs.Hash(make([]byte, c.n), c.w, c.h, c.ch); err != ErrBadImage {
			t.Errorf("%+v: err = %v, want ErrBadImage", c, err)
		}
	}
}

// TestFlatImage: a featureless image has quality 0, so matching ignores it.
func TestFlatImage(t *testing.T) {
	pix := make([]byte, 300*200)
	for i := range pix {
		pix[i] = 128
	}
	res, err := NewHasher(Options{}).Hash(pix, 300, 200, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Quality != 0 {
		t.Fatalf("flat image quality %d, want 0", res.Quality)
	}
}

// TestHasherReuse: a reused Hasher gives the same result as a fresh one,
// whatever it hashed before.
func TestHasherReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	img := func(w, h int) []byte {
		p := make([]byte, w*h*3)
		for i := range p {
			p[i] = byte(rng.IntN(256))
		}
		return p
	}
	a, b := img(700, 300), img(90, 120)
	reused := NewHasher(Options{})
	first, _ := reused.Hash(a, 700, 300, 3)
	_, _ = reused.Hash(b, 90, 120, 3)
	again, _ := reused.Hash(a, 700, 300, 3)
	fresh, _ := NewHasher(Options{}).Hash(a, 700, 300, 3)
	if first != again || again != fresh {
		t.Fatalf("reuse changed the hash: %s %s %s", first.Hash, again.Hash, fresh.Hash)
	}
}
