package index

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// TestMemSnapshot: a store closed cleanly opens from its saved search
// structures and answers as one built from the postings; a snapshot made
// stale by a later write (here by a write-only open, as herken import
// makes) or damaged is not used, and what was written since is found.
func TestMemSnapshot(t *testing.T) {
	db, dir := openNewDB(t)
	s := db.Content()
	mustBank(t, s, "a", true)
	pdq := sig(t, signals.PDQ, knownPDQ)
	md5 := sig(t, signals.MD5, "d41d8cd98f00b204e9800998ecf8427f")
	var items []known.Item
	for i := range 50 {
		items = append(items, known.Item{Bank: "a", Signals: []signals.Signal{flip(pdq, 2*i+40)}})
	}
	items = append(items, known.Item{Bank: "a", Signals: []signals.Signal{md5, pdq}})
	out, _, err := s.AddItems(items)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Retract(out[3].ID, "upheld", "lead"); err != nil {
		t.Fatal(err)
	}
	queries := []matcher.Query{{Signal: flip(pdq, 2), Quality: -1}, {Signal: md5, Quality: -1}, {Signal: flip(pdq, 46), Quality: -1}}
	answers := func(s *Content) []int {
		var n []int
		for _, q := range queries {
			n = append(n, len(lookupOne(t, s, q).Matches))
		}
		return n
	}
	want := answers(s)
	wantStatus := s.Status()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(dir, memSnapshotFile)
	if _, err := os.Stat(snap); err != nil {
		t.Fatalf("no snapshot after Close: %v", err)
	}

	open := func(opts Options) *DB {
		t.Helper()
		opts.NoSync = true
		db, err := Open(dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db = open(Options{})
	if !db.Content().fromMemSnapshot {
		t.Fatal("a cleanly closed store was not opened from its snapshot")
	}
	if got := answers(db.Content()); !equalInts(got, want) {
		t.Errorf("from the snapshot: %v matches, want %v", got, want)
	}
	if got := db.Content().Status(); got.Signals["pdq"].Count != wantStatus.Signals["pdq"].Count ||
		got.Signals["md5"].Count != wantStatus.Signals["md5"].Count || got.Version != wantStatus.Version {
		t.Errorf("status from the snapshot %+v, want %+v", got, wantStatus)
	}
	// Writes after opening from a snapshot reach memory as usual.
	extra := known.Item{Bank: "a", Signals: []signals.Signal{flip(pdq, 256)}} // far from all others
	addOne(t, db.Content(), extra)
	if n := len(lookupOne(t, db.Content(), matcher.Query{Signal: flip(pdq, 256), Quality: -1}).Matches); n != 1 {
		t.Errorf("item added after a snapshot open: %d matches", n)
	}
	db.Close()

	// A write-only open retracts an item, which changes no posting count:
	// the version tells the snapshot is stale.
	db = open(Options{NoSearch: true})
	if _, err := db.Content().Retract(out[len(out)-1].ID, "upheld", "lead"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open(Options{})
	if db.Content().fromMemSnapshot {
		t.Error("a snapshot older than a retraction was used")
	}
	if n := len(lookupOne(t, db.Content(), matcher.Query{Signal: md5, Quality: -1}).Matches); n != 0 {
		t.Errorf("item retracted after the snapshot still matches: %d", n)
	}
	db.Close()
	want[0], want[1] = 0, 0 // the retracted item held pdq and md5

	// A write-only open adds an item: the snapshot is stale.
	db = open(Options{NoSearch: true})
	late := known.Item{Bank: "a", Signals: []signals.Signal{flip(pdq, 180)}}
	addOne(t, db.Content(), late)
	db.Close()
	db = open(Options{})
	if db.Content().fromMemSnapshot {
		t.Error("a stale snapshot was used")
	}
	if n := len(lookupOne(t, db.Content(), matcher.Query{Signal: flip(pdq, 181), Quality: -1}).Matches); n != 1 {
		t.Errorf("item written after the snapshot: %d matches, want 1", n)
	}
	db.Close()

	// A damaged snapshot is not used.
	b, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	if err := os.WriteFile(snap, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db = open(Options{})
	defer db.Close()
	if db.Content().fromMemSnapshot {
		t.Error("a damaged snapshot was used")
	}
	if got := answers(db.Content()); !equalInts(got, want) {
		t.Errorf("rebuilt: %v matches, want %v", got, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
