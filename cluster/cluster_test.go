package cluster_test

import (
	"context"
	"encoding/json"
	"errors"
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
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// replica is one herken replica of a test: its own Badger folder, its
// own connection, its Applier running.
type replica struct {
	dir     string
	db      *index.DB
	cl      *cluster.Cluster
	applier *cluster.Applier
	writer  *cluster.Writer
	stop    context.CancelFunc
	done    chan struct{}
}

func startReplica(t *testing.T, dir string, urls ...string) *replica {
	t.Helper()
	db, err := index.Open(dir, index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl, err := cluster.Connect(ctx, urls, cluster.Options{Name: "test " + dir, Timeout: 2 * time.Second})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	a, err := cl.NewApplier(db.Content())
	if err != nil {
		cl.Close()
		db.Close()
		t.Fatal(err)
	}
	r := &replica{dir: dir, db: db, cl: cl, applier: a, writer: cl.Writer(a), done: make(chan struct{})}
	// Functional tests wait out a busy machine: how fast a change is
	// applied is measured (TestReplicasApplyTheSameStream, the cluster
	// fault test), not asserted.
	r.writer.ApplyTimeout = time.Minute
	var runCtx context.Context
	runCtx, r.stop = context.WithCancel(context.Background())
	go func() { a.Run(runCtx); close(r.done) }()
	t.Cleanup(r.close)
	return r
}

func (r *replica) close() {
	if r.stop == nil {
		return
	}
	r.stop()
	<-r.done
	r.cl.Close()
	r.db.Close()
	r.stop = nil
}

func randomPDQ(rng *rand.Rand) signals.Signal {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	s, err := signals.New(signals.PDQ, b)
	if err != nil {
		panic(err)
	}
	return s
}

// matches reports whether content matches sig, and the version that
// answered.
func matches(t *testing.T, c *index.Content, sig signals.Signal) (bool, uint64) {
	t.Helper()
	res, err := matcher.Identify(c, []matcher.Query{{Signal: sig, Quality: -1}}, matcher.DefaultRule)
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Matches) > 0, res.IndexVersion
}

// matchedID is the id of the item that matches sig.
func matchedID(t *testing.T, c *index.Content, sig signals.Signal) uint64 {
	t.Helper()
	res, err := matcher.Identify(c, []matcher.Query{{Signal: sig, Quality: -1}}, matcher.DefaultRule)
	if err != nil || len(res.Matches) != 1 {
		t.Fatalf("matching %s: %+v %v", sig, res, err)
	}
	return res.Matches[0].ItemID
}

// waitFor polls cond every millisecond until it holds or d passes; it
// returns how long it took.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func TestReplicasApplyTheSameStream(t *testing.T) {
	nats := clustertest.Start(t, 3)
	base := t.TempDir()
	a := startReplica(t, filepath.Join(base, "a"), nats.URLs()...)
	b := startReplica(t, filepath.Join(base, "b"), nats.URL(2), nats.URL(1))

	bank := known.Bank{Name: "terror", Enabled: true, Categories: []known.Category{known.Incitement}}
	seq, err := a.writer.CreateBank(bank)
	if err != nil || seq != 1 {
		t.Fatalf("create bank: seq %d, %v", seq, err)
	}
	if _, err := b.writer.CreateBank(bank); !errors.Is(err, index.ErrBankExists) {
		t.Fatalf("the same bank through b: %v, want ErrBankExists", err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sig := randomPDQ(rng)
	out, version, err := a.writer.AddItems([]known.Item{{Bank: "terror", Signals: []signals.Signal{sig}, Label: "first"}})
	if err != nil || !out[0].Added || out[0].ID != 1 || version != 3 {
		t.Fatalf("add through a: %+v version %d %v", out, version, err)
	}
	if ok, v := matches(t, a.db.Content(), sig); !ok || v != 3 {
		t.Fatalf("a does not match its own write at once (read-your-writes): %v at %d", ok, v)
	}
	waitFor(t, 5*time.Second, "the item matching on b", func() bool { ok, _ := matches(t, b.db.Content(), sig); return ok })

	if _, err := b.writer.Retract(1, "a wrong hash", "key:test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := matches(t, b.db.Content(), sig); ok {
		t.Fatal("b still matches the item it retracted")
	}
	waitFor(t, 5*time.Second, "the retraction on a", func() bool { ok, _ := matches(t, a.db.Content(), sig); return !ok })

	// A quarantine through a holds the item's matches back on b; its
	// release through b ends it on a.
	qsig := randomPDQ(rng)
	qout, _, err := a.writer.AddItems([]known.Item{{Bank: "terror", Signals: []signals.Signal{qsig}}})
	if err != nil || !qout[0].Added {
		t.Fatalf("add: %+v %v", qout, err)
	}
	qid := qout[0].ID
	if it, err := a.writer.Quarantine(qid, known.Quarantine{Inputs: 500, Limit: 100, Window: time.Hour}); err != nil || it.Quarantine == nil {
		t.Fatalf("quarantine through a: %+v %v", it, err)
	}
	waitFor(t, 5*time.Second, "the quarantine on b", func() bool { ok, _ := matches(t, b.db.Content(), qsig); return !ok })
	if _, err := b.writer.Release(qid, "looked at it", "key:test"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.writer.Release(qid, "again", "key:test"); !errors.Is(err, index.ErrNotQuarantined) {
		t.Fatalf("a second release: %v, want ErrNotQuarantined", err)
	}
	waitFor(t, 5*time.Second, "the release on a", func() bool { ok, _ := matches(t, a.db.Content(), qsig); return ok })

	// Freshness: from the stream's acknowledgement of a change to its
	// effect on every replica, over a few hundred additions and a
	// retraction of every fourth item. The changes are sent by a client
	// holding no index (as the admin CLI does), so that the clock starts
	// at the acknowledgement, not after a replica's own apply.
	n := 200
	switch {
	case os.Getenv("HERKEN_CLUSTER_TEST_LONG") != "":
		n = 1000
	case testing.Short():
		n = 60
	}
	client := a.cl.Writer(nil)
	everywhere := func(s signals.Signal, want bool) func() bool {
		return func() bool {
			okA, _ := matches(t, a.db.Content(), s)
			okB, _ := matches(t, b.db.Content(), s)
			return okA == want && okB == want
		}
	}
	var adds, retracts []time.Duration
	for i := range n {
		s := randomPDQ(rng)
		_, err := client.Publish(context.Background(), cluster.Change{Op: cluster.OpAddItems, Items: []known.Item{{Bank: "terror", Signals: []signals.Signal{s}}}})
		if err != nil {
			t.Fatalf("add %d: %v", i, err)
		}
		adds = append(adds, waitFor(t, 5*time.Second, "an addition on every replica", everywhere(s, true)))
		if i%4 == 0 {
			id := matchedID(t, a.db.Content(), s)
			if _, err := client.Publish(context.Background(), cluster.Change{Op: cluster.OpRetract, ID: id, Reason: "freshness", By: "key:test"}); err != nil {
				t.Fatal(err)
			}
			retracts = append(retracts, waitFor(t, 5*time.Second, "a retraction on every replica", everywhere(s, false)))
		}
	}
	t.Logf("freshness, from the acknowledgement to every replica, over %d additions: p50 %s p99 %s max %s; %d retractions: p50 %s p99 %s max %s",
		len(adds), percentile(adds, .5), percentile(adds, .99), percentile(adds, 1),
		len(retracts), percentile(retracts, .5), percentile(retracts, .99), percentile(retracts, 1))

	// Both replicas hold the same items under the same ids and versions.
	waitFor(t, 5*time.Second, "b catching up", func() bool { return b.db.Content().Version() == a.db.Content().Version() })
	itemsA, err := a.db.Content().Items(index.ItemFilter{Bank: "terror", Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	itemsB, _ := b.db.Content().Items(index.ItemFilter{Bank: "terror", Limit: 10000})
	if len(itemsA) != n+2 || len(itemsB) != n+2 {
		t.Fatalf("replicas hold %d and %d items, want %d", len(itemsA), len(itemsB), n+2)
	}
	sameItems(t, itemsA, itemsB)

	// A restarted replica resumes from its applied sequence: it applies
	// what it missed and nothing twice.
	before := b.db.Content().Version()
	b.close()
	for i := range 5 {
		if _, _, err := a.writer.AddItems([]known.Item{{Bank: "terror", Signals: []signals.Signal{randomPDQ(rng)}, Label: fmt.Sprint("while b is down ", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	b = startReplica(t, b.dir, nats.URL(0))
	if v := b.db.Content().Version(); v != before {
		t.Fatalf("b reopened at version %d, want %d", v, before)
	}
	last := a.db.Content().Version()
	// A reopened replica creates its consumer anew, retrying after 0.25,
	// 0.5, 1, 2 and 4 s when a request times out (2 s here): on a busy
	// machine that alone passed 10 s once (CI, applied 258 of 263). The
	// wait ends as soon as it has caught up.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := b.applier.WaitApplied(ctx, last); err != nil {
		t.Fatal(err)
	}
	itemsB, _ = b.db.Content().Items(index.ItemFilter{Bank: "terror", Limit: 10000})
	itemsA, _ = a.db.Content().Items(index.ItemFilter{Bank: "terror", Limit: 10000})
	if len(itemsB) != n+7 || len(itemsA) != n+7 {
		t.Fatalf("after the restart b holds %d items, a %d; want %d", len(itemsB), len(itemsA), n+7)
	}
	sameItems(t, itemsA, itemsB)
	if st := b.applier.Status(); st.AppliedSeq != last || st.Lag != 0 || st.Stale {
		t.Fatalf("status after catching up: %+v (stream at %d)", st, last)
	}
}

func TestCutOffReplicaIsStaleAndRefusesWrites(t *testing.T) {
	nats := clustertest.Start(t, 3)
	proxy := clustertest.NewProxy(t, nats.URL(0))
	base := t.TempDir()
	a := startReplica(t, filepath.Join(base, "a"), nats.URL(1))
	b := startReplica(t, filepath.Join(base, "b"), proxy.URL())
	if _, err := a.writer.CreateBank(known.Bank{Name: "b1", Enabled: true, Categories: []known.Category{known.Incitement}}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	sig := randomPDQ(rng)
	if _, _, err := a.writer.AddItems([]known.Item{{Bank: "b1", Signals: []signals.Signal{sig}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "b applying", func() bool { return b.db.Content().Version() == 2 })

	proxy.Cut()
	// Changes made while b is cut off.
	later := randomPDQ(rng)
	if _, _, err := a.writer.AddItems([]known.Item{{Bank: "b1", Signals: []signals.Signal{later}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "b saying it is stale", func() bool { return b.applier.Status().Stale })
	if ok, v := matches(t, b.db.Content(), sig); !ok || v != 2 {
		t.Fatalf("a cut-off replica stops answering from its last state: %v at %d", ok, v)
	}
	if _, _, err := b.writer.AddItems([]known.Item{{Bank: "b1", Signals: []signals.Signal{randomPDQ(rng)}}}); !errors.Is(err, cluster.ErrUnavailable) {
		t.Fatalf("a write on a cut-off replica: %v, want ErrUnavailable", err)
	}
	if err := b.applier.Writable(); !errors.Is(err, cluster.ErrUnavailable) {
		t.Fatalf("Writable on a cut-off replica: %v", err)
	}
	time.Sleep(1100 * time.Millisecond)
	st := b.applier.Status()
	if st.Connected || st.SecondsSinceContact < 1 || st.AppliedSeq != 2 {
		t.Fatalf("status while cut off: %+v", st)
	}

	proxy.Restore()
	// Reconnecting retries as a restart does (above).
	waitFor(t, time.Minute, "b catching up after the cut", func() bool {
		ok, _ := matches(t, b.db.Content(), later)
		return ok
	})
	waitFor(t, 5*time.Second, "b no longer stale", func() bool { return !b.applier.Status().Stale })
	if _, _, err := b.writer.AddItems([]known.Item{{Bank: "b1", Signals: []signals.Signal{randomPDQ(rng)}}}); err != nil {
		t.Fatalf("a write after the cut: %v", err)
	}
}

func TestFolderWithContentOfItsOwnIsRefused(t *testing.T) {
	nats := clustertest.Start(t, 1)
	dir := filepath.Join(t.TempDir(), "single")
	db, err := index.Open(dir, index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Content().CreateBank(known.Bank{Name: "x", Enabled: true, Categories: []known.Category{known.Incitement}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := cluster.Connect(ctx, nats.URLs(), cluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := cl.NewApplier(db.Content()); !errors.Is(err, index.ErrOtherLog) {
		t.Fatalf("a folder with content of its own as a replica: %v", err)
	}
}

// sameItems fails unless two replicas' items are alike in every field.
func sameItems(t *testing.T, a, b []known.Item) {
	t.Helper()
	for i := range a {
		ja, _ := json.Marshal(a[i])
		jb, _ := json.Marshal(b[i])
		if string(ja) != string(jb) {
			t.Fatalf("item %d differs between replicas:\n%s\n%s", i, ja, jb)
		}
	}
}

func TestConnectSaysWhenNoServerAnswers(t *testing.T) {
	port := clustertest.FreePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, err := cluster.Connect(ctx, []string{fmt.Sprintf("nats://127.0.0.1:%d", port)}, cluster.Options{Timeout: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "no NATS server answered at nats://127.0.0.1:") {
		t.Fatalf("connecting to nothing: %v", err)
	}
}

func TestParseURLs(t *testing.T) {
	got, err := cluster.ParseURLs(" nats://a:4222, ,nats://b:4222")
	if err != nil || len(got) != 2 || got[1] != "nats://b:4222" {
		t.Fatalf("ParseURLs: %v %v", got, err)
	}
	for _, bad := range []string{"", " , ", "http://a:4222", "a:4222"} {
		if _, err := cluster.ParseURLs(bad); err == nil {
			t.Errorf("ParseURLs(%q) accepted", bad)
		}
	}
}

func TestChangeOverTheMessageLimitIsRefused(t *testing.T) {
	nats := clustertest.Start(t, 1)
	r := startReplica(t, filepath.Join(t.TempDir(), "r"), nats.URLs()...)
	if _, err := r.writer.CreateBank(known.Bank{Name: "b", Enabled: true, Categories: []known.Category{known.Incitement}}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	it := known.Item{Bank: "b", Label: strings.Repeat("x", 2<<20), Signals: []signals.Signal{randomPDQ(rng)}}
	var invalid *known.InvalidError
	if _, _, err := r.writer.AddItems([]known.Item{it}); !errors.As(err, &invalid) {
		t.Fatalf("an item of 2 MiB: %v, want an InvalidError", err)
	}
	// Many small items are split into several changes.
	var items []known.Item
	for i := range 3000 {
		items = append(items, known.Item{Bank: "b", Label: strings.Repeat("y", 300) + fmt.Sprint(i), Signals: []signals.Signal{randomPDQ(rng)}})
	}
	out, seq, err := r.writer.AddItems(items)
	if err != nil || len(out) != 3000 || !out[2999].Added || seq < 4 {
		t.Fatalf("3000 items of 300 bytes: %d outcomes, seq %d, %v", len(out), seq, err)
	}
}

// TestReplicaStartsWhileTheClusterIsDown restarts a replica while every
// NATS node is down: it serves its last state, says it is stale and
// refuses writes, and follows the stream once the cluster is back. A new
// folder has nothing to serve and is refused.
func TestReplicaStartsWhileTheClusterIsDown(t *testing.T) {
	nats := clustertest.Start(t, 3)
	dir := filepath.Join(t.TempDir(), "r")
	r := startReplica(t, dir, nats.URLs()...)
	if _, err := r.writer.CreateBank(known.Bank{Name: "b", Enabled: true, Categories: []known.Category{known.Incitement}}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	sig := randomPDQ(rng)
	if _, _, err := r.writer.AddItems([]known.Item{{Bank: "b", Signals: []signals.Signal{sig}}}); err != nil {
		t.Fatal(err)
	}
	r.close()
	nats.Shutdown()

	db, err := index.Open(dir, index.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cl, err := cluster.Dial(nats.URLs(), cluster.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	a, err := cl.NewApplier(db.Content())
	if err != nil {
		t.Fatalf("a replica's folder while the cluster is down: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	if ok, v := matches(t, db.Content(), sig); !ok || v != 2 {
		t.Fatalf("the last state: matched %v at %d", ok, v)
	}
	if st := a.Status(); !st.Stale || st.Connected {
		t.Fatalf("status while the cluster is down: %+v", st)
	}
	w := cl.Writer(a)
	if _, _, err := w.AddItems([]known.Item{{Bank: "b", Signals: []signals.Signal{randomPDQ(rng)}}}); !errors.Is(err, cluster.ErrUnavailable) {
		t.Fatalf("a write while the cluster is down: %v", err)
	}
	fresh, err := index.Open(filepath.Join(t.TempDir(), "new"), index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := cl.NewApplier(fresh.Content()); !errors.Is(err, cluster.ErrUnavailable) {
		t.Fatalf("a new folder while the cluster is down: %v", err)
	}

	for i := range 3 {
		nats.StartNode(i)
	}
	select {
	case <-cl.Ready():
	case <-time.After(60 * time.Second):
		t.Fatal("the stream was not reached after the cluster came back")
	}
	later := randomPDQ(rng)
	waitFor(t, 30*time.Second, "a write once the cluster is back", func() bool {
		// An attempt that timed out may have been stored: a later one
		// then finds the item present.
		_, _, err := w.AddItems([]known.Item{{Bank: "b", Signals: []signals.Signal{later}}})
		return err == nil
	})
	if ok, v := matches(t, db.Content(), later); !ok || v < 3 {
		t.Fatalf("after the cluster came back: matched %v at %d", ok, v)
	}
	waitFor(t, 5*time.Second, "no longer stale", func() bool { return !a.Status().Stale })
}
