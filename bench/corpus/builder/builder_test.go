package builder

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/atkm/herken/bench/corpus/transform"
)

func TestManifestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	origs := []Original{
		{SHA256: repeat("b", 64), Size: 10, Width: 400, Height: 300, Package: "opencv-doc=4.6.0+dfsg-12",
			Path: "/usr/share/x.jpg", SourceSHA256: repeat("c", 64), File: "originals/bbbb.jpg"},
		{SHA256: repeat("a", 64), Size: 20, Width: 300, Height: 500, Package: "local",
			Path: "p/y z.png", SourceSHA256: repeat("d", 64), File: "originals/aaaa.png"},
	}
	ders := []Derived{
		{SHA256: repeat("e", 64), Transform: "rot-90", Original: "bbbb", File: "derived/rot-90/bbbb.png"},
		{SHA256: repeat("f", 64), Transform: "blur", Original: "aaaa", File: "derived/blur/aaaa.jpg", Also: "bbbb"},
	}
	if err := WriteManifest(dir, origs); err != nil {
		t.Fatal(err)
	}
	if err := WriteDerived(dir, ders); err != nil {
		t.Fatal(err)
	}
	gotO, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	gotD, err := ReadDerived(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Sorted: by SHA-256, and by file.
	if want := []Original{origs[1], origs[0]}; !reflect.DeepEqual(gotO, want) {
		t.Errorf("manifest: got %+v, want %+v", gotO, want)
	}
	if want := []Derived{ders[1], ders[0]}; !reflect.DeepEqual(gotD, want) {
		t.Errorf("derived: got %+v, want %+v", gotD, want)
	}
	// Writing what was read gives the same bytes, so the digest is stable.
	m1, d1, _ := Digest(dir)
	if err := WriteManifest(dir, gotO); err != nil {
		t.Fatal(err)
	}
	if err := WriteDerived(dir, gotD); err != nil {
		t.Fatal(err)
	}
	if m2, d2, _ := Digest(dir); m1 != m2 || d1 != d2 {
		t.Error("digest changed after a round trip")
	}
	// A corpus built before two-picture posts (no "also" column) still reads.
	v1 := "sha256\ttransform\toriginal\tfile\n" + repeat("e", 64) + "\trot-90\tbbbb\tderived/rot-90/bbbb.png\n"
	if err := os.WriteFile(filepath.Join(dir, DerivedFile), []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadDerived(dir); err != nil || len(got) != 1 || got[0] != ders[0] {
		t.Errorf("old DERIVED.tsv read as %+v, %v; want %+v", got, err, ders[0])
	}
	if err := WriteManifest(dir, []Original{{SHA256: repeat("a", 64), Path: "a\tb"}}); err == nil {
		t.Error("a path with a tab was written")
	}
}

func repeat(s string, n int) string { return string(bytes.Repeat([]byte(s), n)) }

// TestBuildDeterministic builds the same tiny corpus twice from a folder of
// synthetic PNGs and expects identical manifests.
func TestBuildDeterministic(t *testing.T) {
	src := t.TempDir()
	for i, size := range []image.Point{{320, 320}, {400, 310}, {100, 100}} {
		img := image.NewRGBA(image.Rect(0, 0, size.X, size.Y))
		for j := range img.Pix {
			img.Pix[j] = uint8((j*(i+3) + j/(size.X*4)*(7-i)) % 256)
			if j%4 == 3 {
				img.Pix[j] = 0xff
			}
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, string(rune('a'+i))+".png"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(src, "not-a-picture.png"), []byte("hello"), 0o644)
	ts := []transform.Transform{}
	for _, n := range []string{"jpeg-q50", "crop-5", "rot-90", "two-stacked"} {
		tr, _ := transform.ByName(n)
		ts = append(ts, tr)
	}
	build := func() (string, string, *Summary) {
		out := t.TempDir()
		sum, err := Build(context.Background(), Config{Out: out, Sources: []Source{DirSource(src)}, Transforms: ts})
		if err != nil {
			t.Fatal(err)
		}
		m, d, err := Digest(out)
		if err != nil {
			t.Fatal(err)
		}
		return m, d, sum
	}
	m1, d1, sum := build()
	m2, d2, _ := build()
	if m1 != m2 || d1 != d2 {
		t.Error("two builds of the same sources differ")
	}
	if len(sum.Originals) != 2 || len(sum.Derived) != 8 || sum.Skipped != 1 {
		t.Errorf("got %d originals, %d derived, %d skipped; want 2, 8, 1 (the 100x100 picture is too small)",
			len(sum.Originals), len(sum.Derived), sum.Skipped)
	}
	// Each two-picture post shows the other original too, and says so.
	for _, d := range sum.Derived {
		if want := d.Transform == "two-stacked"; (d.Also != "") != want || d.Also == d.Original {
			t.Errorf("%s of %s: also %q", d.Transform, d.Original, d.Also)
		}
	}
}
