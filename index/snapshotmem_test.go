package index

import (
	"archive/tar"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// snapshotFiles reads a snapshot file's entries, in order.
func snapshotFiles(t *testing.T, b []byte) (names []string, files map[string][]byte) {
	t.Helper()
	files = map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, files
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		files[h.Name] = data
	}
}

// rewriteSnapshot writes a snapshot file of these entries, with the
// checksums record made again for them: a file as a maker with a bug
// would send it, which the load's checks let through.
func rewriteSnapshot(t *testing.T, names []string, files map[string][]byte) []byte {
	t.Helper()
	return rewriteSnapshotAs(t, snapshotFormat, names, files)
}

// rewriteSnapshotAs is rewriteSnapshot in the given format.
func rewriteSnapshotAs(t *testing.T, format string, names []string, files map[string][]byte) []byte {
	t.Helper()
	newSum, sumsName := fileSum(format)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	sums := map[string]string{}
	for _, n := range names {
		data := files[n]
		switch n {
		case snapshotSums, snapshotSums2:
			n = sumsName
			data, _ = json.Marshal(sums)
		case snapshotHead:
			var head map[string]any
			if err := json.Unmarshal(data, &head); err != nil {
				t.Fatal(err)
			}
			head["format"] = format
			data, _ = json.Marshal(head)
		default:
			h := newSum()
			h.Write(data)
			sums[n] = hex.EncodeToString(h.Sum(nil))
		}
		if err := writeTarFile(tw, n, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func snapshotBytes(t *testing.T, s *Content) ([]byte, uint64) {
	t.Helper()
	sn, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer sn.Close()
	var buf bytes.Buffer
	if _, err := sn.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), sn.Version
}

// TestSnapshotCarriesSearchStructures: a snapshot file carries the search
// structures of exactly its keys, and the replica's open uses them; the
// structures of another version (sent by mistake, with checksums that
// match), or damaged ones, are not used: the open builds them from the
// postings and answers as the source did at the snapshot's version. A
// byte changed in them in transit fails the load, as in any other file.
func TestSnapshotCarriesSearchStructures(t *testing.T) {
	d, _ := openNewDB(t)
	s := d.Content()
	mustBank(t, s, "gifct", true)
	rng := rand.New(rand.NewPCG(7, 8))
	var items []known.Item
	var pdqs []signals.Signal
	for range 400 {
		p := randomSig(rng, signals.PDQ)
		pdqs = append(pdqs, p)
		items = append(items, known.Item{Bank: "gifct", Signals: []signals.Signal{p, randomSig(rng, signals.MD5)}})
	}
	out, _, err := s.AddItems(items)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Retract(out[7].ID, "mistake", "test"); err != nil {
		t.Fatal(err)
	}
	first, v1 := snapshotBytes(t, s)
	// A later state: one more item, whose structures would find it.
	late := randomSig(rng, signals.PDQ)
	addOne(t, s, known.Item{Bank: "gifct", Signals: []signals.Signal{late}})
	second, v2 := snapshotBytes(t, s)
	if v2 != v1+1 {
		t.Fatalf("snapshots at %d and %d", v1, v2)
	}

	names, files := snapshotFiles(t, first)
	_, files2 := snapshotFiles(t, second)
	if len(files[memSnapshotFile]) == 0 || len(files2[memSnapshotFile]) == 0 {
		t.Fatalf("no %s in the snapshot file: %v", memSnapshotFile, names)
	}

	// open loads b into a new folder and opens it; it reports whether the
	// open used the carried structures, and checks the answers are the
	// source's at v1: the retracted item and the late one never match.
	open := func(name string, b []byte, damage func(dir string)) bool {
		t.Helper()
		dir := filepath.Join(t.TempDir(), name)
		if _, err := LoadSnapshot(dir, bytes.NewReader(b), Options{}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if damage != nil {
			damage(dir)
		}
		db, err := Open(dir, Options{NoSync: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer db.Close()
		c := db.Content()
		for i, p := range pdqs {
			n := len(lookupOne(t, c, matcher.Query{Signal: flip(p, 3), Quality: -1}).Matches)
			if want := btoi(i != 7); n != want {
				t.Errorf("%s: pdq %d: %d matches, want %d", name, i, n, want)
			}
		}
		if n := len(lookupOne(t, c, matcher.Query{Signal: late, Quality: -1}).Matches); n != 0 {
			t.Errorf("%s: the item written after the snapshot matches (%d): structures of another version served", name, n)
		}
		if got := c.Status().Signals["pdq"].Count; got != 399 {
			t.Errorf("%s: %d active PDQ, want 399", name, got)
		}
		if _, err := os.Stat(filepath.Join(dir, memSnapshotFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: the structures' file stays after the open: %v", name, err)
		}
		return c.fromMemSnapshot
	}

	if !open("as made", first, nil) {
		t.Error("the carried search structures were not used")
	}

	// The structures of the later snapshot in the earlier one's file.
	files[memSnapshotFile] = files2[memSnapshotFile]
	if open("another version", rewriteSnapshot(t, names, files), nil) {
		t.Error("the search structures of another version were used")
	}

	// Damaged after the load (the disk), and damaged by the maker (the
	// file's checksums made for the damaged bytes).
	_, files = snapshotFiles(t, first)
	damaged := bytes.Clone(files[memSnapshotFile])
	damaged[len(damaged)/2] ^= 0x10
	if open("damaged on disk", first, func(dir string) {
		if err := os.WriteFile(filepath.Join(dir, memSnapshotFile), damaged, 0o600); err != nil {
			t.Fatal(err)
		}
	}) {
		t.Error("damaged search structures were used")
	}
	files[memSnapshotFile] = damaged
	if open("damaged by the maker", rewriteSnapshot(t, names, files), nil) {
		t.Error("damaged search structures were used")
	}

	// Without them (a file made before they were carried): built.
	var kept []string
	for _, n := range names {
		if n != memSnapshotFile {
			kept = append(kept, n)
		}
	}
	if open("without", rewriteSnapshot(t, kept, files), nil) {
		t.Error("structures used where the file carries none")
	}

	// A byte changed in transit: the load refuses the file.
	_, orig := snapshotFiles(t, first)
	i := bytes.Index(first, orig[memSnapshotFile])
	if i < 0 {
		t.Fatal("the structures' bytes are not in the file")
	}
	flipped := bytes.Clone(first)
	flipped[i+len(orig[memSnapshotFile])/2] ^= 1
	if _, err := LoadSnapshot(filepath.Join(t.TempDir(), "flipped"), bytes.NewReader(flipped), Options{}); !errors.Is(err, ErrSnapshot) {
		t.Errorf("a file with its structures' bytes changed: %v", err)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSnapshotFormat2Loads: a snapshot file of the format before (its
// checksums SHA-256) still loads, and one whose SHA-256 does not match is
// refused.
func TestSnapshotFormat2Loads(t *testing.T) {
	s, _ := openNew(t)
	mustBank(t, s, "gifct", true)
	p := sig(t, signals.PDQ, knownPDQ)
	addOne(t, s, known.Item{Bank: "gifct", Signals: []signals.Signal{p}, Label: "abc"})
	b, v := snapshotBytes(t, s)
	names, files := snapshotFiles(t, b)
	old := rewriteSnapshotAs(t, snapshotFormat2, names, files)
	if !bytes.Contains(old, []byte(snapshotSums2)) || bytes.Contains(old, []byte(snapshotSums+"\x00")) {
		t.Fatal("not a format 2 file")
	}
	dir := filepath.Join(t.TempDir(), "old")
	info, err := LoadSnapshot(dir, bytes.NewReader(old), Options{})
	if err != nil || info.Version != v {
		t.Fatalf("format 2: %+v %v", info, err)
	}
	db, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := len(lookupOne(t, db.Content(), matcher.Query{Signal: p, Quality: -1}).Matches); n != 1 {
		t.Errorf("format 2: %d matches", n)
	}
	i := bytes.Index(old, []byte(`"abc"`))
	old[i+1] ^= 1
	if _, err := LoadSnapshot(filepath.Join(t.TempDir(), "flipped"), bytes.NewReader(old), Options{}); !errors.Is(err, ErrSnapshot) {
		t.Errorf("format 2 with a byte changed: %v", err)
	}
}
