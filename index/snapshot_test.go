package index

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

func randomSig(rng *rand.Rand, t signals.Type) signals.Signal {
	b := make([]byte, t.Size())
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	s, _ := signals.New(t, b)
	return s
}

// TestSnapshotLoadsTheSameContent: a snapshot taken while writes go on
// holds the state at its version only; loaded into a new folder it opens
// as an index equal to the source at that version (items, statuses,
// matches, the next item id), and leaves the source's own records (API
// keys, feedback) behind.
func TestSnapshotLoadsTheSameContent(t *testing.T) {
	d, _ := openNewDB(t)
	s := d.Content()
	mustBank(t, s, "gifct", true)
	mustBank(t, s, "off", false)
	rng := rand.New(rand.NewPCG(1, 2))
	var pdqs []signals.Signal
	var items []known.Item
	for i := range 300 {
		p := randomSig(rng, signals.PDQ)
		pdqs = append(pdqs, p)
		bank := "gifct"
		if i%10 == 9 {
			bank = "off"
		}
		items = append(items, known.Item{Bank: bank, Signals: []signals.Signal{p, randomSig(rng, signals.SHA256)}, Label: "x"})
	}
	if _, _, err := s.AddItems(items); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Retract(3, "mistake", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Quarantine(5, known.Quarantine{Inputs: 20, Limit: 10}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.APIKeys().Create("ops", RoleAdmin, nil, "test"); err != nil {
		t.Fatal(err)
	}

	sn, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	at := sn.Version
	// Written after the snapshot was opened: not in it.
	late := randomSig(rng, signals.PDQ)
	lateID := addOne(t, s, known.Item{Bank: "gifct", Signals: []signals.Signal{late}})
	var buf bytes.Buffer
	n, err := sn.WriteTo(&buf)
	sn.Close()
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo: %d bytes, %d buffered, %v", n, buf.Len(), err)
	}
	if ents, _ := filepath.Glob(filepath.Join(filepath.Dir(d.dir), "*.snapshot-build")); len(ents) != 0 {
		t.Errorf("the snapshot's build folder was left behind: %v", ents)
	}
	if at != s.Version()-1 || sn.LogID != "" {
		t.Fatalf("snapshot at %d (log %q), index at %d", at, sn.LogID, s.Version())
	}

	banks, bv, err := SnapshotBanks(bytes.NewReader(buf.Bytes()))
	if err != nil || bv != at || len(banks) != 2 || banks[0].Name != "gifct" || banks[1].Name != "off" || banks[1].Enabled {
		t.Fatalf("SnapshotBanks: %+v at %d, %v", banks, bv, err)
	}
	dir := filepath.Join(t.TempDir(), "copy")
	info, err := LoadSnapshot(dir, bytes.NewReader(buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != at {
		t.Fatalf("loaded version %d, want %d", info.Version, at)
	}
	d2, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	c := d2.Content()
	if c.Version() != at {
		t.Fatalf("opened at version %d, want %d", c.Version(), at)
	}
	if len(d2.APIKeys().List()) != 0 {
		t.Error("the snapshot carried API keys")
	}
	for _, id := range []uint64{1, 3, 5, 10, 300} {
		want, err1 := s.Item(id)
		got, err2 := c.Item(id)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(want, got) {
			t.Errorf("item %d: %+v %v, source %+v %v", id, got, err2, want, err1)
		}
	}
	if _, err := c.Item(lateID); !errors.Is(err, ErrItemNotFound) {
		t.Errorf("the item written after the snapshot is in it: %v", err)
	}
	for i, p := range pdqs {
		want := lookupOne(t, s, matcher.Query{Signal: flip(p, 4), Quality: -1})
		got := lookupOne(t, c, matcher.Query{Signal: flip(p, 4), Quality: -1})
		if len(want.Matches) != len(got.Matches) {
			t.Fatalf("query %d: %d matches, source %d", i, len(got.Matches), len(want.Matches))
		}
	}
	// The banks' item lists came along (bl/ keys since schema 2).
	listed, err1 := c.Items(ItemFilter{Bank: "gifct", Limit: 1000})
	source, err2 := s.Items(ItemFilter{Bank: "gifct", Limit: 1000})
	if err1 != nil || err2 != nil || len(source) != 271 || len(listed) != len(source)-1 {
		t.Errorf("bank gifct lists %d items in the copy, %d in the source (want 270, 271): %v %v", len(listed), len(source), err1, err2)
	}
	st, want := c.Status(), s.Status()
	if st.Signals["pdq"].Count != want.Signals["pdq"].Count-1 || st.Banks != want.Banks {
		t.Errorf("status %+v, source %+v", st, want)
	}
	// The next item gets the id the source gave the late one.
	if id := addOne(t, c, known.Item{Bank: "gifct", Signals: []signals.Signal{late}}); id != lateID {
		t.Errorf("next id %d, the source gave %d", id, lateID)
	}
}

// TestSnapshotFollow: a single node's snapshot made a replica's state
// carries the log id, and the loaded folder follows that log only.
func TestSnapshotFollow(t *testing.T) {
	s, _ := openNew(t)
	mustBank(t, s, "gifct", true)
	sn, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sn.Follow("LOG@1")
	var buf bytes.Buffer
	if _, err := sn.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	sn.Close()
	dir := filepath.Join(t.TempDir(), "copy")
	info, err := LoadSnapshot(dir, &buf, Options{})
	if err != nil || info.LogID != "LOG@1" {
		t.Fatalf("%+v %v", info, err)
	}
	d, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Content().Follow("LOG@2"); !errors.Is(err, ErrOtherLog) {
		t.Errorf("following another log: %v", err)
	}
	if err := d.Content().Follow("LOG@1"); err != nil {
		t.Error(err)
	}
	if _, err := d.Content().CreateBank(known.Bank{Name: "local", Categories: []known.Category{known.Incitement}}); !errors.Is(err, ErrReplica) {
		t.Errorf("a local write to a replica's folder: %v", err)
	}
}

// TestDamagedSnapshotIsRefused: a snapshot with a byte changed, or cut
// short, is refused and leaves no store behind.
func TestDamagedSnapshotIsRefused(t *testing.T) {
	s, _ := openNew(t)
	mustBank(t, s, "gifct", true)
	addOne(t, s, known.Item{Bank: "gifct", Signals: []signals.Signal{sig(t, signals.PDQ, knownPDQ)}, Label: "abc"})
	sn, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := sn.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	sn.Close()
	good := buf.Bytes()
	i := bytes.Index(good, []byte(`"abc"`))
	flipped := bytes.Clone(good)
	flipped[i+1] ^= 1
	for name, b := range map[string][]byte{"flipped": flipped, "short": good[:len(good)-20], "empty": nil} {
		dir := filepath.Join(t.TempDir(), name)
		if _, err := LoadSnapshot(dir, bytes.NewReader(b), Options{}); !errors.Is(err, ErrSnapshot) {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err == nil {
			t.Errorf("%s: a store was left behind", name)
		}
		if _, err := os.Stat(dir + ".loading"); err == nil {
			t.Errorf("%s: the loading folder was left behind", name)
		}
	}
	// A folder holding a store is never overwritten.
	_, dir := openNew(t)
	if _, err := LoadSnapshot(dir, bytes.NewReader(good), Options{}); err == nil {
		t.Error("loaded over a store")
	}
}

// TestSnapshotAbort: an aborted snapshot stops with ErrSnapshotAborted and
// leaves no build folder.
func TestSnapshotAbort(t *testing.T) {
	d, _ := openNewDB(t)
	s := d.Content()
	mustBank(t, s, "gifct", true)
	rng := rand.New(rand.NewPCG(5, 6))
	var items []known.Item
	for range 5000 {
		items = append(items, known.Item{Bank: "gifct", Signals: []signals.Signal{randomSig(rng, signals.PDQ)}})
	}
	if _, _, err := s.AddItems(items); err != nil {
		t.Fatal(err)
	}
	sn, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer sn.Close()
	sn.Abort()
	var buf bytes.Buffer
	if _, err := sn.WriteTo(&buf); !errors.Is(err, ErrSnapshotAborted) {
		t.Fatalf("an aborted snapshot: %v", err)
	}
	if _, err := os.Stat(d.dir + ".snapshot-build"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the build folder: %v", err)
	}
}
