package importer

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/matcher"
)

const (
	bridgeDir = "pdq/threatexchange/pdq/data/bridge-mods"
	// bridgePDQ is the reference CLI's PDQ of aaa-orig.jpg (pdq/reference.csv).
	bridgePDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	abcMD5    = "900150983cd24fb0d6963f7d28e17f72" // md5("abc")
)

// newStore opens a real index in a temporary folder with one bank, demo.
func newStore(t *testing.T) *index.Content {
	t.Helper()
	d, err := index.Open(filepath.Join(t.TempDir(), "data"), index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	s := d.Content()
	b := matcher.Bank{Name: "demo", Enabled: true, Categories: []matcher.Category{"incitement"}}
	if _, err := s.CreateBank(b); err != nil {
		t.Fatal(err)
	}
	return s
}

func newImporter(t *testing.T, s *index.Content) *Importer {
	t.Helper()
	im, err := New(s, "demo", "test")
	if err != nil {
		t.Fatal(err)
	}
	return im
}

func items(t *testing.T, s *index.Content) []matcher.Item {
	t.Helper()
	out, err := s.Items(index.ItemFilter{Bank: "demo", Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// signals maps an item's signal types to their values.
func signals(it matcher.Item) map[string]string {
	out := map[string]string{}
	for _, sig := range it.Signals {
		out[sig.Type.String()] = sig.String()
	}
	return out
}

func copyFile(t *testing.T, from, to string) []byte {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return b
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

func TestNewRefusesAMissingBank(t *testing.T) {
	if _, err := New(newStore(t), "nope", "test"); err == nil {
		t.Fatal("an importer into a bank that does not exist")
	}
}

// TestFolderOfPhotos: every photo of a folder becomes one item, labelled
// with its name, with its digests, its perceptual hashes and their quality.
func TestFolderOfPhotos(t *testing.T) {
	s := newStore(t)
	dir := t.TempDir()
	want := map[string][]byte{}
	for _, name := range []string{"aaa-orig.jpg", "blur-a-lot.jpg", "square-128x128.jpg"} {
		want[name] = copyFile(t, fixtures.Path(bridgeDir+"/"+name), filepath.Join(dir, name))
	}
	im := newImporter(t, s)
	files, err := im.Folder(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("Folder listed %v", files)
	}
	if err := im.Media(context.Background(), files, 2); err != nil {
		t.Fatal(err)
	}
	if err := im.Flush(); err != nil {
		t.Fatal(err)
	}
	if sum := im.Summary(); sum.Read != 3 || sum.Added != 3 || sum.Present != 0 || len(sum.Rejected) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	got := items(t, s)
	if len(got) != 3 {
		t.Fatalf("%d items, want 3", len(got))
	}
	for _, it := range got {
		b, ok := want[it.Label]
		if !ok {
			t.Errorf("item labelled %q", it.Label)
			continue
		}
		sigs := signals(it)
		for _, typ := range []string{"md5", "sha256", "pdq", "phash"} {
			if sigs[typ] == "" {
				t.Errorf("%s: no %s signal: %v", it.Label, typ, sigs)
			}
		}
		if sigs["md5"] != md5Hex(b) {
			t.Errorf("%s: md5 %s, want %s", it.Label, sigs["md5"], md5Hex(b))
		}
		if it.Label == "aaa-orig.jpg" && (sigs["pdq"] != bridgePDQ || it.PDQQuality == nil || *it.PDQQuality != 100) {
			t.Errorf("aaa-orig.jpg: pdq %s quality %v, want the reference's %s at 100", sigs["pdq"], it.PDQQuality, bridgePDQ)
		}
		if it.AddedBy != "test" || it.Bank != "demo" || len(it.Categories) != 1 || it.Categories[0] != "incitement" {
			t.Errorf("%s: bank %q by %q categories %v", it.Label, it.Bank, it.AddedBy, it.Categories)
		}
	}
}

// TestPhotoThatCannotBeDecoded: a file that says it is a JPEG but is not
// one is kept by its digests, which still find exact copies, and the
// summary says what is missing.
func TestPhotoThatCannotBeDecoded(t *testing.T) {
	s := newStore(t)
	dir := t.TempDir()
	broken := append([]byte{0xff, 0xd8, 0xff, 0xe0}, []byte(strings.Repeat("not a jpeg ", 100))...)
	path := filepath.Join(dir, "broken.jpg")
	if err := os.WriteFile(path, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.jpg")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	im := newImporter(t, s)
	missing := filepath.Join(dir, "gone.jpg")
	if err := im.Media(context.Background(), []string{path, empty, missing}, 1); err != nil {
		t.Fatal(err)
	}
	if err := im.Flush(); err != nil {
		t.Fatal(err)
	}
	sum := im.Summary()
	if sum.Read != 3 || sum.Added != 1 || len(sum.Rejected) != 3 {
		t.Fatalf("summary %+v", sum)
	}
	reasons := map[string]string{}
	for _, r := range sum.Rejected {
		reasons[filepath.Base(r.Source)] = r.Reason
	}
	for name, want := range map[string]string{
		"broken.jpg": "added with its digests only",
		"empty.jpg":  "empty file",
		"gone.jpg":   "no such file",
	} {
		if !strings.Contains(reasons[name], want) {
			t.Errorf("%s: reason %q, want %q", name, reasons[name], want)
		}
	}
	got := items(t, s)
	if len(got) != 1 {
		t.Fatalf("%d items, want 1", len(got))
	}
	sigs := signals(got[0])
	if sigs["md5"] != md5Hex(broken) || sigs["sha256"] == "" || sigs["pdq"] != "" || got[0].PDQQuality != nil {
		t.Errorf("the undecodable photo's item: %v quality %v", sigs, got[0].PDQQuality)
	}
}

// TestHashList: a list's good lines become items with what they say; a
// bad line is rejected by its number; the rest goes on.
func TestHashList(t *testing.T) {
	s := newStore(t)
	csv := "signal_type,signal_str,reference,categories\n" +
		"pdq," + bridgePDQ + ",RO-1,\n" +
		"md5," + abcMD5 + ",RO-2,threat\n" +
		"pdq,not-a-hash,RO-3,\n"
	im := newImporter(t, s)
	if err := im.List(context.Background(), "partner.csv", strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	if err := im.Flush(); err != nil {
		t.Fatal(err)
	}
	sum := im.Summary()
	if sum.Read != 3 || sum.Added != 2 || len(sum.Rejected) != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if r := sum.Rejected[0]; r.Source != "partner.csv" || r.Line != 4 || r.Reason == "" {
		t.Errorf("rejection %+v, want partner.csv line 4", r)
	}
	byRef := map[string]matcher.Item{}
	for _, it := range items(t, s) {
		byRef[it.Reference] = it
	}
	if it := byRef["RO-1"]; signals(it)["pdq"] != bridgePDQ || len(it.Categories) != 1 || it.Categories[0] != "incitement" {
		t.Errorf("RO-1: %+v (want the bank's category)", it)
	}
	if it := byRef["RO-2"]; signals(it)["md5"] != abcMD5 || len(it.Categories) != 1 || it.Categories[0] != "threat" {
		t.Errorf("RO-2: %+v", it)
	}
	if _, ok := byRef["RO-3"]; ok || len(byRef) != 2 {
		t.Errorf("items %v", byRef)
	}
}

// TestForcedFormatAndType: Format and Options override what the name and
// first line would say.
func TestForcedFormatAndType(t *testing.T) {
	s := newStore(t)
	im := newImporter(t, s)
	im.Format = hashlist.Lines
	im.Options.Type = matcher.MD5
	// A .csv name, yet read as one bare md5 per line.
	if err := im.List(context.Background(), "list.csv", strings.NewReader(abcMD5+"\n")); err != nil {
		t.Fatal(err)
	}
	if err := im.Flush(); err != nil {
		t.Fatal(err)
	}
	if sum := im.Summary(); sum.Added != 1 || len(sum.Rejected) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if got := items(t, s); len(got) != 1 || signals(got[0])["md5"] != abcMD5 {
		t.Errorf("items %+v", got)
	}
}

// TestFolderLinks: links to files and folders are followed, each file and
// folder is read once however many links lead to it, and what is left out
// is recorded with Skip: read, rejected, and said why.
func TestFolderLinks(t *testing.T) {
	src := fixtures.Path(bridgeDir)
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(sub, 0o700))
	copyFile(t, filepath.Join(src, "aaa-orig.jpg"), filepath.Join(sub, "a.jpg"))
	must(os.Symlink(filepath.Join(src, "blur-a-little.jpg"), filepath.Join(dir, "linked.jpg")))
	must(os.Symlink(filepath.Join(sub, "a.jpg"), filepath.Join(dir, "again.jpg")))
	must(os.Symlink("..", filepath.Join(sub, "up")))
	must(os.Symlink(filepath.Join(dir, "gone.jpg"), filepath.Join(dir, "dangling.jpg")))

	s := newStore(t)
	im := newImporter(t, s)
	files, err := im.Folder(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Name order: again.jpg comes before sub/a.jpg, the second way to it.
	wantFiles := []string{filepath.Join(dir, "again.jpg"), filepath.Join(dir, "linked.jpg")}
	if fmt.Sprint(files) != fmt.Sprint(wantFiles) {
		t.Errorf("files %v, want %v", files, wantFiles)
	}
	sum := im.Summary()
	if sum.Read != 3 || sum.Added != 0 || len(sum.Rejected) != 3 {
		t.Fatalf("after Folder, summary %+v", sum)
	}
	want := map[string]string{"a.jpg": "the same file as " + filepath.Join(dir, "again.jpg"),
		"up": "already read", "dangling.jpg": "symbolic link to nothing"}
	for _, r := range sum.Rejected {
		if w, ok := want[filepath.Base(r.Source)]; ok && strings.Contains(r.Reason, w) {
			delete(want, filepath.Base(r.Source))
		}
	}
	if len(want) != 0 {
		t.Errorf("not recorded: %v; rejected: %+v", want, sum.Rejected)
	}

	must(im.Media(context.Background(), files, 2))
	must(im.Flush())
	if sum := im.Summary(); sum.Read != 5 || sum.Added != 2 || len(sum.Rejected) != 3 {
		t.Errorf("after Media, summary %+v", sum)
	}
	labels := map[string]bool{}
	for _, it := range items(t, s) {
		labels[it.Label] = true
	}
	// Items are labelled with the name they were found under.
	if len(labels) != 2 || !labels["again.jpg"] || !labels["linked.jpg"] {
		t.Errorf("labels %v", labels)
	}

	if _, err := im.Folder(filepath.Join(dir, "nope")); err == nil {
		t.Error("Folder of a folder that does not exist: no error")
	}
}

// TestSummaryCounts: a second import of the same list adds nothing and
// counts it as present; batches are committed every Batch items, each
// reported to Progress; the summary carries the index version.
func TestSummaryCounts(t *testing.T) {
	s := newStore(t)
	var list strings.Builder
	n := 2*Batch + 7
	for i := range n {
		sum := md5.Sum([]byte(fmt.Sprint(i)))
		fmt.Fprintf(&list, "md5:%x\n", sum)
	}
	var progress []Summary
	im := newImporter(t, s)
	im.Progress = func(s Summary) { progress = append(progress, s) }
	if err := im.List(context.Background(), "list.txt", strings.NewReader(list.String())); err != nil {
		t.Fatal(err)
	}
	// Two batches are committed before the end of the list.
	if len(progress) != 2 || progress[0].Added != Batch || progress[1].Added != 2*Batch {
		t.Fatalf("progress before Flush: %+v", progress)
	}
	if err := im.Flush(); err != nil {
		t.Fatal(err)
	}
	first := im.Summary()
	if first.Read != n || first.Added != n || first.Present != 0 || first.Version != s.Version() || len(progress) != 3 {
		t.Fatalf("summary %+v (%d progress calls), index version %d", first, len(progress), s.Version())
	}

	again := newImporter(t, s)
	if err := again.List(context.Background(), "list.txt", strings.NewReader(list.String())); err != nil {
		t.Fatal(err)
	}
	if err := again.Flush(); err != nil {
		t.Fatal(err)
	}
	sum := again.Summary()
	if sum.Read != n || sum.Added != 0 || sum.Present != n || len(sum.Rejected) != 0 {
		t.Errorf("re-import: %+v", sum)
	}
	if sum.Version != first.Version {
		t.Errorf("a re-import that added nothing moved the index version from %d to %d", first.Version, sum.Version)
	}
	if got := len(items(t, s)); got != n {
		t.Errorf("%d items, want %d", got, n)
	}
}

// TestImportThatAddsNothing: an empty list, a list of bad lines and an
// empty folder leave the index as it was, and the summary says so.
func TestImportThatAddsNothing(t *testing.T) {
	s := newStore(t)
	before := s.Version()
	im := newImporter(t, s)
	if err := im.List(context.Background(), "empty.txt", strings.NewReader("")); err != nil {
		t.Fatal(err)
	}
	if err := im.List(context.Background(), "bad.txt", strings.NewReader("md5:xyz\npdq:00\n")); err != nil {
		t.Fatal(err)
	}
	files, err := im.Folder(t.TempDir())
	if err != nil || len(files) != 0 {
		t.Fatalf("empty folder: %v %v", files, err)
	}
	if err := im.Media(context.Background(), files, 1); err != nil {
		t.Fatal(err)
	}
	if err := im.Flush(); err != nil {
		t.Fatal(err)
	}
	sum := im.Summary()
	if sum.Read != 2 || sum.Added != 0 || sum.Present != 0 || len(sum.Rejected) != 2 {
		t.Errorf("summary %+v", sum)
	}
	for i, r := range sum.Rejected {
		if r.Source != "bad.txt" || r.Line != i+1 {
			t.Errorf("rejection %+v", r)
		}
	}
	if sum.Version != before || s.Version() != before {
		t.Errorf("index version moved from %d to %d", before, s.Version())
	}
	if got := items(t, s); len(got) != 0 {
		t.Errorf("items %+v", got)
	}
}

// TestInterruptedImport: a cancelled import stops, says why, and adds
// nothing it has not read.
func TestInterruptedImport(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	im := newImporter(t, s)
	err := im.List(ctx, "list.txt", strings.NewReader("md5:"+abcMD5+"\n"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("List after cancel: %v", err)
	}
	if sum := im.Summary(); sum.Added != 0 || len(items(t, s)) != 0 {
		t.Errorf("summary %+v", sum)
	}
}

// TestBatchesOfManySignals imports items holding many signals each (as a
// video's frame hashes): batches end early enough that no transaction
// exceeds Badger's limit, so all of them go in.
func TestBatchesOfManySignals(t *testing.T) {
	s := newStore(t)
	im := newImporter(t, s)
	rng := rand.New(rand.NewPCG(3, 4))
	const items, frames = 600, 200
	for range items {
		it := matcher.Item{}
		for range frames {
			b := make([]byte, 32)
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			sig, err := matcher.ParseTypedSignal("pdq:" + hex.EncodeToString(b))
			if err != nil {
				t.Fatal(err)
			}
			it.Signals = append(it.Signals, sig)
		}
		if err := im.add(it, Rejection{Source: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := im.Flush(); err != nil {
		t.Fatal(err)
	}
	if sum := im.Summary(); sum.Added != items {
		t.Fatalf("added %d of %d items: %+v", sum.Added, items, sum)
	}
}
