package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/index"
)

// SnapshotLease is the lease held by the replica that makes snapshots.
const SnapshotLease = "snapshot"

// SnapshotPolicy says when the snapshot holder makes a snapshot: once
// Every changes were applied since the newest one, or once Interval has
// passed since it and anything changed. Zero fields take the defaults.
type SnapshotPolicy struct {
	Every    uint64
	Interval time.Duration
	// Check is how often the holder looks (default 5s).
	Check time.Duration
	// TrimStream drops the stream's changes that the older of the two
	// kept snapshots holds, after each snapshot: the stream then keeps
	// the changes of about two snapshot periods, and a replica further
	// behind loads a snapshot when it restarts. Off, the stream keeps
	// every change.
	TrimStream bool
}

// Defaults of SnapshotPolicy.
const (
	DefaultSnapshotEvery    = 10000
	DefaultSnapshotInterval = 30 * time.Minute
)

// RunSnapshots makes snapshots of content by p whenever this replica
// holds the snapshot lease, until ctx ends. Lookups and the Applier go on
// meanwhile: a snapshot is one read transaction of the index.
func (c *Cluster) RunSnapshots(ctx context.Context, leases *Leases, content *index.Content, p SnapshotPolicy) {
	if p.Every == 0 {
		p.Every = DefaultSnapshotEvery
	}
	if p.Interval <= 0 {
		p.Interval = DefaultSnapshotInterval
	}
	if p.Check <= 0 {
		p.Check = 5 * time.Second
	}
	leases.Run(ctx, SnapshotLease, func(ctx context.Context) { c.snapshotWhileHeld(ctx, content, p) })
}

func (c *Cluster) snapshotWhileHeld(ctx context.Context, content *index.Content, p SnapshotPolicy) {
	var last SnapshotInfo
	known := false
	t := time.NewTicker(p.Check)
	defer t.Stop()
	for {
		if !known {
			newest, _, err := c.NewestSnapshot(ctx)
			if err == nil {
				last, known = newest, true
			}
		}
		v := content.Version()
		if known && v > last.Seq && (v-last.Seq >= p.Every || time.Since(last.Time) >= p.Interval) {
			if info, err := c.Snapshot(ctx, content); err != nil {
				c.log.Warn("cluster: making a snapshot", "version", v, "err", err)
			} else {
				last = info
				if p.TrimStream {
					c.trimStream(ctx)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Snapshot stores a snapshot of content now.
func (c *Cluster) Snapshot(ctx context.Context, content *index.Content) (SnapshotInfo, error) {
	start := time.Now()
	sn, err := content.Snapshot()
	if err != nil {
		return SnapshotInfo{}, err
	}
	defer sn.Close()
	info, err := c.PublishSnapshot(ctx, sn)
	if err == nil {
		c.log.Info("cluster: snapshot stored", "name", info.Name, "seq", info.Seq, "bytes", info.Bytes, "took", time.Since(start))
	}
	return info, err
}

// Seed moves a single node's index into this cluster: its content becomes
// the first snapshot, and the stream, which must hold no change yet,
// continues after the index's version. Replicas started after it load the
// snapshot. Seeding refuses an index that follows a log, an empty index,
// and a stream that holds changes or a snapshot.
func (c *Cluster) Seed(ctx context.Context, content *index.Content) (SnapshotInfo, error) {
	sn, err := content.Snapshot()
	if err != nil {
		return SnapshotInfo{}, err
	}
	defer sn.Close()
	v := sn.Version
	switch {
	case sn.LogID != "":
		return SnapshotInfo{}, fmt.Errorf("cluster: this index is a replica of %s, not a single node's", sn.LogID)
	case v == 0:
		return SnapshotInfo{}, fmt.Errorf("cluster: this index is empty: nothing to seed")
	}
	info, err := c.streamInfo(ctx)
	if err != nil {
		return SnapshotInfo{}, err
	}
	st := info.State
	// A seed stopped after the stream was moved on finds it empty at v.
	if st.Msgs != 0 || (st.LastSeq != 0 && st.LastSeq != v) {
		return SnapshotInfo{}, fmt.Errorf("cluster: the stream %s already holds changes (up to sequence %d): a single node's index seeds a new cluster only", StreamName, st.LastSeq)
	}
	if list, err := c.Snapshots(ctx); err != nil {
		return SnapshotInfo{}, err
	} else if len(list) > 0 {
		return SnapshotInfo{}, fmt.Errorf("cluster: the cluster already has a snapshot (%s)", list[len(list)-1].Name)
	}
	// The stream first: a replica never loads a snapshot the stream does
	// not continue. Stopped here, the stream starts at v+1 with no
	// snapshot, and empty replicas refuse to start until a seed is
	// stored.
	if st.LastSeq == 0 {
		rctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		s, err := c.js.Stream(rctx, StreamName)
		if err == nil {
			err = s.Purge(rctx, jetstream.WithPurgeSequence(v+1))
		}
		cancel()
		if err != nil {
			return SnapshotInfo{}, fmt.Errorf("cluster: moving the stream to sequence %d: %w", v+1, err)
		}
		if first, err := c.FirstSeq(ctx); err != nil || first != v+1 {
			return SnapshotInfo{}, fmt.Errorf("cluster: the stream did not move to sequence %d (first %d, %v)", v+1, first, err)
		}
	}
	sn.Follow(c.LogID())
	out, err := c.PublishSnapshot(ctx, sn)
	if err == nil {
		c.log.Info("cluster: seeded", "seq", out.Seq, "bytes", out.Bytes)
	}
	return out, err
}

// trimStream drops the changes the older kept snapshot holds.
func (c *Cluster) trimStream(ctx context.Context) {
	list, err := c.Snapshots(ctx)
	if err != nil || len(list) < snapshotsKept {
		return
	}
	upTo := list[len(list)-snapshotsKept].Seq + 1
	if first, err := c.FirstSeq(ctx); err != nil || first >= upTo {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	s, err := c.js.Stream(rctx, StreamName)
	if err == nil {
		err = s.Purge(rctx, jetstream.WithPurgeSequence(upTo))
	}
	if err != nil {
		c.log.Warn("cluster: trimming the stream", "up_to", upTo, "err", err)
		return
	}
	c.log.Info("cluster: stream trimmed: changes held by a snapshot dropped", "first_seq", upTo)
}
