package index

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/atkm/herken/matcher"
)

// identify looks queries up in s by the default decision rule, as the
// match use case does.
func identify(s *Content, queries []matcher.Query) (matcher.Identification, error) {
	return matcher.Identify(s, queries, matcher.DefaultRule)
}

// TestLayering holds the index to its place: it speaks of signals, banks
// and items through the leaf vocabulary packages and links no decoder, no
// hashing code, no ffmpeg helper and not the matcher itself.
func TestLayering(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	for _, pkg := range []string{"./", "./hamming", "./prefilter"} {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			allowed := !strings.Contains(dep, ".") || // the standard library
				strings.HasPrefix(dep, "github.com/atkm/herken/index") ||
				slices.Contains([]string{"github.com/atkm/herken/matcher/signals", "github.com/atkm/herken/matcher/known"}, dep) ||
				!strings.HasPrefix(dep, "github.com/atkm/herken/") && !forbidden(dep)
			if !allowed {
				t.Errorf("%s imports %s", pkg, dep)
			}
		}
	}
}

// forbidden lists third-party packages the index must not link: image
// hashing and decoding.
func forbidden(dep string) bool {
	for _, p := range []string{"github.com/corona10/goimagehash", "golang.org/x/image", "github.com/nfnt/resize"} {
		if strings.HasPrefix(dep, p) {
			return true
		}
	}
	return false
}
