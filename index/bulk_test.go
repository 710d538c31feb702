package index

import (
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/atkm/herken/matcher"
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
	// Once while the filters may still be filling (writers scan the
	// postings), once they are ready.
	for _, stage := range []string{"at open", "filters ready"} {
		if stage == "filters ready" {
			waitSeen(t, db.Content())
		}
		again, v, err := db.Content().AddItems(items)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range again {
			if o.Added || o.ID != out[i].ID {
				t.Errorf("%s: item %d re-imported after a reopen: %+v, want present as %d", stage, i, o, out[i].ID)
			}
		}
		if v != version {
			t.Errorf("%s: a re-import that added nothing moved the version from %d to %d", stage, version, v)
		}
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

// TestSeenFilter checks the seen filter: no false negatives across its
// stages, and a false-positive rate near what it is sized for.
func TestSeenFilter(t *testing.T) {
	s := newSeen(0)
	key := func(i int) signals.Signal {
		b := make([]byte, 16)
		for j := range b {
			b[j] = byte((i*2654435761 + j*40503) >> (j % 3 * 8))
		}
		b[0], b[1], b[2], b[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
		return signals.Must(signals.MD5, b)
	}
	const n = 400000 // past the first two stages (64k and 256k keys)
	for i := range n {
		s.add(key(i))
	}
	if len(s.stages) < 3 {
		t.Errorf("%d stages after %d keys, want 3", len(s.stages), n)
	}
	for i := range n {
		if !s.mayContain(key(i)) {
			t.Fatalf("key %d added but not contained", i)
		}
	}
	fp := 0
	for i := n; i < 2*n; i++ {
		if s.mayContain(key(i)) {
			fp++
		}
	}
	if rate := float64(fp) / n; rate > 0.03 {
		t.Errorf("false-positive rate %.4f over %d stages, want under 0.03", rate, len(s.stages))
	} else {
		t.Logf("false-positive rate %.4f over %d stages, %d bytes", rate, len(s.stages), s.bytes())
	}
}

// TestItemsPageAcrossWrites lists a bank whose items came in several
// writes, mixed with another bank's, a page at a time from every
// starting point: each page continues where the last stopped, within a
// write's list or across lists, in id order.
func TestItemsPageAcrossWrites(t *testing.T) {
	s, _ := openNew(t)
	mustBank(t, s, "a", true)
	mustBank(t, s, "b", true)
	pdq := sig(t, signals.PDQ, knownPDQ)
	var want []uint64
	n := 0
	for w := range 4 {
		var items []known.Item
		for i := range 3 + w {
			n++
			bank := "a"
			if i%2 == 1 {
				bank = "b"
			}
			items = append(items, known.Item{Bank: bank, Signals: []signals.Signal{flip(pdq, n)}})
		}
		out, _, err := s.AddItems(items)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range out {
			if !o.Added {
				t.Fatalf("item not added: %+v", o)
			}
			if items[i].Bank == "a" {
				want = append(want, o.ID)
			}
		}
	}
	for limit := 1; limit <= 3; limit++ {
		for start := range want {
			after := uint64(0)
			if start > 0 {
				after = want[start-1]
			}
			var got []uint64
			for {
				page, err := s.Items(ItemFilter{Bank: "a", After: after, Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				for _, it := range page {
					if it.Bank != "a" {
						t.Fatalf("bank b's item %d listed in a", it.ID)
					}
					got = append(got, it.ID)
				}
				after = page[len(page)-1].ID
			}
			if !slices.Equal(got, want[start:]) {
				t.Fatalf("limit %d from %d: got %v, want %v", limit, start, got, want[start:])
			}
		}
	}
}

// TestNoSearch opens a store for writing only: items go in, duplicates
// and retractions hold as usual, lookups and filter exports are refused
// rather than answered from structures that were never built, and the
// store opened normally afterwards finds what was written.
func TestNoSearch(t *testing.T) {
	db, dir := openNewDB(t)
	mustBank(t, db.Content(), "a", true)
	db.Close()
	db, err := Open(dir, Options{NoSync: true, NoSearch: true})
	if err != nil {
		t.Fatal(err)
	}
	s := db.Content()
	pdq := sig(t, signals.PDQ, knownPDQ)
	items := []known.Item{{Bank: "a", Signals: []signals.Signal{pdq}}, {Bank: "a", Signals: []signals.Signal{flip(pdq, 90)}}}
	out, _, err := s.AddItems(items)
	if err != nil || !out[0].Added || !out[1].Added {
		t.Fatalf("add: %v %+v", err, out)
	}
	if again, _, _ := s.AddItems(items); again[0].Added || again[1].Added {
		t.Fatalf("re-import added: %+v", again)
	}
	if _, err := s.Retract(out[1].ID, "upheld", "lead"); err != nil {
		t.Fatal(err)
	}
	if err := s.View(func(known.State) error { return nil }); !errors.Is(err, ErrNoSearch) {
		t.Errorf("View: %v, want ErrNoSearch", err)
	}
	if _, err := s.WriteFilter(signals.MD5, io.Discard); !errors.Is(err, ErrNoSearch) {
		t.Errorf("WriteFilter: %v, want ErrNoSearch", err)
	}
	db.Close()
	db, err = Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if res := lookupOne(t, db.Content(), matcher.Query{Signal: flip(pdq, 3), Quality: -1}); len(res.Matches) != 1 {
		t.Errorf("lookup after a write-only import: %+v", res.Matches)
	}
	if res := lookupOne(t, db.Content(), matcher.Query{Signal: flip(pdq, 90), Quality: -1}); len(res.Matches) != 0 {
		t.Errorf("item retracted while opened for writing still matches: %+v", res.Matches)
	}
}

// waitSeen waits until the seen filters are filled.
func waitSeen(t *testing.T, s *Content) {
	t.Helper()
	for range 1000 {
		s.mem.seen.mu.Lock()
		ready := s.mem.seen.ready
		s.mem.seen.mu.Unlock()
		if ready {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the seen filters were not filled within 5 s")
}
