package index

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// TestItemTailCoversItem keeps itemTail in step with known.Item: every
// field the binary header does not hold must be in the tail, with the same
// type and JSON name, or it would be lost when a record is written.
func TestItemTailCoversItem(t *testing.T) {
	inHeader := map[string]bool{"ID": true, "AddedAt": true, "Signals": true, "Categories": true}
	item, tail := reflect.TypeFor[known.Item](), reflect.TypeFor[itemTail]()
	for f := range item.Fields() {
		if inHeader[f.Name] {
			continue
		}
		g, ok := tail.FieldByName(f.Name)
		if !ok {
			t.Errorf("known.Item.%s is neither in the binary header nor in itemTail", f.Name)
			continue
		}
		name := func(tag reflect.StructTag) string { n, _, _ := strings.Cut(tag.Get("json"), ","); return n }
		if g.Type != f.Type || name(g.Tag) != name(f.Tag) {
			t.Errorf("itemTail.%s is %s %q, known.Item's is %s %q", f.Name, g.Type, name(g.Tag), f.Type, name(f.Tag))
		}
	}
	if tail.NumField() != item.NumField()-len(inHeader) {
		t.Errorf("itemTail has %d fields, want %d", tail.NumField(), item.NumField()-len(inHeader))
	}
}

// TestRecordRoundTrip writes an item with every field set and reads it
// back equal; a truncated record is refused as inconsistent.
func TestRecordRoundTrip(t *testing.T) {
	q := 87
	at := time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.UTC)
	pdq := sig(t, signals.PDQ, knownPDQ)
	it := known.Item{
		ID: 1<<32 - 1, Bank: "bank-ä", Label: "clip.mp4", Reference: "RO-7",
		Signals:    []signals.Signal{pdq, sig(t, signals.MD5, "d41d8cd98f00b204e9800998ecf8427f")},
		Categories: []known.Category{known.Incitement, known.Threat},
		AddedAt:    at, AddedBy: "cli:ann", PDQQuality: &q,
		Video:      &known.VideoInfo{UniqueFrames: 3, Frames: 9},
		Variants:   []known.ItemVariant{{Name: "crop", Signal: flip(pdq, 9)}},
		Provenance: &known.Provenance{Source: "tcap", SourceID: "2819", Labels: []string{"ideology=x"}},
		Status:     known.Retracted,
		Retraction: &known.Retraction{Reason: "upheld", By: "lead", At: at.Add(time.Hour)},
		Quarantine: &known.Quarantine{Inputs: 5, Limit: 4, Window: time.Minute, At: at, By: "auto"},
		History:    []known.StatusChange{{Status: known.Retracted, Retraction: known.Retraction{Reason: "r", At: at}}},
	}
	b, err := encodeItem(nil, &it)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeItem(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, it) {
		t.Errorf("round trip:\n got %+v\nwant %+v", *got, it)
	}
	js, _ := json.Marshal(it)
	if len(b) >= len(js) {
		t.Errorf("binary record %d bytes, JSON %d: no smaller", len(b), len(js))
	}
	for _, n := range []int{1, 2, 5, 12, 40} {
		if _, err := decodeItem(b[:n]); !errors.Is(err, ErrInconsistent) {
			t.Errorf("record cut to %d bytes: err = %v, want ErrInconsistent", n, err)
		}
	}
}

// TestSchema1StoreIsMigrated opens a store as schema 1 left it (its mark
// and its items' records in JSON): it opens, is marked schema 2, its items
// read, match, are deduplicated and retracted as before, and new items
// are written in binary beside the old ones.
func TestSchema1StoreIsMigrated(t *testing.T) {
	db, dir := openNewDB(t)
	s := db.Content()
	mustBank(t, s, "a", true)
	pdq := sig(t, signals.PDQ, knownPDQ)
	old := known.Item{Bank: "a", Signals: []signals.Signal{pdq}, Label: "old"}
	id := addOne(t, s, old)
	want, err := s.Item(id)
	if err != nil {
		t.Fatal(err)
	}
	// Rewrite it as schema 1 did: a JSON record, a key in the bank's item
	// list of its own.
	err = db.db.Update(func(txn *badger.Txn) error {
		if err := setJSON(txn, itemKey(id), &want); err != nil {
			return err
		}
		if err := txn.Delete(bankListKey("a", id)); err != nil {
			return err
		}
		if err := txn.Set(binary.BigEndian.AppendUint64(bankItemPrefix("a"), id), nil); err != nil {
			return err
		}
		return txn.Set(keySchema, []byte(schemaV1))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw := func(db *DB, k []byte) []byte {
		var v []byte
		if err := db.db.View(func(txn *badger.Txn) error {
			var err error
			v, err = getValue(txn, k)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return v
	}

	db, err = Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s = db.Content()
	if v := raw(db, keySchema); string(v) != schema {
		t.Errorf("schema after open: %q, want %q", v, schema)
	}
	if v := raw(db, itemKey(id)); v[0] != '{' {
		t.Fatalf("the old record was rewritten: %q", v)
	}
	got, err := s.Item(id)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("old item: %v\n got %+v\nwant %+v", err, got, want)
	}
	if res := lookupOne(t, s, matcher.Query{Signal: flip(pdq, 4), Quality: -1}); len(res.Matches) != 1 {
		t.Errorf("old item does not match: %+v", res.Matches)
	}
	if out, _, _ := s.AddItems([]known.Item{old}); out[0].Added || out[0].ID != id {
		t.Errorf("old item re-imported: %+v", out[0])
	}
	newID := addOne(t, s, known.Item{Bank: "a", Signals: []signals.Signal{flip(pdq, 100)}})
	if v := raw(db, itemKey(newID)); v[0] != recordBinary {
		t.Errorf("new item's record is not binary: %q", v)
	}
	if _, err := s.Retract(id, "upheld", "lead"); err != nil {
		t.Fatal(err)
	}
	if res := lookupOne(t, s, matcher.Query{Signal: pdq, Quality: -1}); len(res.Matches) != 0 {
		t.Errorf("retracted old item still matches: %+v", res.Matches)
	}
	list, err := s.Items(ItemFilter{Bank: "a"})
	if err != nil || len(list) != 2 || list[0].Label != "old" || list[0].Status != known.Retracted {
		t.Errorf("items: %v %+v", err, list)
	}
}

// TestUnknownSchemaRefused: a store of a later layout is refused by name.
func TestUnknownSchemaRefused(t *testing.T) {
	db, dir := openNewDB(t)
	if err := db.db.Update(func(txn *badger.Txn) error {
		return txn.Set(keySchema, []byte("herken-index/3"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := Open(dir, Options{})
	if !errors.Is(err, ErrNotInitialised) || !strings.Contains(err.Error(), "herken-index/3") {
		t.Errorf("open of a schema 3 store: %v", err)
	}
}
