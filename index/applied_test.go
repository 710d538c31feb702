package index

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// logChange is one place of a test log, applied by applyLog.
type logChange struct {
	seq  uint64
	kind string // bank, items, retract, settings, dupbank
	item known.Item
	id   uint64
}

func applyLog(t *testing.T, c *Content, log []logChange) {
	t.Helper()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, ch := range log {
		at := At{Version: ch.seq, Time: base.Add(time.Duration(ch.seq) * time.Second)}
		var err error
		switch ch.kind {
		case "bank":
			err = c.CreateBankAt(at, known.Bank{Name: "b", Enabled: true, Categories: []known.Category{known.Incitement}})
		case "dupbank":
			if err = c.CreateBankAt(at, known.Bank{Name: "b", Enabled: true}); !errors.Is(err, ErrBankExists) {
				t.Fatalf("second bank b: %v, want ErrBankExists", err)
			}
			err = nil
		case "settings":
			_, err = c.SetBankAt(at, known.Bank{Name: "b", Enabled: true, Description: "changed", Categories: []known.Category{known.Incitement}})
		case "items":
			_, err = c.AddItemsAt(at, []known.Item{ch.item})
		case "retract":
			_, err = c.RetractAt(at, ch.id, "wrong", "key:x")
		}
		if err != nil {
			t.Fatalf("seq %d %s: %v", ch.seq, ch.kind, err)
		}
		if c.Version() != ch.seq {
			t.Fatalf("after seq %d the version is %d", ch.seq, c.Version())
		}
	}
}

func TestApplyAtIsDeterministicAndResumes(t *testing.T) {
	pdq := func(n int) known.Item {
		s := sig(t, signals.PDQ, knownPDQ)
		return known.Item{Bank: "b", Signals: []signals.Signal{flip(s, 40+n)}}
	}
	// Gaps (seq 4) are places of the log for other consumers; seq 3 and 7
	// are refused or change nothing and still take their place.
	log := []logChange{
		{seq: 1, kind: "bank"}, {seq: 2, kind: "items", item: pdq(0)}, {seq: 3, kind: "dupbank"},
		{seq: 5, kind: "items", item: pdq(20)}, {seq: 6, kind: "settings"}, {seq: 7, kind: "items", item: pdq(0)},
		{seq: 8, kind: "retract", id: 1},
	}
	a, _ := openNew(t)
	dirB := filepath.Join(t.TempDir(), "b")
	dbB, err := Open(dirB, Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	b := dbB.Content()
	for _, c := range []*Content{a, b} {
		if err := c.Follow("log-1"); err != nil {
			t.Fatal(err)
		}
		applyLog(t, c, log)
	}
	itemsA, err := a.Items(ItemFilter{Bank: "b"})
	if err != nil {
		t.Fatal(err)
	}
	itemsB, _ := b.Items(ItemFilter{Bank: "b"})
	if len(itemsA) != 2 || !reflect.DeepEqual(itemsA, itemsB) {
		t.Fatalf("replicas differ or hold the wrong items:\n%+v\n%+v", itemsA, itemsB)
	}
	if itemsA[0].ID != 1 || itemsA[1].ID != 2 || itemsA[0].Status != known.Retracted {
		t.Fatalf("items %+v", itemsA)
	}
	bankA, _ := a.Bank("b")
	bankB, _ := b.Bank("b")
	if !reflect.DeepEqual(bankA, bankB) || bankA.Description != "changed" || !bankA.CreatedAt.Equal(time.Date(2026, 3, 1, 12, 0, 1, 0, time.UTC)) {
		t.Fatalf("banks %+v %+v", bankA, bankB)
	}
	// Applying a place again is refused and changes nothing.
	if _, err := a.AddItemsAt(At{Version: 8}, []known.Item{pdq(30)}); !errors.Is(err, ErrApplied) {
		t.Fatalf("re-apply: %v, want ErrApplied", err)
	}
	// A follower takes no write of its own.
	if _, _, err := a.AddItems([]known.Item{pdq(30)}); !errors.Is(err, ErrReplica) {
		t.Fatalf("local write on a replica: %v, want ErrReplica", err)
	}
	// Restarted, b resumes at its version, follows the same log only.
	dbB.Close()
	d, err := Open(dirB, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	b = d.Content()
	if b.Version() != 8 {
		t.Fatalf("reopened at version %d, want 8", b.Version())
	}
	// Opened by a single node, the replica's folder takes no write of
	// its own.
	if _, err := b.CreateBank(known.Bank{Name: "c", Enabled: true, Categories: []known.Category{known.Incitement}}); !errors.Is(err, ErrReplica) {
		t.Fatalf("a single-node write to a replica's folder: %v, want ErrReplica", err)
	}
	if err := b.Follow("log-2"); !errors.Is(err, ErrOtherLog) {
		t.Fatalf("follow another log: %v", err)
	}
	if err := b.Follow("log-1"); err != nil {
		t.Fatal(err)
	}
	applyLog(t, b, []logChange{{seq: 9, kind: "items", item: pdq(60)}})
	res := lookupOne(t, b, matcher.Query{Signal: pdq(60).Signals[0], Quality: -1})
	if len(res.Matches) != 1 || res.Matches[0].ItemID != 3 || res.IndexVersion != 9 {
		t.Fatalf("lookup after resume: %+v", res)
	}
}

func TestFollowRefusesContentOfItsOwn(t *testing.T) {
	c, _ := openNew(t)
	mustBank(t, c, "b", true)
	if err := c.Follow("log-1"); !errors.Is(err, ErrOtherLog) {
		t.Fatalf("follow with content: %v", err)
	}
	// The single-node writes still work, one version each.
	mustBank(t, c, "c", true)
	if c.Version() != 2 {
		t.Fatalf("version %d", c.Version())
	}
}
