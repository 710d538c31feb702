package cluster_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// TestSnapshotInParts: a snapshot larger than a part is stored as parts
// and listed once, with its whole size; a replica joins from it (the
// parts fetched in order, its search structures read), the banks are read
// from it, and pruning deletes the parts of the snapshots it drops.
func TestSnapshotInParts(t *testing.T) {
	defer cluster.SetSnapshotPartBytes(64 << 10)()
	base := t.TempDir()
	nats, cl, snap, sigs := seededInParts(t, base, 31)
	rng := rand.New(rand.NewPCG(33, 34))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	list, err := cl.Snapshots(ctx)
	if err != nil || len(list) != 1 || list[0].Parts < 3 || list[0].Bytes != snap.Bytes || int64(snap.Bytes) <= int64(list[0].Parts-1)*(64<<10) {
		t.Fatalf("snapshots listed: %+v (stored %+v), %v", list, snap, err)
	}

	r, j := join(t, filepath.Join(base, "r"), nats.URLs()...)
	if j.Snapshot == nil || j.Snapshot.Seq != snap.Seq || !j.SavedSearch {
		t.Fatalf("join: %+v", j)
	}
	for _, sg := range []signals.Signal{sigs[0], sigs[1500], sigs[2999]} {
		if ok, _ := matches(t, r.db.Content(), sg); !ok {
			t.Fatal("the replica does not match an item of the snapshot")
		}
	}
	// The banks, read from the first part (the stream starts after the
	// seed, so the snapshot answers).
	if b, err := cl.Bank(ctx, "terror"); err != nil || b.Name != "terror" {
		t.Fatalf("bank from the snapshot: %+v %v", b, err)
	}

	// Two more snapshots: the seed's is dropped with its parts.
	var snaps []cluster.SnapshotInfo
	for range 2 {
		if _, _, err := r.writer.PublishItems(ctx, []known.Item{{Bank: "terror", Signals: []signals.Signal{randomPDQ(rng)}}}); err != nil {
			t.Fatal(err)
		}
		caughtUp(t, r, time.Minute)
		info, err := cl.Snapshot(ctx, r.db.Content())
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, info)
	}
	octx, js := clustertest.JetStream(t, nats.URL(0))
	obs, err := js.ObjectStore(octx, cluster.SnapshotBucket)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := obs.List(octx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.Name)
	}
	want := 0
	for _, sn := range snaps {
		want += 1 + sn.Parts
	}
	if len(objs) != want || slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, snap.Name) }) {
		t.Errorf("objects after pruning: %v, want the %d of %+v", names, want, snaps)
	}
}

// TestJoinFromABrokenSnapshot: a replica loads a snapshot as it is
// fetched, so a fetch that breaks off midway (a part gone from the object
// store) must fail the join and leave no index behind: neither a folder
// with part of the snapshot nor the half-written one beside it.
func TestJoinFromABrokenSnapshot(t *testing.T) {
	defer cluster.SetSnapshotPartBytes(64 << 10)()
	base := t.TempDir()
	nats, cl, snap, _ := seededInParts(t, base, 41)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if snap.Parts < 3 {
		t.Fatalf("the snapshot is in %d parts, want 3 or more", snap.Parts)
	}
	octx, js := clustertest.JetStream(t, nats.URL(0))
	obs, err := js.ObjectStore(octx, cluster.SnapshotBucket)
	if err != nil {
		t.Fatal(err)
	}
	if err := obs.Delete(octx, fmt.Sprintf("%s.part-%04d", snap.Name, snap.Parts-1)); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(base, "r")
	db, _, err := cl.OpenReplica(ctx, dir, index.Options{NoSync: true})
	if err == nil {
		db.Close()
		t.Fatal("a replica joined from a snapshot missing a part")
	}
	for _, leftover := range []string{dir, dir + ".loading", dir + ".snapshot"} {
		if entries, rerr := os.ReadDir(leftover); rerr == nil && len(entries) > 0 {
			t.Errorf("the failed join left %s with %d entries (%v)", leftover, len(entries), err)
		}
	}
	t.Logf("join refused: %v", err)
}

// seededInParts makes a single-node store of 3000 random PDQ items in
// base/single, starts a one-node NATS server and seeds the cluster with
// the store: its first snapshot, stored in parts when the caller has made
// parts small. It returns the server, a client (closed at the test's end),
// the snapshot and the items' signals.
func seededInParts(t *testing.T, base string, seed uint64) (*clustertest.NATS, *cluster.Cluster, cluster.SnapshotInfo, []signals.Signal) {
	t.Helper()
	single, err := index.Open(filepath.Join(base, "single"), index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s := single.Content()
	if _, err := s.CreateBank(known.Bank{Name: "terror", Enabled: true, Categories: []known.Category{known.Incitement}}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, seed+1))
	var sigs []signals.Signal
	var items []known.Item
	for range 3000 {
		sg := randomPDQ(rng)
		sigs = append(sigs, sg)
		items = append(items, known.Item{Bank: "terror", Signals: []signals.Signal{sg}})
	}
	if _, _, err := s.AddItems(items); err != nil {
		t.Fatal(err)
	}
	nats := clustertest.Start(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cl, err := cluster.Connect(ctx, nats.URLs(), cluster.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	snap, err := cl.Seed(ctx, s)
	single.Close()
	if err != nil {
		t.Fatal(err)
	}
	return nats, cl, snap, sigs
}
