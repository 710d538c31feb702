package index

import (
	"testing"

	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// TestDuplicatesFoundAfterReopen checks the duplicate checks against what
// an earlier process stored: the seen filters that let most new items skip
// the posting scan are rebuilt at open from every posting, retracted ones
// included, so neither a re-import nor a retracted item's return adds
// anything, whether the item is identified by a digest or by its PDQ hash.
func TestDuplicatesFoundAfterReopen(t *testing.T) {
	db, dir := openNewDB(t)
	s := db.Content()
	mustBank(t, s, "a", true)
	pdq := sig(t, signals.PDQ, knownPDQ)
	md5 := sig(t, signals.MD5, "d41d8cd98f00b204e9800998ecf8427f")
	items := []known.Item{
		{Bank: "a", Signals: []signals.Signal{pdq}},
		{Bank: "a", Signals: []signals.Signal{md5, flip(pdq, 40)}},
		{Bank: "a", Signals: []signals.Signal{flip(pdq, 80)}},
	}
	out, _, err := s.AddItems(items)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Retract(out[2].ID, "complaint upheld", "analyst"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	version := db.Content().Version()
	again, v, err := db.Content().AddItems(items)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range again {
		if o.Added || o.ID != out[i].ID {
			t.Errorf("item %d re-imported after a reopen: %+v, want present as %d", i, o, out[i].ID)
		}
	}
	if v != version {
		t.Errorf("a re-import that added nothing moved the version from %d to %d", version, v)
	}
	// A new item still goes in, and is then a duplicate itself.
	fresh := []known.Item{{Bank: "a", Signals: []signals.Signal{flip(pdq, 120)}}}
	if o, _, _ := db.Content().AddItems(fresh); !o[0].Added {
		t.Fatalf("new item: %+v", o[0])
	}
	if o, _, _ := db.Content().AddItems(fresh); o[0].Added {
		t.Fatalf("new item added twice: %+v", o[0])
	}
}
