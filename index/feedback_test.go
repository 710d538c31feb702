package index

import (
	"errors"
	"testing"
	"time"

	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// TestFeedbackPersists: verdicts are counted per item, the last one kept,
// across a reopen, without changing the index version; a verdict on an
// unknown item or an unknown verdict is refused.
func TestFeedbackPersists(t *testing.T) {
	db, dir := openNewDB(t)
	c := db.Content()
	mustBank(t, c, "a", true)
	id := addOne(t, c, known.Item{Bank: "a", Label: "x", Categories: []known.Category{known.Incitement},
		Signals: []signals.Signal{sig(t, signals.MD5, "900150983cd24fb0d6963f7d28e17f72")}})
	version := c.Version()
	for _, v := range []known.Verdict{known.FalsePositive, known.Confirmed, known.FalsePositive} {
		if _, err := c.AddFeedback(id, known.FeedbackEntry{Verdict: v, Note: "checked " + string(v), By: "key:a1"}); err != nil {
			t.Fatal(err)
		}
	}
	if c.Version() != version {
		t.Errorf("feedback changed the index version %d -> %d", version, c.Version())
	}
	if _, err := c.AddFeedback(id+100, known.FeedbackEntry{Verdict: known.Confirmed}); !errors.Is(err, ErrItemNotFound) {
		t.Errorf("feedback on an unknown item: %v", err)
	}
	var invalid *known.InvalidError
	if _, err := c.AddFeedback(id, known.FeedbackEntry{Verdict: "maybe"}); !errors.As(err, &invalid) {
		t.Errorf("unknown verdict: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f, err := db.Content().Feedback(id)
	if err != nil {
		t.Fatal(err)
	}
	if f.ItemID != id || f.Confirmed != 1 || f.FalsePositive != 2 || f.Last == nil || f.Last.Verdict != known.FalsePositive ||
		f.Last.Note != "checked false_positive" || f.Last.By != "key:a1" || f.Last.At.IsZero() {
		t.Errorf("feedback after reopen: %+v %+v", f, f.Last)
	}
	if f, err := db.Content().Feedback(id + 1); err != nil || f.Confirmed+f.FalsePositive != 0 || f.Last != nil {
		t.Errorf("feedback of an item without any: %+v %v", f, err)
	}
}

// TestBankModePersists: a bank's mode and its promotion survive a reopen;
// an unknown mode is refused.
func TestBankModePersists(t *testing.T) {
	db, dir := openNewDB(t)
	c := db.Content()
	if _, err := c.CreateBank(known.Bank{Name: "trial", Enabled: true, Mode: known.Shadow}); err != nil {
		t.Fatal(err)
	}
	var invalid *known.InvalidError
	if _, err := c.CreateBank(known.Bank{Name: "odd", Enabled: true, Mode: "watch"}); !errors.As(err, &invalid) {
		t.Errorf("unknown mode: %v", err)
	}
	if _, err := c.UpdateBank("trial", func(b *known.Bank) error { b.Mode, b.PromotedBy = known.Block, "key:ad"; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if b, err := db.Content().Bank("trial"); err != nil || b.Mode != known.Block || b.PromotedBy != "key:ad" {
		t.Errorf("bank after reopen: %+v %v", b, err)
	}
}

// TestQuarantinePersists: a quarantine holds across a reopen, is listed,
// and a release needs a reason, is recorded in the history, and ends it.
func TestQuarantinePersists(t *testing.T) {
	db, dir := openNewDB(t)
	c := db.Content()
	mustBank(t, c, "a", true)
	id := addOne(t, c, known.Item{Bank: "a", Label: "x", Categories: []known.Category{known.Incitement},
		Signals: []signals.Signal{sig(t, signals.MD5, "900150983cd24fb0d6963f7d28e17f72")}})
	v := c.Version()
	if _, err := c.Quarantine(id, known.Quarantine{Inputs: 9, Limit: 8, Window: time.Hour, By: "flood guard"}); err != nil {
		t.Fatal(err)
	}
	if c.Version() != v+1 {
		t.Errorf("a quarantine left the version at %d", c.Version())
	}
	if _, err := c.Release(id+1, "x", "key:a"); !errors.Is(err, ErrItemNotFound) {
		t.Errorf("release of an unknown item: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c = db.Content()
	q, err := c.QuarantinedItems()
	if err != nil || len(q) != 1 || q[0].ID != id || q[0].Quarantine == nil || q[0].Quarantine.Inputs != 9 {
		t.Fatalf("quarantined after reopen: %+v %v", q, err)
	}
	if _, err := c.Release(id, " ", "key:a"); !errors.Is(err, ErrNoReason) {
		t.Errorf("release without a reason: %v", err)
	}
	it, err := c.Release(id, "a real poster, checked", "key:a")
	if err != nil || it.Quarantine != nil || len(it.History) != 2 || it.History[1].Status != known.Released || it.History[1].By != "key:a" {
		t.Fatalf("released: %+v %v", it, err)
	}
	if _, err := c.Release(id, "again", "key:a"); !errors.Is(err, ErrNotQuarantined) {
		t.Errorf("second release: %v", err)
	}
	if q, _ := c.QuarantinedItems(); len(q) != 0 {
		t.Errorf("still listed: %+v", q)
	}
}
