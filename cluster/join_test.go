package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// TestReplicaJoinTime measures a new replica's start from a snapshot of N
// PDQ items (100k; 10k with -short; 1M with HERKEN_CLUSTER_TEST_LONG, as
// make cluster-test runs it; HERKEN_JOIN_ITEMS sets it), with 20 changes
// of 50 items stored after the snapshot: the time to fetch it from the
// object store, load it into Badger, open the index (reading the search
// structures the snapshot carries) and catch up with the stream. The
// snapshot is a single node's index seeded into the cluster. It logs the
// figures, and the time the same index takes to open from its own folder,
// for comparison; it checks that the replica holds every item and read
// the snapshot's search structures rather than building them. The 10M
// figure comes from bench/bulkimport/join (this test's NATS server keeps
// at most 1 GiB).
func TestReplicaJoinTime(t *testing.T) {
	n := 100_000
	switch {
	case os.Getenv("HERKEN_JOIN_ITEMS") != "":
		v, err := strconv.Atoi(os.Getenv("HERKEN_JOIN_ITEMS"))
		if err != nil || v < 1 {
			t.Fatalf("HERKEN_JOIN_ITEMS=%q", os.Getenv("HERKEN_JOIN_ITEMS"))
		}
		n = v
	case os.Getenv("HERKEN_CLUSTER_TEST_LONG") != "":
		n = 1_000_000
	case testing.Short():
		n = 10_000
	}
	base := t.TempDir()
	singleDir := filepath.Join(base, "single")
	single, err := index.Open(singleDir, index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s := single.Content()
	if _, err := s.CreateBank(known.Bank{Name: "terror", Enabled: true, Categories: []known.Category{known.Incitement}}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	start := time.Now()
	var last signals.Signal
	for done := 0; done < n; {
		batch := make([]known.Item, 0, min(10_000, n-done))
		for range cap(batch) {
			last = randomPDQ(rng)
			batch = append(batch, known.Item{Bank: "terror", Signals: []signals.Signal{last}, Label: "item", Reference: "ref-" + strconv.Itoa(done)})
		}
		if _, _, err := s.AddItems(batch); err != nil {
			t.Fatal(err)
		}
		done += len(batch)
	}
	build := time.Since(start)

	nats := clustertest.Start(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cl, err := cluster.Connect(ctx, nats.URLs(), cluster.Options{Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	start = time.Now()
	snap, err := cl.Seed(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	seedTook := time.Since(start)
	single.Close()

	// The same index opened from its own folder, for comparison.
	start = time.Now()
	again, err := index.Open(singleDir, index.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ownOpen := time.Since(start)
	again.Close()

	// Changes after the snapshot, sent by a client holding no index.
	w := cl.Writer(nil)
	var after []signals.Signal
	for range 20 {
		var items []known.Item
		for range 50 {
			sg := randomPDQ(rng)
			after = append(after, sg)
			items = append(items, known.Item{Bank: "terror", Signals: []signals.Signal{sg}})
		}
		if _, _, err := w.PublishItems(ctx, items); err != nil {
			t.Fatal(err)
		}
	}

	joinStart := time.Now()
	r, j := join(t, filepath.Join(base, "replica"), nats.URLs()...)
	if j.Snapshot == nil || j.Snapshot.Seq != snap.Seq {
		t.Fatalf("the replica did not start from the snapshot: %+v", j)
	}
	// The snapshot carries its search structures: the replica's open
	// reads them instead of building them from the postings.
	if !j.SavedSearch {
		t.Fatal("the replica built its search structures instead of reading the snapshot's")
	}
	catchUp := caughtUp(t, r, 5*time.Minute)
	total := time.Since(joinStart)
	if ok, _ := matches(t, r.db.Content(), last); !ok {
		t.Fatal("the replica does not match the snapshot's last item")
	}
	for _, sg := range after {
		if ok, _ := matches(t, r.db.Content(), sg); !ok {
			t.Fatal("the replica does not match an item added after the snapshot")
		}
	}
	if c := r.db.Content().Status().Signals["pdq"].Count; c != n+len(after) {
		t.Fatalf("the replica holds %d PDQ, want %d", c, n+len(after))
	}
	// Each phase again, alone, with this process's CPU time (the NATS
	// server runs in it too, so fetch counts both ends): on a machine
	// shared with other work, wall times stretch and CPU times do not.
	phase := func(what string, fn func() error) string {
		wall, cpu := time.Now(), cpuTime()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		w, c := time.Since(wall), cpuTime()-cpu
		return fmt.Sprintf("%s %d ms wall / %d ms CPU (%.2f cores busy)", what, w.Milliseconds(), c.Milliseconds(), c.Seconds()/w.Seconds())
	}
	file := filepath.Join(base, "again.snapshot")
	again2 := filepath.Join(base, "again")
	fetch := phase("fetch", func() error {
		f, err := os.Create(file)
		if err != nil {
			return err
		}
		defer f.Close()
		return cl.FetchSnapshot(ctx, snap, f)
	})
	load := phase("load", func() error {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = index.LoadSnapshot(again2, f, index.Options{})
		return err
	})
	open := phase("open to serving", func() error {
		db, err := index.Open(again2, index.Options{NoSync: true})
		if err != nil {
			return err
		}
		defer db.Close()
		if ok, _ := matches(t, db.Content(), last); !ok {
			return errors.New("the snapshot's last item does not match")
		}
		return nil
	})
	t.Logf("the phases again, alone: %s; %s; %s", fetch, load, open)
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) + " ms" }
	t.Logf("join of a replica from a snapshot of %d PDQ items (%.1f MB), then %d changes: fetch %s, load %s, open %s, catch-up %s; total %s (connect and applier start included)",
		n, float64(snap.Bytes)/1e6, 20, ms(j.Fetch), ms(j.Load), ms(j.Open), ms(catchUp), ms(total))
	t.Logf("for comparison: the same index opened from its own folder %s; building it %s; storing the snapshot %s",
		ms(ownOpen), ms(build), ms(seedTook))
}

// cpuTime is the CPU time this process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
