package cluster_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
)

// contender is one replica contending for a lease: it counts how many
// contenders work at once.
type contender struct {
	cl     *cluster.Cluster
	leases *cluster.Leases
	stop   context.CancelFunc
	done   chan struct{}
	// working is set while this contender runs the work.
	working atomic.Bool
}

func contend(t *testing.T, urls []string, ttl time.Duration, name string, busy *atomic.Int32, maxBusy *atomic.Int32) *contender {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := cluster.Connect(ctx, urls, cluster.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	l, err := cl.Leases(ctx, ttl)
	if err != nil {
		t.Fatal(err)
	}
	c := &contender{cl: cl, leases: l, done: make(chan struct{})}
	var runCtx context.Context
	runCtx, c.stop = context.WithCancel(context.Background())
	go func() {
		defer close(c.done)
		l.Run(runCtx, name, func(ctx context.Context) {
			n := busy.Add(1)
			for {
				m := maxBusy.Load()
				if n <= m || maxBusy.CompareAndSwap(m, n) {
					break
				}
			}
			c.working.Store(true)
			<-ctx.Done()
			c.working.Store(false)
			busy.Add(-1)
		})
	}()
	t.Cleanup(func() { c.stop(); <-c.done; cl.Close() })
	return c
}

// TestLeaseOneHolderAndTakeover: two replicas contend for one lease; one
// holds it while the other waits. The holder dies (its connection closed,
// the lease not given back): the other takes it over once the lease's TTL
// has passed since the last renewal, and the two never work at once. A
// holder that stops gives the lease back: the other takes it at once.
func TestLeaseOneHolderAndTakeover(t *testing.T) {
	nats := clustertest.Start(t, 3)
	const ttl = 2 * time.Second
	var busy, maxBusy atomic.Int32
	a := contend(t, nats.URLs(), ttl, "snapshot", &busy, &maxBusy)
	b := contend(t, nats.URLs(), ttl, "snapshot", &busy, &maxBusy)
	waitFor(t, 10*time.Second, "a holder", func() bool { return a.working.Load() || b.working.Load() })
	// Both keep contending over several renewals.
	time.Sleep(2 * ttl)
	if n := maxBusy.Load(); n != 1 {
		t.Fatalf("%d replicas worked at once", n)
	}
	holder, other := a, b
	if b.working.Load() {
		holder, other = b, a
	}
	if other.working.Load() {
		t.Fatal("both replicas hold the lease")
	}
	who, err := other.leases.HolderOf(context.Background(), "snapshot")
	if err != nil || who != holder.leases.Holder() {
		t.Fatalf("the bucket names %q (%v), the holder is %q", who, err, holder.leases.Holder())
	}

	// The holder dies without giving the lease back.
	killed := time.Now()
	holder.cl.Close()
	took := waitFor(t, 3*ttl, "takeover after the holder died", other.working.Load)
	t.Logf("takeover %v after the holder's connection closed (TTL %v)", took.Round(time.Millisecond), ttl)
	if took < ttl/2 {
		t.Fatalf("the lease was taken over after %v, before the dead holder's claim could age out", took)
	}
	if time.Since(killed) > ttl+ttl/2 {
		t.Errorf("takeover took %v, more than the TTL %v and a poll", took, ttl)
	}
	waitFor(t, ttl, "the dead holder stops working", func() bool { return !holder.working.Load() })
	if n := maxBusy.Load(); n != 1 {
		t.Fatalf("%d replicas worked at once", n)
	}

	// A third replica joins; the holder stops cleanly and gives the lease
	// back: the newcomer takes it well within the TTL.
	c := contend(t, nats.URLs(), ttl, "snapshot", &busy, &maxBusy)
	time.Sleep(ttl / 2)
	if c.working.Load() {
		t.Fatal("the newcomer works while the lease is held")
	}
	stopped := time.Now()
	other.stop()
	<-other.done
	waitFor(t, ttl, "takeover after a clean stop", c.working.Load)
	t.Logf("takeover %v after a clean stop", time.Since(stopped).Round(time.Millisecond))
	if n := maxBusy.Load(); n != 1 {
		t.Fatalf("%d replicas worked at once", n)
	}
}

// TestLeasesAreIndependent: two leases of different names may be held by
// two replicas at once.
func TestLeasesAreIndependent(t *testing.T) {
	nats := clustertest.Start(t, 1)
	var busy1, max1, busy2, max2 atomic.Int32
	a := contend(t, nats.URLs(), time.Second, "snapshot", &busy1, &max1)
	b := contend(t, nats.URLs(), time.Second, "sync", &busy2, &max2)
	waitFor(t, 5*time.Second, "both leases held", func() bool { return a.working.Load() && b.working.Load() })
}

// TestLeaseGiveBackBounded: a holder stopping at the moment every NATS
// node goes away does not wait a request's timeout to give its lease
// back (the lease ages out by its TTL anyway): a replica's stop is not
// held up by a cluster that is gone.
func TestLeaseGiveBackBounded(t *testing.T) {
	nats := clustertest.Start(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const timeout = 8 * time.Second
	cl, err := cluster.Connect(ctx, nats.URLs(), cluster.Options{Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	l, err := cl.Leases(ctx, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var working atomic.Bool
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Run(runCtx, "snapshot", func(ctx context.Context) { working.Store(true); <-ctx.Done() })
	}()
	waitFor(t, 10*time.Second, "the lease taken", working.Load)
	nats.Shutdown()
	start := time.Now()
	stop()
	select {
	case <-done:
	case <-time.After(2 * timeout):
		t.Fatal("the holder did not stop")
	}
	took := time.Since(start)
	t.Logf("stopped %v after NATS went away (request timeout %v)", took.Round(time.Millisecond), timeout)
	if took > timeout/2 {
		t.Fatalf("the stop waited %v to give the lease back", took)
	}
}
