package cluster_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
	"github.com/atkm/herken/matcher/known"
)

// TestAssetsWaitForLeaders: with two of three NATS nodes gone for longer
// than a request's timeout (no quorum: no stream or meta leader), looking
// up or making the snapshot store and the lease bucket, and reading a bank
// by replaying the stream, wait for the cluster instead of failing after
// one request, and succeed once the nodes are back; as the replicas of a
// cluster just formed must while it elects its leaders.
func TestAssetsWaitForLeaders(t *testing.T) {
	nats := clustertest.Start(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The client talks to node 0, which stays up.
	cl, err := cluster.Connect(ctx, []string{nats.URL(0)}, cluster.Options{Name: "test wait", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	bank := known.Bank{Name: "early", Enabled: true, Categories: []known.Category{known.Incitement}}
	if _, err := cl.Writer(nil).Publish(ctx, cluster.Change{Op: cluster.OpCreateBank, Bank: &bank}); err != nil {
		t.Fatal(err)
	}

	nats.StopNode(1)
	nats.StopNode(2)
	var wg sync.WaitGroup
	var snapErr, leaseErr, bankErr error
	var got known.Bank
	wg.Add(3)
	go func() { defer wg.Done(); _, snapErr = cl.Snapshots(ctx) }()
	go func() { defer wg.Done(); _, leaseErr = cl.Leases(ctx, 0) }()
	go func() { defer wg.Done(); got, bankErr = cl.Bank(ctx, bank.Name) }()
	// Longer than a request's timeout, and than the first tries' pauses.
	time.Sleep(5 * time.Second)
	nats.StartNode(1)
	nats.StartNode(2)
	start := time.Now()
	wg.Wait()
	t.Logf("answered %v after the nodes came back", time.Since(start).Round(time.Millisecond))
	if snapErr != nil {
		t.Errorf("snapshot store: %v", snapErr)
	}
	if leaseErr != nil {
		t.Errorf("lease bucket: %v", leaseErr)
	}
	if bankErr != nil || got.Name != bank.Name {
		t.Errorf("bank: %+v, %v", got, bankErr)
	}
}

// TestAssetsGiveUpWithTheContext: the wait ends with the caller's context,
// as ErrUnavailable naming what was waited for.
func TestAssetsGiveUpWithTheContext(t *testing.T) {
	nats := clustertest.Start(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl, err := cluster.Connect(ctx, []string{nats.URL(0)}, cluster.Options{Name: "test give up", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	nats.StopNode(1)
	nats.StopNode(2)
	short, cancelShort := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancelShort()
	_, err = cl.Snapshots(short)
	if err == nil || !errors.Is(err, cluster.ErrUnavailable) || !strings.Contains(err.Error(), cluster.SnapshotBucket) {
		t.Fatalf("snapshots without a quorum: %v", err)
	}
}
