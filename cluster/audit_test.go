package cluster_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
	"github.com/atkm/herken/index"
)

func openAudit(t *testing.T, cl *cluster.Cluster, opts cluster.AuditOptions) *cluster.Audit {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := cl.Audit(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(time.Second) })
	return a
}

// auditMaxAge is the audit stream's MaxAge, read with a connection of its
// own.
func auditMaxAge(t *testing.T, url string) time.Duration {
	t.Helper()
	ctx, js := clustertest.JetStream(t, url)
	s, err := js.Stream(ctx, cluster.AuditStreamName)
	if err != nil {
		t.Fatal(err)
	}
	return s.CachedInfo().Config.MaxAge
}

// TestAuditStream: records written through one replica are read through
// another, with the filters of a single node's log; the stream's MaxAge
// is the retention; the local log gets the records too.
func TestAuditStream(t *testing.T) {
	nts := clustertest.Start(t, 3)
	ca := connect(t, "a", nts.URL(0))
	cb := connect(t, "b", nts.URL(2))
	if recs, err := cb.QueryAudit(context.Background(), index.AuditQuery{}); err != nil || len(recs) != 0 {
		t.Fatalf("before any audit stream: %v %v", recs, err)
	}
	local, err := index.Open(t.TempDir(), index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	aa := openAudit(t, ca, cluster.AuditOptions{Retention: 36 * time.Hour, Node: "replica a", Local: local.AuditLog()})
	if got := auditMaxAge(t, nts.URL(1)); got != 36*time.Hour {
		t.Fatalf("MaxAge %s, want the retention 36h", got)
	}
	ab := openAudit(t, cb, cluster.AuditOptions{Retention: 36 * time.Hour, Node: "b"})

	t0 := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	for i := range 30 {
		action := "lookup"
		if i%3 == 0 {
			action = "match"
		}
		aa.Record(index.AuditRecord{Time: t0.Add(time.Duration(i) * time.Second), KeyID: fmt.Sprintf("key%d", i%2),
			Role: "crawler", Action: action, Status: 200, Decision: "no_match"})
	}
	ab.Record(index.AuditRecord{KeyID: "keyb", Action: "keys_create", Status: 201, Decision: "done"})
	var all []index.AuditRecord
	waitFor(t, 5*time.Second, "a's records read through b", func() bool {
		all, err = ab.Query(index.AuditQuery{Limit: 1000})
		return err == nil && len(all) == 31
	})
	for i := 1; i < len(all); i++ {
		if all[i].Time.Before(all[i-1].Time) {
			t.Fatalf("not oldest first at %d: %s after %s", i, all[i].Time, all[i-1].Time)
		}
	}
	if all[30].KeyID != "keyb" || all[0].Time != t0 {
		t.Fatalf("first %+v, last %+v", all[0], all[30])
	}
	for _, c := range []struct {
		q    index.AuditQuery
		want int
	}{
		{index.AuditQuery{KeyID: "key1"}, 15},
		{index.AuditQuery{Action: "match"}, 10},
		{index.AuditQuery{KeyID: "key0", Action: "match"}, 5},
		{index.AuditQuery{Since: t0.Add(10 * time.Second), Until: t0.Add(20 * time.Second)}, 10},
		{index.AuditQuery{Until: t0.Add(5 * time.Second)}, 5},
		{index.AuditQuery{Limit: 7}, 7},
		{index.AuditQuery{}, 31}, // default limit 100
		{index.AuditQuery{Since: time.Now().Add(time.Hour)}, 0},
		{index.AuditQuery{KeyID: "nobody"}, 0},
	} {
		got, err := aa.Query(c.q)
		if err != nil || len(got) != c.want {
			t.Errorf("%+v: %d records (%v), want %d", c.q, len(got), err, c.want)
		}
	}
	// The local log has a's records, for this replica's statistics.
	waitFor(t, 5*time.Second, "the local copy", func() bool {
		recs, err := local.AuditLog().Query(index.AuditQuery{Limit: 1000})
		return err == nil && len(recs) == 30
	})

	// A replica started with another retention sets the stream's.
	cc := connect(t, "c", nts.URL(1))
	openAudit(t, cc, cluster.AuditOptions{Retention: 48 * time.Hour, Node: "c"})
	if got := auditMaxAge(t, nts.URL(0)); got != 48*time.Hour {
		t.Fatalf("MaxAge %s after a replica with 48h, want 48h", got)
	}
	if _, err := cc.Audit(context.Background(), cluster.AuditOptions{Retention: 400 * 24 * time.Hour}); err == nil {
		t.Fatal("a retention beyond a year was taken")
	}
}

// TestAuditCutOff: while NATS does not take records, Record keeps
// returning at once, the buffer keeps at most its bound and counts what
// it drops, and what it kept reaches the stream once NATS is back.
func TestAuditCutOff(t *testing.T) {
	nts := clustertest.Start(t, 1)
	proxy := clustertest.NewProxy(t, nts.URL(0))
	cb := connect(t, "b", nts.URL(0))
	cp := connect(t, "cut", proxy.URL())
	a := openAudit(t, cp, cluster.AuditOptions{Retention: time.Hour, Node: "cut", Buffer: 10, Interval: 20 * time.Millisecond})
	a.Record(index.AuditRecord{Action: "before", Decision: "done"})
	waitFor(t, 5*time.Second, "the first record sent", func() bool { return a.Sent() == 1 })

	proxy.Cut()
	start := time.Now()
	for i := range 25 {
		a.Record(index.AuditRecord{Action: "during", Decision: "done", Detail: fmt.Sprint(i)})
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("25 records took %s to record while cut off", d)
	}
	if a.Pending() != 10 || a.Dropped() != 15 {
		t.Fatalf("pending %d, dropped %d; want 10 and 15", a.Pending(), a.Dropped())
	}
	proxy.Restore()
	waitFor(t, 20*time.Second, "the buffer sent after the cut", func() bool { return a.Pending() == 0 })
	recs, err := cb.QueryAudit(context.Background(), index.AuditQuery{Action: "during"})
	if err != nil || len(recs) != 10 || recs[0].Detail != "0" || recs[9].Detail != "9" {
		t.Fatalf("after the cut: %d records %v; want the first 10", len(recs), err)
	}

	// A replica started while cut off holds its records until NATS
	// answers.
	proxy.Cut()
	cd, err := cluster.Dial([]string{proxy.URL()}, cluster.Options{Name: "test started cut off", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	ad, err := cd.Audit(ctx, cluster.AuditOptions{Retention: time.Hour, Node: "late", Interval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer ad.Close(time.Second)
	ad.Record(index.AuditRecord{Action: "started cut off", Decision: "done"})
	time.Sleep(100 * time.Millisecond)
	if ad.Pending() != 1 {
		t.Fatalf("pending %d while cut off, want 1", ad.Pending())
	}
	proxy.Restore()
	waitFor(t, 20*time.Second, "the record of a replica started cut off", func() bool {
		recs, err := cb.QueryAudit(context.Background(), index.AuditQuery{Action: "started cut off"})
		return err == nil && len(recs) == 1
	})
}

// TestAuditStreamRate measures how fast one replica's records reach a
// 3-node stream, against its own Badger audit log in the same run (long
// mode only: HERKEN_CLUSTER_TEST_LONG=1).
func TestAuditStreamRate(t *testing.T) {
	if os.Getenv("HERKEN_CLUSTER_TEST_LONG") == "" {
		t.Skip("a measurement: HERKEN_CLUSTER_TEST_LONG=1")
	}
	nts := clustertest.Start(t, 3)
	a := openAudit(t, connect(t, "a", nts.URL(0)), cluster.AuditOptions{Retention: time.Hour, Node: "a", Buffer: 1 << 20})
	local, err := index.Open(t.TempDir(), index.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	const n = 200_000
	rec := func(i int) index.AuditRecord {
		return index.AuditRecord{KeyID: "0123456789ab", Role: "crawler", Action: "lookup", Status: 200, Decision: "no_match",
			URL: fmt.Sprintf("https://example.org/picture/%d.jpg", i)}
	}
	start := time.Now()
	for i := range n {
		a.Record(rec(i))
	}
	recordTook := time.Since(start)
	waitFor(t, 2*time.Minute, "every record sent", func() bool { return a.Sent() == n })
	streamTook := time.Since(start)
	start = time.Now()
	for i := range n {
		local.AuditLog().Record(rec(i))
	}
	localTook := time.Since(start)
	t.Logf("%d records: Record %.0f ns each (the local Badger log's Record: %.0f ns); all in the stream after %s: %.0f records/s (dropped %d)",
		n, float64(recordTook.Nanoseconds())/n, float64(localTook.Nanoseconds())/n, streamTook.Round(time.Millisecond), n/streamTook.Seconds(), a.Dropped())
	start = time.Now()
	recs, err := a.Query(index.AuditQuery{Action: "lookup", Limit: 10000})
	t.Logf("reading 10000 of them back: %s (%d, %v)", time.Since(start), len(recs), err)
}

// TestAuditManyBatches: records from concurrent goroutines, over many
// messages (the sender swapping its buffer with Record's each time it
// has sent all it took), reach the stream each once, each goroutine's in
// its order.
func TestAuditManyBatches(t *testing.T) {
	nts := clustertest.Start(t, 1)
	cl := connect(t, "many", nts.URL(0))
	a := openAudit(t, cl, cluster.AuditOptions{Retention: time.Hour, Node: "many", Interval: 5 * time.Millisecond})
	const writers, each = 4, 2000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				a.Record(index.AuditRecord{Action: fmt.Sprintf("w%d", w), Decision: "done", Detail: strconv.Itoa(i)})
				if i%100 == 0 {
					time.Sleep(time.Millisecond) // let the sender take a batch
				}
			}
		})
	}
	wg.Wait()
	waitFor(t, 20*time.Second, "every record sent", func() bool { return a.Sent() == writers*each })
	if a.Pending() != 0 || a.Dropped() != 0 {
		t.Fatalf("pending %d, dropped %d", a.Pending(), a.Dropped())
	}
	for w := range writers {
		recs, err := cl.QueryAudit(context.Background(), index.AuditQuery{Action: fmt.Sprintf("w%d", w), Limit: 10000})
		if err != nil || len(recs) != each {
			t.Fatalf("writer %d: %d records (%v), want %d", w, len(recs), err, each)
		}
		for i, r := range recs {
			if r.Detail != strconv.Itoa(i) {
				t.Fatalf("writer %d: record %d is %q", w, i, r.Detail)
			}
		}
	}
}

// BenchmarkAuditRecord: what recording a request costs the request's
// goroutine, from 1..GOMAXPROCS goroutines at once: the replica's audit
// (the cluster's stream, records also given to the folder's log) against
// a single node's (the folder's log alone). Both only append to a buffer;
// encoding and sending are their senders' work. A burst this fast outruns
// both senders: the figures include the buffers' growth.
func BenchmarkAuditRecord(b *testing.B) {
	nats := clustertest.Start(b, 1)
	db, err := index.Open(b.TempDir(), index.Options{Create: true, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := cluster.Connect(ctx, nats.URLs(), cluster.Options{Name: "bench audit"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cl.Close)
	a, err := cl.Audit(ctx, cluster.AuditOptions{Retention: time.Hour, Local: db.AuditLog(), Buffer: 1 << 22})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close(5 * time.Second) })
	rec := index.AuditRecord{KeyID: "k1", Role: "reader", Action: "lookup", Status: 200, Decision: "no_match", URL: "/v1/lookup"}
	for _, c := range []struct {
		name   string
		record func(index.AuditRecord)
	}{{"single", db.AuditLog().Record}, {"replica", a.Record}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.record(rec)
				}
			})
		})
	}
}
