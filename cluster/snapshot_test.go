package cluster_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// join starts a replica the way serve --cluster does: its index opened by
// OpenReplica (from a snapshot when the folder is new or behind), then
// its Applier run. It returns the replica and how the index was opened.
func join(t *testing.T, dir string, urls ...string) (*replica, cluster.Join) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cl, err := cluster.Connect(ctx, urls, cluster.Options{Name: "test " + dir, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	db, j, err := cl.OpenReplica(ctx, dir, index.Options{NoSync: true})
	if err != nil {
		cl.Close()
		t.Fatal(err)
	}
	a, err := cl.NewApplier(db.Content())
	if err != nil {
		cl.Close()
		db.Close()
		t.Fatal(err)
	}
	r := &replica{dir: dir, db: db, cl: cl, applier: a, writer: cl.Writer(a), done: make(chan struct{})}
	var runCtx context.Context
	runCtx, r.stop = context.WithCancel(context.Background())
	go func() { a.Run(runCtx); close(r.done) }()
	t.Cleanup(r.close)
	return r, j
}

// caughtUp waits until r has applied everything the stream holds.
func caughtUp(t *testing.T, r *replica, d time.Duration) time.Duration {
	t.Helper()
	last, err := r.cl.LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := r.applier.WaitApplied(ctx, last); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

// sameContent fails unless a and b hold the same version and items.
func sameContent(t *testing.T, a, b *index.Content, items uint64) {
	t.Helper()
	if a.Version() != b.Version() {
		t.Fatalf("versions %d and %d", a.Version(), b.Version())
	}
	for id := uint64(1); id <= items+1; id++ {
		x, errA := a.Item(id)
		y, errB := b.Item(id)
		if !reflect.DeepEqual(x, y) || (errA == nil) != (errB == nil) {
			t.Fatalf("item %d: %+v (%v) and %+v (%v)", id, x, errA, y, errB)
		}
	}
	sa, sb := a.Status(), b.Status()
	if !reflect.DeepEqual(sa.Signals["pdq"].Count, sb.Signals["pdq"].Count) || sa.Banks != sb.Banks {
		t.Fatalf("status %+v and %+v", sa, sb)
	}
}

func addRandom(t *testing.T, w *cluster.Writer, rng *rand.Rand, n int) []signals.Signal {
	t.Helper()
	var items []known.Item
	var sigs []signals.Signal
	for range n {
		s := randomPDQ(rng)
		sigs = append(sigs, s)
		items = append(items, known.Item{Bank: "terror", Signals: []signals.Signal{s}, Label: "x"})
	}
	if _, _, err := w.PublishItems(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	return sigs
}

// TestReplicaJoinsFromSnapshot: replica A applies changes and a snapshot
// of its index is stored; replica B, started with an empty folder, loads
// it and applies only the changes after it (a retraction of an item in
// the snapshot among them), and holds what A holds. B restarted with its
// own folder loads no snapshot; B behind the stream's first sequence
// (the stream purged past it) moves its folder aside and loads the newest
// snapshot.
func TestReplicaJoinsFromSnapshot(t *testing.T) {
	nats := clustertest.Start(t, 3)
	base := t.TempDir()
	a, j := join(t, filepath.Join(base, "a"), nats.URLs()...)
	if j.Snapshot != nil {
		t.Fatalf("a snapshot loaded from an empty cluster: %+v", j)
	}
	if _, err := a.writer.CreateBank(known.Bank{Name: "terror", Enabled: true, Categories: []known.Category{known.Incitement}}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	sigs := addRandom(t, a.writer, rng, 500)
	caughtUp(t, a, 30*time.Second)
	ctx := context.Background()
	snap, err := a.cl.Snapshot(ctx, a.db.Content())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Seq != a.db.Content().Version() {
		t.Fatalf("snapshot at %d, a at %d", snap.Seq, a.db.Content().Version())
	}
	// After the snapshot: more items and a retraction of one inside it.
	sigs = append(sigs, addRandom(t, a.writer, rng, 100)...)
	if _, err := a.writer.Retract(7, "wrong", "test"); err != nil {
		t.Fatal(err)
	}

	b, j := join(t, filepath.Join(base, "b"), nats.URL(2), nats.URL(1))
	if j.Snapshot == nil || j.Snapshot.Seq != snap.Seq || j.Reason != "new folder" {
		t.Fatalf("b did not start from the snapshot at %d: %+v", snap.Seq, j)
	}
	if v := b.db.Content().Version(); v != snap.Seq {
		t.Fatalf("b opened at %d, the snapshot is at %d", v, snap.Seq)
	}
	caughtUp(t, b, 30*time.Second)
	caughtUp(t, a, 30*time.Second)
	sameContent(t, a.db.Content(), b.db.Content(), uint64(len(sigs)))
	if ok, _ := matches(t, b.db.Content(), sigs[6]); ok {
		t.Fatal("b matches the item retracted after the snapshot")
	}
	if ok, _ := matches(t, b.db.Content(), sigs[len(sigs)-1]); !ok {
		t.Fatal("b does not match an item added after the snapshot")
	}

	// Restarted with its own folder: no snapshot, only the changes it
	// missed.
	b.close()
	sigs = append(sigs, addRandom(t, a.writer, rng, 50)...)
	b, j = join(t, b.dir, nats.URLs()...)
	if j.Snapshot != nil || j.MovedAside != "" {
		t.Fatalf("b restarted with its folder loaded a snapshot: %+v", j)
	}
	caughtUp(t, b, 30*time.Second)
	caughtUp(t, a, 30*time.Second)
	sameContent(t, a.db.Content(), b.db.Content(), uint64(len(sigs)))

	// Behind: b stops, the cluster moves on, snapshots and drops the
	// changes b would need.
	b.close()
	sigs = append(sigs, addRandom(t, a.writer, rng, 50)...)
	caughtUp(t, a, 30*time.Second)
	snap2, err := a.cl.Snapshot(ctx, a.db.Content())
	if err != nil {
		t.Fatal(err)
	}
	sigs = append(sigs, addRandom(t, a.writer, rng, 20)...)
	purgeTo(t, nats.URL(0), snap2.Seq+1)
	// Opened without looking at the stream (as a replica started while
	// the cluster was down), its Applier must not skip the changes the
	// stream dropped: it stops, and says so.
	behind := startReplica(t, b.dir, nats.URLs()...)
	v := behind.db.Content().Version()
	waitFor(t, 10*time.Second, "the applier refusing the gap", func() bool {
		return strings.Contains(behind.applier.Status().Error, "no longer holds")
	})
	if got := behind.db.Content().Version(); got != v {
		t.Fatalf("a replica at %d behind the stream's first sequence %d applied up to %d", v, snap2.Seq+1, got)
	}
	behind.close()
	b, j = join(t, b.dir, nats.URLs()...)
	if j.Snapshot == nil || j.Snapshot.Seq != snap2.Seq || j.MovedAside == "" {
		t.Fatalf("b behind the stream did not load the newest snapshot: %+v", j)
	}
	if _, err := os.Stat(filepath.Join(j.MovedAside, "MANIFEST")); err != nil {
		t.Fatalf("the folder moved aside: %v", err)
	}
	caughtUp(t, b, 30*time.Second)
	caughtUp(t, a, 30*time.Second)
	sameContent(t, a.db.Content(), b.db.Content(), uint64(len(sigs)))
	list, err := a.cl.Snapshots(ctx)
	if err != nil || len(list) != 2 || list[1].Seq != snap2.Seq {
		t.Fatalf("snapshots kept: %+v %v", list, err)
	}
}

// purgeTo drops the stream's changes before seq, as a limit on the
// stream would.
func purgeTo(t *testing.T, url string, seq uint64) {
	t.Helper()
	ctx, js := clustertest.JetStream(t, url)
	s, err := js.Stream(ctx, cluster.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(ctx, jetstream.WithPurgeSequence(seq)); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotsMadeByTheLeaseHolder: two replicas run the snapshot loop;
// snapshots follow the changes, only the newest two are kept, and the
// stream, trimmed, keeps the changes after the older one.
func TestSnapshotsMadeByTheLeaseHolder(t *testing.T) {
	nats := clustertest.Start(t, 1)
	base := t.TempDir()
	a, _ := join(t, filepath.Join(base, "a"), nats.URLs()...)
	b, _ := join(t, filepath.Join(base, "b"), nats.URLs()...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := cluster.SnapshotPolicy{Every: 5, Check: 50 * time.Millisecond, TrimStream: true}
	for _, r := range []*replica{a, b} {
		l, err := r.cl.Leases(ctx, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		go r.cl.RunSnapshots(ctx, l, r.db.Content(), p)
	}
	if _, err := a.writer.CreateBank(known.Bank{Name: "terror", Enabled: true, Categories: []known.Category{known.Incitement}}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 4 {
		for range 6 {
			addRandom(t, b.writer, rng, 3)
		}
		time.Sleep(200 * time.Millisecond)
	}
	last, _ := a.cl.LastSeq(ctx)
	waitFor(t, 10*time.Second, "a snapshot within 5 changes of the stream's end, the older ones deleted", func() bool {
		list, err := a.cl.Snapshots(ctx)
		return err == nil && len(list) == 2 && list[1].Seq+5 > last
	})
	list, err := a.cl.Snapshots(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("snapshots kept: %+v %v", list, err)
	}
	// Trimmed: the stream starts after the older snapshot, and a new
	// replica starts from the newest one.
	waitFor(t, 5*time.Second, "the stream trimmed", func() bool {
		list, _ := a.cl.Snapshots(ctx)
		first, err := a.cl.FirstSeq(ctx)
		return err == nil && len(list) == 2 && first == list[0].Seq+1
	})
	c, j := join(t, filepath.Join(base, "c"), nats.URLs()...)
	if j.Snapshot == nil {
		t.Fatalf("a new replica of a trimmed stream: %+v", j)
	}
	caughtUp(t, c, 10*time.Second)
	caughtUp(t, a, 10*time.Second)
	sameContent(t, a.db.Content(), c.db.Content(), 100)
}

// TestSeedFromSingleNode: a single node's index seeds an empty cluster: it
// becomes the first snapshot, the stream continues after its version, a
// new replica starts from it and applies changes after it; seeding again
// is refused, and so is an empty replica when the stream starts past
// sequence 1 without a snapshot.
func TestSeedFromSingleNode(t *testing.T) {
	nats := clustertest.Start(t, 1)
	base := t.TempDir()
	single, err := index.Open(filepath.Join(base, "single"), index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer single.Close()
	s := single.Content()
	if _, err := s.CreateBank(known.Bank{Name: "terror", Enabled: true, Categories: []known.Category{known.Incitement}}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	var sigs []signals.Signal
	for range 10 {
		var items []known.Item
		for range 30 {
			sg := randomPDQ(rng)
			sigs = append(sigs, sg)
			items = append(items, known.Item{Bank: "terror", Signals: []signals.Signal{sg}})
		}
		if _, _, err := s.AddItems(items); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Retract(2, "wrong", "test"); err != nil {
		t.Fatal(err)
	}
	v := s.Version()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl, err := cluster.Connect(ctx, nats.URLs(), cluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	// Before the seed's snapshot is stored, with the stream moved on
	// (a seed stopped half-way), an empty replica refuses to start.
	purgeTo(t, nats.URL(0), v+1)
	db, _, err := cl.OpenReplica(ctx, filepath.Join(base, "early"), index.Options{NoSync: true})
	if err == nil || !strings.Contains(err.Error(), "no snapshot covers") {
		if db != nil {
			db.Close()
		}
		t.Fatalf("an empty replica without a snapshot of the start: %v", err)
	}

	info, err := cl.Seed(ctx, s)
	if err != nil || info.Seq != v {
		t.Fatalf("seed: %+v %v (version %d)", info, err, v)
	}
	if _, err := cl.Seed(ctx, s); err == nil {
		t.Fatal("seeded twice")
	}
	// The admin CLI's view of a bank starts from the snapshot too.
	if b, err := cl.Bank(ctx, "terror"); err != nil || !b.Enabled {
		t.Fatalf("the seeded bank through the cluster: %+v %v", b, err)
	}
	if _, err := cl.Bank(ctx, "nope"); !errors.Is(err, index.ErrBankNotFound) {
		t.Fatalf("a bank neither seeded nor created: %v", err)
	}
	r, j := join(t, filepath.Join(base, "r"), nats.URLs()...)
	if j.Snapshot == nil || j.Snapshot.Seq != v || r.db.Content().Version() != v {
		t.Fatalf("the replica did not start from the seed: %+v at %d", j, r.db.Content().Version())
	}
	sameContent(t, s, r.db.Content(), uint64(len(sigs)))
	out, seq, err := r.writer.AddItems([]known.Item{{Bank: "terror", Signals: []signals.Signal{randomPDQ(rng)}}})
	if err != nil || seq != v+1 || !out[0].Added || out[0].ID != uint64(len(sigs)+1) {
		t.Fatalf("the first change after the seed: %+v at %d, %v", out, seq, err)
	}
	// The single node's folder is not a replica: it cannot follow.
	if _, err := cl.NewApplier(s); !errors.Is(err, index.ErrOtherLog) {
		t.Fatalf("the seeding folder followed the cluster: %v", err)
	}
}
