package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/ingest/importer"
)

// Digests of zero bytes: as known items they would make every empty file
// a match.
var emptyDigests = []string{
	"md5:d41d8cd98f00b204e9800998ecf8427e",
	"sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
	"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
}

func TestEmptyContentIsNoKnownItem(t *testing.T) {
	data := newDataDir(t)
	for _, d := range emptyDigests {
		code, _, errOut := runCLI(t, "", "item", "add", "--data", data, "--bank", "demo", "--signal", d)
		if code != 1 || !strings.Contains(errOut, "digest of empty content") {
			t.Errorf("item add %s: exit %d %q", d, code, errOut)
		}
	}
	list := strings.Join(emptyDigests, "\n") + "\nmd5:" + abcMD5 + "\n"
	code, out, errOut := runCLI(t, list, "import", "--data", data, "--bank", "demo", "--json", "-")
	var sum importer.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("import: exit %d %q %s", code, out, errOut)
	}
	if code != 0 || sum.Added != 1 || len(sum.Rejected) != 3 || !strings.Contains(sum.Rejected[0].Reason, "empty content") {
		t.Errorf("import: exit %d %+v", code, sum)
	}
	empty := filepath.Join(t.TempDir(), "empty.jpg")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// Empty content is no query either: an error, and no verdict.
	if code, out, _ := runCLI(t, "", "match", "--data", data, empty); code != 1 || !strings.Contains(out, "empty") || strings.Contains(out, "no match") {
		t.Errorf("an empty file: exit %d %q", code, out)
	}
}

// TestImportThatImportsNothingFails: a list whose every line is rejected
// is a failed import, and leaves the index version alone; so does a
// re-import that finds everything present.
func TestImportThatImportsNothingFails(t *testing.T) {
	data := newDataDir(t)
	version := func() uint64 {
		t.Helper()
		_, out, _ := runCLI(t, "", "import", "--data", data, "--bank", "demo", "--json", "-")
		var sum importer.Summary
		json.Unmarshal([]byte(out), &sum)
		return sum.Version
	}
	v0 := version()
	code, out, errOut := runCLI(t, "md5:nothex\npdq:short\n", "import", "--data", data, "--bank", "demo", "-")
	if code != 1 || !strings.Contains(errOut, "nothing was imported: all 2 inputs were rejected") || !strings.Contains(out, "rejected 2") {
		t.Errorf("all rejected: exit %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "# only a comment\n", "import", "--data", data, "--bank", "demo", "-"); code != 1 || !strings.Contains(errOut, "no hash") {
		t.Errorf("empty list: exit %d %q", code, errOut)
	}
	if v := version(); v != v0 {
		t.Errorf("index version moved from %d to %d with nothing imported", v0, v)
	}
	list := "md5:" + abcMD5 + "\n"
	if code, _, errOut := runCLI(t, list, "import", "--data", data, "--bank", "demo", "-"); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	v1 := version()
	code, out, _ = runCLI(t, list, "import", "--data", data, "--bank", "demo", "-")
	if code != 0 || !strings.Contains(out, "already present 1") {
		t.Errorf("re-import: exit %d %q", code, out)
	}
	if v := version(); v != v1 || v1 != v0+1 {
		t.Errorf("versions: %d, after one import %d, after a re-import %d", v0, v1, v)
	}
}

// TestMatchGivesNoVerdictForAFailedInput: a file that cannot be read has
// an error and no "no match".
func TestMatchGivesNoVerdictForAFailedInput(t *testing.T) {
	data := newDataDir(t)
	missing := filepath.Join(t.TempDir(), "nonexistent.jpg")
	code, out, _ := runCLI(t, "", "match", "--data", data, missing, fixtures.Path(bridgeJPEG))
	if code != 1 || strings.Contains(out, "nonexistent.jpg: no match") || !strings.Contains(out, "nonexistent.jpg: error: ") ||
		!strings.Contains(out, "aaa-orig.jpg: no match") {
		t.Errorf("text: exit %d %q", code, out)
	}
	code, out, _ = runCLI(t, "", "match", "--data", data, "--json", missing)
	lines := decodeLines(t, out)
	if _, ok := lines[0]["result"]; code != 1 || ok || lines[0]["error"] == nil {
		t.Errorf("json: exit %d %q", code, out)
	}
	// A photo that cannot be decoded has only its digests looked up: not
	// "no match" either.
	broken := filepath.Join(t.TempDir(), "broken.jpg")
	b, _ := os.ReadFile(fixtures.Path(bridgeJPEG))
	os.WriteFile(broken, b[:len(b)/3], 0o600)
	code, out, _ = runCLI(t, "", "match", "--data", data, broken)
	if code != 1 || strings.Contains(out, "no match") {
		t.Errorf("undecodable photo: exit %d %q", code, out)
	}
}

func TestAuditSaysWhenEmpty(t *testing.T) {
	data := newDataDir(t)
	if code, out, _ := runCLI(t, "", "audit", "--data", data); code != 0 || strings.TrimSpace(out) != "no records" {
		t.Errorf("empty log: exit %d %q", code, out)
	}
	if code, out, errOut := runCLI(t, "", "audit", "--data", data, "--action", "match", "--json"); code != 0 || out != "" || !strings.Contains(errOut, "no records match") {
		t.Errorf("empty log, --json: exit %d %q %q", code, out, errOut)
	}
}

// TestImportFolderWithLinks: links to files and folders are followed, a
// loop is read once, and what is left out is reported.
func TestImportFolderWithLinks(t *testing.T) {
	data := newDataDir(t)
	src := fixtures.Path("pdq/threatexchange/pdq/data/bridge-mods")
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o700)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(src, "aaa-orig.jpg"))
	must(err)
	must(os.WriteFile(filepath.Join(sub, "a.jpg"), b, 0o600))
	must(os.Symlink(filepath.Join(src, "blur-a-little.jpg"), filepath.Join(dir, "linked.jpg")))
	must(os.Symlink(filepath.Join(sub, "a.jpg"), filepath.Join(dir, "again.jpg")))
	must(os.Symlink("..", filepath.Join(sub, "up")))
	must(os.Symlink(filepath.Join(dir, "gone.jpg"), filepath.Join(dir, "dangling.jpg")))
	code, out, errOut := runCLI(t, "", "import", "--data", data, "--bank", "demo", "--json", dir)
	var sum importer.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil || code != 0 {
		t.Fatalf("import: exit %d %q %s", code, out, errOut)
	}
	if sum.Added != 2 {
		t.Errorf("added %d, want 2 (a.jpg, and blur-a-little.jpg through its link): %+v", sum.Added, sum)
	}
	// again.jpg comes first in name order: sub/a.jpg is the second way to
	// the same file.
	want := map[string]string{"a.jpg": "the same file as", "up": "already read", "dangling.jpg": "symbolic link to nothing"}
	for _, r := range sum.Rejected {
		for name, reason := range want {
			if filepath.Base(r.Source) == name && strings.Contains(r.Reason, reason) {
				delete(want, name)
			}
		}
	}
	if len(want) != 0 {
		t.Errorf("not reported: %v; rejected: %+v", want, sum.Rejected)
	}
}
