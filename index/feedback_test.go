package index

import (
	"errors"
	"testing"

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
