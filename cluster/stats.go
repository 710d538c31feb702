package cluster

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/index"
)

// StatsBucket holds every replica's hourly transparency statistics
// (index/stats.go: counts and item ids, no personal data), one entry per
// replica and hour, <node>.<YYYYMMDDHH>. Each replica counts its own
// lookups from its own audit log, as a single node does, and publishes
// every hour it counted, the current one again as it grows; a report on
// any replica adds to its own live counts the other replicas' entries.
// An entry is only ever overwritten by its replica with a later count of
// the same hour, so a replica that restarts with its folder (and so its
// node id and its audit log) publishes the same keys again: nothing is
// counted twice, and no roll-up (nor lease) is needed.
const StatsBucket = "HERKEN_STATS"

// DefaultStatsInterval is how often a replica publishes the hours its
// counts changed in: the most the other replicas' current hour lags in a
// report.
const DefaultStatsInterval = 30 * time.Second

// StatsOptions configure Cluster.Stats.
type StatsOptions struct {
	// Node names the replica for good (letters, digits, - and _): the
	// same across its restarts, different from every other replica's.
	Node string
	// Interval is DefaultStatsInterval when 0.
	Interval time.Duration
}

// Stats publishes a replica's hourly statistics and reads the others'.
// It may be used from concurrent goroutines; one goroutine publishes.
type Stats struct {
	c     *Cluster
	b     *bucket
	local *index.AuditLog
	node  string
	every time.Duration

	// published is the digest of each hour's last published count
	// (the publishing goroutine's alone).
	published map[string][sha256.Size]byte
	since     time.Time // the hours from which the next pass looks

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Stats starts publishing local's hourly statistics under opts.Node, at
// once and then every opts.Interval, until Close.
func (c *Cluster) Stats(local *index.AuditLog, opts StatsOptions) (*Stats, error) {
	if opts.Node == "" || strings.ContainsAny(opts.Node, ".*> ") {
		return nil, fmt.Errorf("cluster: %q is not a replica's node name", opts.Node)
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultStatsInterval
	}
	s := &Stats{c: c, local: local, node: opts.Node, every: opts.Interval,
		b: &bucket{c: c, name: StatsBucket, history: 1,
			desc: "herken: each replica's hourly transparency statistics, summed by the reports of every replica"},
		published: map[string][sha256.Size]byte{}, stop: make(chan struct{}), done: make(chan struct{})}
	go s.loop()
	return s, nil
}

func (s *Stats) loop() {
	defer close(s.done)
	for {
		if err := s.Publish(); err != nil {
			s.c.log.Warn("cluster: publishing this replica's statistics; trying again", "err", err)
		}
		select {
		case <-s.stop:
			return
		case <-time.After(s.every):
		}
	}
}

// Publish puts every hour whose count changed since it was last
// published; the first pass puts every hour the audit log counted.
// Only the publishing goroutine, or a test while none runs, calls it.
func (s *Stats) Publish() error {
	start := time.Now().UTC()
	hours, err := s.local.Hours(s.since)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*s.c.opts.Timeout)
	defer cancel()
	if s.since.IsZero() {
		// A replica restarted with its folder finds its hours published:
		// it puts again only those that changed (a year is 8,760 keys).
		if err := s.loadPublished(ctx); err != nil {
			return err
		}
	}
	for _, h := range hours {
		sum := sha256.Sum256(h.Data)
		if old, ok := s.published[h.Hour]; ok && old == sum {
			continue
		}
		if err := put(ctx, s.b, s.node+"."+h.Hour, rawJSON(h.Data)); err != nil {
			return err
		}
		s.published[h.Hour] = sum
	}
	// Records are dated when they are made: after this pass only the
	// hour in progress (and the one before, for a record made at its
	// end) can change.
	s.since = start.Truncate(time.Hour).Add(-time.Hour)
	return nil
}

// loadPublished reads the digests of this node's published hours.
func (s *Stats) loadPublished(ctx context.Context) error {
	kv, err := s.b.get(ctx)
	if err != nil {
		return err
	}
	return s.c.retry(ctx, "the bucket "+StatsBucket, s.c.opts.Timeout, func(ctx context.Context, _ int) error {
		w, err := kv.Watch(ctx, s.node+".*", jetstream.IgnoreDeletes())
		if err != nil {
			return err
		}
		defer func() { _ = w.Stop() }()
		return eachEntry(ctx, w, func(e jetstream.KeyValueEntry) {
			s.published[strings.TrimPrefix(e.Key(), s.node+".")] = sha256.Sum256(e.Value())
		})
	})
}

// eachEntry calls fn with every entry a watch sends until it has sent
// all the bucket held.
func eachEntry(ctx context.Context, w jetstream.KeyWatcher, fn func(jetstream.KeyValueEntry)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("the watch ended before the bucket's last entry")
			}
			if e == nil {
				return nil
			}
			fn(e)
		}
	}
}

// rawJSON is JSON already encoded.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

// Peers returns the other replicas' published hours of [from, to), for
// index.DB.CountPeers.
func (s *Stats) Peers(from, to time.Time) ([][]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*s.c.opts.Timeout)
	defer cancel()
	kv, err := s.b.get(ctx)
	if err != nil {
		return nil, err
	}
	lo, hi := from.UTC().Format("2006010215"), to.UTC().Format("2006010215")
	var out [][]byte
	err = s.c.retry(ctx, "the bucket "+StatsBucket, s.c.opts.Timeout, func(ctx context.Context, _ int) error {
		out = out[:0]
		w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
		if err != nil {
			return err
		}
		defer func() { _ = w.Stop() }()
		return eachEntry(ctx, w, func(e jetstream.KeyValueEntry) {
			node, hour, found := strings.Cut(e.Key(), ".")
			if found && node != s.node && hour >= lo && hour < hi {
				out = append(out, e.Value())
			}
		})
	})
	return out, err
}

// Close publishes a last time (within a few seconds) and stops.
func (s *Stats) Close() {
	s.once.Do(func() {
		close(s.stop)
		<-s.done
		if err := s.Publish(); err != nil {
			s.c.log.Warn("cluster: publishing this replica's statistics at its stop", "err", err)
		}
	})
}
