package cluster

import (
	"context"
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nuid"

	"github.com/nats-io/nats.go/jetstream"
)

// Leases: work done once per cluster (snapshots, the scheduled syncs of
// partner lists) runs on the replica holding the work's lease.
//
// A lease is one key of the replicated key-value bucket HERKEN_LEASES,
// whose values live for the bucket's TTL after they were last written.
// A replica takes a free lease by creating the key (refused while it
// exists), renews it by updating it at the revision it last wrote (refused
// once anyone else wrote it), and gives it back by deleting it at that
// revision. A holder that dies stops renewing: its value ages out after
// the TTL and the next contender creates the key anew. The stream behind
// the bucket decides every create and update, so two replicas never both
// succeed.
//
// A holder that cannot renew (cut off from NATS) stops its work once half
// the TTL has passed since its last renewal, before the value can age out
// and another replica take the lease.

// LeaseBucket is the key-value bucket of the cluster's leases.
const LeaseBucket = "HERKEN_LEASES"

// DefaultLeaseTTL is how long a lease outlives its holder's last renewal.
const DefaultLeaseTTL = 10 * time.Second

// leaseGiveBack bounds the wait for the bucket when a lease is given back
// (at a stop): a lease not given back ages out after its TTL anyway.
const leaseGiveBack = time.Second

// Leases takes and holds leases of one cluster for this replica.
type Leases struct {
	c      *Cluster
	kv     jetstream.KeyValue
	ttl    time.Duration
	holder string
}

// Leases opens the lease bucket (creating it with the given TTL, or
// DefaultLeaseTTL for 0). A bucket that exists keeps the TTL it was made
// with: every replica must agree on it.
func (c *Cluster) Leases(ctx context.Context, ttl time.Duration) (*Leases, error) {
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	var kv jetstream.KeyValue
	err := c.lookup(ctx, "the lease bucket "+LeaseBucket, func(ctx context.Context, _ int) error {
		var err error
		kv, err = c.js.KeyValue(ctx, LeaseBucket)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			var replicas int
			if replicas, err = c.streamReplicas(ctx); err != nil {
				return err
			}
			kv, err = c.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
				Bucket:      LeaseBucket,
				Description: "herken: leases of work done once per cluster",
				TTL:         ttl,
				History:     1,
				Storage:     jetstream.FileStorage,
				Replicas:    replicas,
			})
			if errors.Is(err, jetstream.ErrBucketExists) {
				kv, err = c.js.KeyValue(ctx, LeaseBucket)
			}
		}
		if err != nil {
			return err
		}
		st, err := kv.Status(ctx)
		if err != nil {
			return err
		}
		if st.TTL() > 0 {
			ttl = st.TTL()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	return &Leases{c: c, kv: kv, ttl: ttl, holder: host + "/" + strconv.Itoa(os.Getpid()) + "/" + nuid.Next()}, nil
}

// TTL is how long a lease outlives its holder's last renewal.
func (l *Leases) TTL() time.Duration { return l.ttl }

// Holder names this replica's claim in the bucket.
func (l *Leases) Holder() string { return l.holder }

// HolderOf returns who holds the lease name, "" if nobody does.
func (l *Leases) HolderOf(ctx context.Context, name string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, l.c.opts.Timeout)
	defer cancel()
	e, err := l.kv.Get(ctx, name)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return "", nil
	case err != nil:
		return "", err
	}
	return string(e.Value()), nil
}

// Run runs work whenever this replica holds the lease name, until ctx
// ends: it tries to take the lease every tenth of the TTL, runs work with
// a context that ends when the lease is lost (or ctx ends), renews it
// every third of the TTL meanwhile, and gives it back when work returns
// or ctx ends. A work that returns early is run again at the next taking.
func (l *Leases) Run(ctx context.Context, name string, work func(ctx context.Context)) {
	poll := max(l.ttl/10, 50*time.Millisecond)
	for ctx.Err() == nil {
		rev, err := l.take(ctx, name)
		if err == nil {
			l.c.log.Info("cluster: lease taken", "lease", name, "holder", l.holder)
			l.hold(ctx, name, rev, work)
			continue
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			l.c.log.Debug("cluster: taking a lease", "lease", name, "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
		}
	}
}

func (l *Leases) take(ctx context.Context, name string) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, l.c.opts.Timeout)
	defer cancel()
	return l.kv.Create(ctx, name, []byte(l.holder))
}

// hold runs work while renewing the lease taken at revision rev.
func (l *Leases) hold(ctx context.Context, name string, rev uint64, work func(context.Context)) {
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); work(wctx) }()
	renewed := time.Now()
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	lost := false
loop:
	for {
		select {
		case <-done:
			break loop
		case <-ctx.Done():
			break loop
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, min(l.c.opts.Timeout, l.ttl/3))
		next, err := l.kv.Update(rctx, name, []byte(l.holder), rev)
		cancel()
		switch {
		case err == nil:
			rev, renewed = next, time.Now()
		case errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyNotFound):
			// Someone else wrote the key, or it aged out: not ours.
			l.c.log.Warn("cluster: lease lost", "lease", name, "err", err)
			lost = true
			break loop
		case time.Since(renewed) > l.ttl/2:
			// Cut off: stop before the value can age out and another
			// replica start the same work.
			l.c.log.Warn("cluster: lease given up: cannot renew it", "lease", name, "err", err)
			lost = true
			break loop
		}
	}
	stop()
	<-done
	if lost {
		return
	}
	// Giving the lease back only spares the next holder the wait for the
	// TTL: it must not hold up a stop, which often comes with NATS gone.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(l.c.opts.Timeout, leaseGiveBack))
	defer cancel()
	if err := l.kv.Delete(dctx, name, jetstream.LastRevision(rev)); err != nil {
		l.c.log.Debug("cluster: giving a lease back", "lease", name, "err", err)
	} else {
		l.c.log.Info("cluster: lease given back", "lease", name)
	}
}
