package evaluation

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atkm/herken/bench/corpus/builder"
	"github.com/atkm/herken/bench/corpus/transform"
	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher"
)

// TestTinyCorpus builds a corpus of four fixture photos and checks that
// the evaluation's numbers are sane.
func TestTinyCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and hashes a small corpus (several seconds)")
	}
	src := t.TempDir()
	for _, rel := range []string{
		"pdq/debian/opencv-doc/usr/share/doc/opencv-doc/examples/data/baboon.jpg",
		"pdq/debian/opencv-doc/usr/share/doc/opencv-doc/examples/data/fruits.jpg",
		"pdq/debian/opencv-doc/usr/share/doc/opencv-doc/examples/data/building.jpg",
		"pdq/debian/python3-skimage/usr/lib/python3/dist-packages/skimage/data/astronaut.png",
	} {
		b, err := os.ReadFile(fixtures.Path(rel))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, filepath.Base(rel)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var ts []transform.Transform
	for _, n := range []string{"jpeg-q90", "flip-h", "rot-90", "crop-5", "blur"} {
		tr, ok := transform.ByName(n)
		if !ok {
			t.Fatalf("no transform %q", n)
		}
		ts = append(ts, tr)
	}
	corpus := t.TempDir()
	if _, err := builder.Build(context.Background(), builder.Config{Out: corpus,
		Sources: []builder.Source{builder.DirSource(src)}, Transforms: ts}); err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), Config{Corpus: corpus})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Originals) != 4 || len(r.Derived) != 20 || r.Failed != 0 {
		t.Fatalf("%d originals, %d derived, %d failed; want 4, 20, 0", len(r.Originals), len(r.Derived), r.Failed)
	}
	if got := r.Recall(matcher.PDQ, "jpeg-q90", 31); got != 1 {
		t.Errorf("PDQ recall of jpeg-q90 = %v, want 1", got)
	}
	if got := r.Recall(matcher.SHA256, "jpeg-q90", 0); got != 0 {
		t.Errorf("SHA-256 recall of a re-encode = %v, want 0", got)
	}
	for _, s := range Signals {
		for d := 0; d <= s.Bits()/2; d++ {
			if f := r.FPR(s, d); f < 0 || f > 1 {
				t.Fatalf("%s FPR at %d = %v", s, d, f)
			}
		}
		if r.FPR(s, s.Bits()) != 1 && !s.Exact() {
			t.Errorf("%s: FPR at the full width should be 1", s)
		}
	}
	for _, tr := range []string{"flip-h", "rot-90"} {
		plain, dih := r.Recall(matcher.PDQ, tr, 31), r.DihedralRecall(tr, 31)
		if dih < plain {
			t.Errorf("%s: dihedral recall %v < plain %v", tr, dih, plain)
		}
		if dih < 0.75 {
			t.Errorf("%s: dihedral recall %v; exact flips and rotations should be found", tr, dih)
		}
	}
	// The report and the plots are written and name what they show.
	out := t.TempDir()
	if err := r.WritePlots(out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, PlotFile(matcher.PDQ)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Errorf("plot: %v", err)
	}
	var rep strings.Builder
	if err := r.WriteReport(&rep, Report{Commands: []string{"test"}, CorpusKind: "test", Machine: ThisMachine(), PlotsRelDir: "plots"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{r.ManifestDigest, "| jpeg-q90 | 100.0 |", "## Dihedral matching", "plots/accuracy-pdq.png"} {
		if !strings.Contains(rep.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
