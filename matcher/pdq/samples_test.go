package pdq

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSelectKthIsTorben checks the selected median against Torben's, which
// the reference uses, bit for bit: on noise, on few distinct values (ties
// at the median), sorted and reversed runs, all equal, and signed zeros.
func TestSelectKthIsTorben(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for n := range 2000 {
		m := make([]float32, 256)
		for i := range m {
			switch n % 5 {
			case 0:
				m[i] = rng.Float32()*2000 - 1000
			case 1:
				m[i] = float32(rng.IntN(4)) - 1
			case 2:
				m[i] = float32(i) - 100
			case 3:
				m[i] = float32(200 - i)
			case 4:
				m[i] = float32(math.Copysign(0, float64(rng.IntN(2))-0.5))
				if rng.IntN(3) == 0 {
					m[i] = rng.Float32()
				}
			}
		}
		want := torben(m)
		got := selectKth(slices.Clone(m), 127)
		if got != want {
			t.Fatalf("case %d: selected %v, Torben's median %v", n, got, want)
		}
	}
}

// TestFoldedDCTIsTheDCT checks the folded DCT against the reference's
// within float rounding, on noise and on smooth planes.
func TestFoldedDCTIsTheDCT(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for n := range 200 {
		var a, a2 [64][64]float32
		for i := range 64 {
			for j := range 64 {
				if n%2 == 0 {
					a[i][j] = 255 * rng.Float32()
				} else {
					a[i][j] = float32(i*j)/16 + rng.Float32()
				}
			}
		}
		a2 = a
		var tmp [16][64]float32
		var got, want [16][16]float32
		foldedDCT(&a, &tmp, &got)
		dct64To16(&a2, &tmp, &want)
		for i := range 16 {
			for j := range 16 {
				if d := math.Abs(float64(got[i][j] - want[i][j])); d > 1e-3*(1+math.Abs(float64(want[i][j]))) {
					t.Fatalf("plane %d, coefficient (%d, %d): folded %v, reference %v", n, i, j, got[i][j], want[i][j])
				}
			}
		}
	}
}

// TestHashSamplesIsHashLuma checks HashSamples against HashLuma, bit for
// bit, plain, mirrored and dihedral, on 64x64 planes of luma-like values:
// noise, waves, blocks, and planes whose coefficients cancel to rounding
// noise (a checkerboard, 8x8 blocks, a flat plane), which the folded sums
// alone hash differently (checked: they must take the reference's sums).
func TestHashSamplesIsHashLuma(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	ref := NewHasher(Options{Dihedral: true})
	fast := NewHasher(Options{Dihedral: true})
	mir := NewHasher(Options{Mirrored: true})
	plain := NewHasher(Options{})
	folded := 0
	for n := range 600 {
		var blocks [13 * 13]float32
		for i := range blocks {
			blocks[i] = 255 * rng.Float32()
		}
		p := make([]float32, 64*64)
		for i := range 64 {
			for j := range 64 {
				switch n % 6 {
				case 0:
					p[i*64+j] = 255 * rng.Float32()
				case 1:
					p[i*64+j] = 128 + 100*float32(math.Sin(float64(i)/(3+float64(n%7))+float64(j*j)/200)) + 5*rng.Float32()
				case 2:
					p[i*64+j] = blocks[(i/5)*13+j/5]
				case 3:
					p[i*64+j] = float32((i/8+j/8)%2) * 200
				case 4:
					p[i*64+j] = blocks[(i/8)*8+j/8]
				case 5:
					p[i*64+j] = 77
				}
			}
		}
		want, err := ref.HashLuma(slices.Clone(p), 64, 64)
		if err != nil {
			t.Fatal(err)
		}
		got, err := fast.HashSamples(slices.Clone(p))
		if err != nil {
			t.Fatal(err)
		}
		m, err := mir.HashSamples(slices.Clone(p))
		if err != nil {
			t.Fatal(err)
		}
		one, err := plain.HashSamples(slices.Clone(p))
		if err != nil {
			t.Fatal(err)
		}
		if got.Quality != want.Quality || got.Hash != want.Hash || *got.Dihedral != *want.Dihedral ||
			m.Hash != want.Hash || m.Mirrored != want.Mirrored || one.Hash != want.Hash {
			t.Errorf("plane %d (kind %d): hashed other than HashLuma (%d bits, mirrored %d)", n, n%6,
				got.Hash.Distance(want.Hash), m.Mirrored.Distance(want.Mirrored))
		}
		// How many the folded sums decided alone.
		var a [64][64]float32
		for i := range 64 {
			copy(a[i][:], p[i*64:(i+1)*64])
		}
		var tmp [16][64]float32
		foldedDCT(&a, &tmp, &plain.b16)
		var res Result
		if plain.foldedBits(&res) {
			folded++
			if n%6 >= 3 {
				t.Errorf("plane %d (kind %d), whose coefficients cancel, was hashed from the folded sums", n, n%6)
			}
		}
	}
	t.Logf("%d of 600 planes hashed from the folded sums", folded)
	if folded < 250 {
		t.Errorf("only %d of the 300 planes of noise, waves and blocks hashed from the folded sums", folded)
	}
	if _, err := fast.HashSamples(make([]float32, 63*64)); err == nil {
		t.Error("a plane of 63 rows was hashed")
	}
}
