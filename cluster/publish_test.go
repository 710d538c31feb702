package cluster_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/importer"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// TestImportFailingMidway sends an import through a replica's writer,
// several changes in flight at once, to a stream that takes only three
// more messages: the import fails, says why, and its summary accounts
// for every item: those of the three stored changes as added (and the
// replica holds exactly them, whole), the rest as not stored.
func TestImportFailingMidway(t *testing.T) {
	nats := clustertest.Start(t, 1)
	r := startReplica(t, filepath.Join(t.TempDir(), "r"), nats.URLs()...)
	if _, err := r.writer.CreateBank(known.Bank{Name: "b", Enabled: true, Categories: []known.Category{known.Incitement}}); err != nil {
		t.Fatal(err)
	}
	ctx, js := clustertest.JetStream(t, nats.URL(0))
	st, err := js.Stream(ctx, cluster.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := info.Config
	cfg.MaxMsgs, cfg.Discard = int64(info.State.Msgs)+3, jetstream.DiscardNew
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}

	// About 1,300 of these items fill a change: 12,000 make nine or ten.
	rng := rand.New(rand.NewPCG(5, 6))
	var list strings.Builder
	var sigs []signals.Signal
	const n = 12000
	for range n {
		s := randomPDQ(rng)
		sigs = append(sigs, s)
		fmt.Fprintf(&list, "%s,%s\n", s.String(), strings.Repeat("l", 300))
	}
	im, err := importer.New(r.writer, "b", "key:test")
	if err != nil {
		t.Fatal(err)
	}
	if im.BatchItems < n {
		t.Fatalf("a replica's import batch is %d items: the test wants one batch of %d", im.BatchItems, n)
	}
	err = im.List(context.Background(), "list.csv", strings.NewReader("pdq,label\n"+list.String()))
	if ferr := im.Flush(); err == nil {
		err = ferr
	}
	if err == nil {
		t.Fatal("the import into a full stream succeeded")
	}
	sum := im.Summary()
	t.Logf("import: %v; summary read %d added %d present %d rejected %d not stored %d",
		err, sum.Read, sum.Added, sum.Present, len(sum.Rejected), sum.NotStored)
	if sum.Read != n || sum.Added+sum.NotStored != n || sum.Present != 0 || len(sum.Rejected) != 0 {
		t.Fatalf("summary %+v does not account for the %d items", sum, n)
	}
	if sum.Added == 0 || sum.NotStored == 0 {
		t.Fatalf("added %d, not stored %d: want three changes stored and the rest refused", sum.Added, sum.NotStored)
	}
	// The stream holds the bank and three changes, the replica exactly
	// the items the summary calls added: a prefix of the list, each whole.
	ictx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err = st.Info(ictx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != uint64(cfg.MaxMsgs) {
		t.Errorf("the stream holds %d messages, want %d", info.State.Msgs, cfg.MaxMsgs)
	}
	var held []known.Item
	after := uint64(0)
	for {
		page, err := r.db.Content().Items(index.ItemFilter{Bank: "b", After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		held = append(held, page...)
		after = page[len(page)-1].ID
	}
	if len(held) != sum.Added {
		t.Fatalf("the replica holds %d items, the summary says %d were added", len(held), sum.Added)
	}
	for i, it := range held {
		if len(it.Signals) != 1 || it.Signals[0] != sigs[i] {
			t.Fatalf("item %d holds %v, want line %d's hash", it.ID, it.Signals, i+1)
		}
	}
	if ok, _ := matches(t, r.db.Content(), sigs[sum.Added]); ok {
		t.Error("the first item not stored matches on the replica")
	}
}
