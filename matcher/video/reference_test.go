package video

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestReferenceSamples compares herken's frame hashes with the vPDQ lists
// that Meta publishes for its sample videos, every frame hashed. It needs
// a ThreatExchange checkout (or its bare git folder) named by
// HERKEN_THREATEXCHANGE, and is skipped without one.
func TestReferenceSamples(t *testing.T) {
	repo := os.Getenv("HERKEN_THREATEXCHANGE")
	if repo == "" {
		t.Skip("HERKEN_THREATEXCHANGE is not set")
	}
	videos(t)
	read := func(path string) []byte {
		if b, err := os.ReadFile(filepath.Join(repo, path)); err == nil {
			return b
		}
		b, err := exec.Command("git", "-C", repo, "show", "HEAD:"+path).Output()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return b
	}
	for _, name := range []string{"chair-19-sd-bar", "pattern-sd-grey-bar", "doorknob-hd-no-bar"} {
		t.Run(name, func(t *testing.T) {
			want, err := ParseVPDQ(bytes.NewReader(read("vpdq/sample-hashes/" + name + ".txt")))
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(t.TempDir(), name+".mp4")
			if err := os.WriteFile(p, read("tmk/sample-videos/"+name+".mp4"), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := HashFile(context.Background(), p, Options{AllFrames: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d frames, reference %d", len(got), len(want))
			}
			exact, maxDist, badMeta := 0, 0, 0
			for i := range got {
				d := got[i].Hash.Distance(want[i].Hash)
				if d == 0 {
					exact++
				}
				maxDist = max(maxDist, d)
				if got[i].Number != want[i].Number || int(got[i].Timestamp*1000+0.5) != int(want[i].Timestamp*1000+0.5) {
					badMeta++
				}
			}
			t.Logf("%s: %d frames, %d identical hashes, max distance %d, %d frame numbers/timestamps differ",
				name, len(got), exact, maxDist, badMeta)
			if badMeta > 0 || maxDist > 8 {
				t.Errorf("too far from the reference")
			}
			if r := Match(got, want, MatchOptions{}); r.QueryMatchPercent != 100 || r.ComparedMatchPercent != 100 {
				t.Errorf("match against the reference list: %+v", r)
			}
		})
	}
}
