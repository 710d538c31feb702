package matcher

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"

	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher/media"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// goldenFile is per JPEG decoder: the pure-Go decoder's pixels differ a
// little from libjpeg-turbo's, and so do the perceptual hashes.
func goldenFile() string {
	name := "purego"
	if strings.HasPrefix(media.JPEGDecoder(), "libjpeg-turbo") {
		name = "turbojpeg"
	}
	return filepath.Join("testdata", "golden-"+name+".jsonl")
}

// TestGolden hashes every fixture image with every signal and compares the
// output with the golden file; -update rewrites it. A change here is a
// change in what herken computes, to be explained in the commit.
func TestGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test: runs without -short")
	}
	cases, err := fixtures.PDQReference()
	if err != nil {
		t.Fatal(err)
	}
	h := mustHasher(t, HasherConfig{Dihedral: true})
	var got bytes.Buffer
	for _, c := range cases {
		data, err := os.ReadFile(c.Path())
		if err != nil {
			t.Fatal(err)
		}
		hs := h.HashBytes(context.Background(), data)
		line := map[string]any{"file": c.File, "content_type": hs.ContentType, "size": hs.Size}
		for _, s := range hs.Signals {
			line[s.Type.String()] = s.String()
		}
		if _, ok := hs.Signal(PDQ); ok {
			line["pdq_quality"] = hs.PDQQuality
			var dih []string
			for _, v := range hs.PDQDihedral {
				dih = append(dih, v.String())
			}
			line["pdq_dihedral"] = dih
		}
		if hs.PhotoErr != nil {
			line["error"] = hs.PhotoErr.Error()
		}
		b, err := json.Marshal(line) // map keys come out sorted
		if err != nil {
			t.Fatal(err)
		}
		got.Write(append(b, '\n'))
	}
	path := goldenFile()
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./matcher/ -run TestGolden -args -update, with this decoder)", err)
	}
	gotLines := strings.Split(got.String(), "\n")
	wantLines := strings.Split(string(want), "\n")
	if len(gotLines) != len(wantLines) {
		t.Fatalf("%d lines, golden file has %d", len(gotLines), len(wantLines))
	}
	diffs := 0
	for i := range gotLines {
		if gotLines[i] != wantLines[i] {
			diffs++
			if diffs <= 5 {
				t.Errorf("line %d differs:\n got  %s\n want %s", i+1, gotLines[i], wantLines[i])
			}
		}
	}
	if diffs > 5 {
		t.Errorf("... %d lines differ in all", diffs)
	}

}
