package cluster_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
	"github.com/atkm/herken/index"
)

// TestStatsPublishedOncePerHour: a replica publishes each hour its audit
// log counted once; started again on the same folder and node, it puts
// nothing it already published, only an hour that changed; a peer's
// reader gets every hour of the period but its own.
func TestStatsPublishedOncePerHour(t *testing.T) {
	nts := clustertest.Start(t, 1)
	cl := connect(t, "a", nts.URL(0))
	now := time.Date(2026, 11, 3, 10, 30, 0, 0, time.UTC)
	dir := filepath.Join(t.TempDir(), "a")
	open := func() *index.DB {
		db, err := index.Open(dir, index.Options{Create: true, NoSync: true, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	for _, h := range []int{8, 9, 9, 10} {
		db.AuditLog().Record(index.AuditRecord{Time: time.Date(2026, 11, 3, h, 5, 0, 0, time.UTC), Action: "lookup", Status: 200, Decision: "no_match"})
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = open()
	defer db.Close()
	_, js := clustertest.JetStream(t, nts.URL(0))
	lastSeq := func() uint64 {
		kv, err := js.KeyValue(context.Background(), cluster.StatsBucket)
		if err != nil {
			t.Fatal(err)
		}
		st, err := kv.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return st.(*jetstream.KeyValueBucketStatus).StreamInfo().State.LastSeq
	}
	publish := func() {
		s, err := cl.Stats(db.AuditLog(), cluster.StatsOptions{Node: "0123456789abcdef", Interval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	publish()
	if n := lastSeq(); n != 3 {
		t.Fatalf("%d puts for 3 hours", n)
	}
	publish()
	if n := lastSeq(); n != 3 {
		t.Fatalf("a restart put %d entries again", n-3)
	}
	db.AuditLog().Record(index.AuditRecord{Time: now, Action: "lookup", Status: 200, Decision: "no_match"})
	if err := db.AuditLog().Expire(); err != nil { // also writes what it holds
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the new record published", func() bool { publish(); return lastSeq() == 4 })

	peer, err := connect(t, "b", nts.URL(0)).Stats(db.AuditLog(), cluster.StatsOptions{Node: "fedcba9876543210", Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	hours, err := peer.Peers(time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	inputs := 0
	for _, h := range hours {
		var v struct {
			Inputs map[string]int `json:"inputs"`
		}
		if err := json.Unmarshal(h, &v); err != nil {
			t.Fatal(err)
		}
		inputs += v.Inputs["hash"]
	}
	// Hours 9 and 10 of a's (8 is before the period); b's own, published
	// at its start, are left out.
	if len(hours) != 2 || inputs != 4 {
		t.Fatalf("peers: %d hours, %d inputs; want 2 hours and 4", len(hours), inputs)
	}
}
