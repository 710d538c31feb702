package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/index"
)

// Snapshots and work once per cluster, for serve --cluster, and the
// cluster command (seed, snapshot, snapshots).

// snapshotFlags adds serve's snapshot flags; the returned func reads
// them once parsed.
func snapshotFlags(fs *flag.FlagSet) func() (cluster.SnapshotPolicy, error) {
	every := fs.String("snapshot-every", envDefault("snapshot-every", strconv.Itoa(cluster.DefaultSnapshotEvery)),
		"with --cluster: store a snapshot of the index once this many changes were applied since the last one (one replica at a time makes them)")
	interval := fs.String("snapshot-interval", envDefault("snapshot-interval", cluster.DefaultSnapshotInterval.String()),
		"with --cluster: store a snapshot at least this often while the index changes")
	trim := fs.Bool("snapshot-trim-stream", envBool("snapshot-trim-stream"),
		"with --cluster: after each snapshot, drop the stream's changes the older of the two kept snapshots holds (a replica further behind loads a snapshot at its restart)")
	return func() (cluster.SnapshotPolicy, error) {
		n, err := strconv.ParseUint(*every, 10, 64)
		if err != nil || n == 0 {
			return cluster.SnapshotPolicy{}, usagef("--snapshot-every: want a number of changes >= 1")
		}
		d, err := time.ParseDuration(*interval)
		if err != nil || d <= 0 {
			return cluster.SnapshotPolicy{}, usagef("--snapshot-interval: want a positive duration such as 30m")
		}
		return cluster.SnapshotPolicy{Every: n, Interval: d, TrimStream: *trim}, nil
	}
}

// replicaOpenGrace is how long serve waits for the cluster before it
// opens a replica's folder as it is.
const replicaOpenGrace = 5 * time.Second

// openServeIndex opens serve's index: on a cluster replica, from the
// cluster's newest snapshot when the folder is new or behind the stream.
func openServeIndex(ctx context.Context, dir string, opts index.Options, clusterURLs string, log *slog.Logger) (*index.DB, error) {
	if clusterURLs == "" {
		return index.Open(dir, opts)
	}
	var cl *cluster.Cluster
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err == nil {
		// A folder with an index of its own serves it while the cluster
		// does not answer (stale); its Applier refuses to skip changes
		// the stream may have dropped meanwhile.
		urls, err := cluster.ParseURLs(clusterURLs)
		if err != nil {
			return nil, usagef("--cluster: %v", err)
		}
		if cl, err = cluster.Dial(urls, clusterOptions(clusterURLs, log)); err != nil {
			return nil, err
		}
		defer cl.Close()
		select {
		case <-cl.Ready():
		case <-time.After(replicaOpenGrace):
			log.Warn("cluster: not reachable; opening this replica's folder without checking it against the stream", "data", dir)
			return index.Open(dir, opts)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	} else {
		// A new folder needs the cluster: its newest snapshot, or the
		// stream from its start.
		var err error
		if cl, err = connectCluster(ctx, clusterURLs, log); err != nil {
			return nil, err
		}
		defer cl.Close()
	}
	db, j, err := cl.OpenReplica(ctx, dir, opts)
	if err != nil {
		return nil, err
	}
	attrs := []any{"reason", j.Reason, "fetch", j.Fetch, "load", j.Load, "open", j.Open}
	if j.Snapshot != nil {
		attrs = append(attrs, "snapshot", j.Snapshot.Name, "snapshot_seq", j.Snapshot.Seq, "snapshot_bytes", j.Snapshot.Bytes)
	}
	if j.MovedAside != "" {
		attrs = append(attrs, "moved_aside", j.MovedAside)
	}
	log.Info("cluster replica index opened", attrs...)
	return db, nil
}

// clusterWork runs what one replica of the cluster does at a time.
type clusterWork struct {
	// ready is closed once leases is set: the lease bucket may be
	// reached only after serve started, on a replica cut off at start.
	ready  chan struct{}
	leases *cluster.Leases
	stop   func()
}

// startClusterWork takes part in the leases of work done once per
// cluster: snapshots by policy, and (through clusterWork.once) the
// scheduled syncs.
func startClusterWork(cl *cluster.Cluster, content *index.Content, policy cluster.SnapshotPolicy, log *slog.Logger) *clusterWork {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	w := &clusterWork{ready: make(chan struct{}), stop: func() { cancel(); <-done }}
	go func() {
		defer close(done)
		for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
			l, err := cl.Leases(ctx, 0)
			if err == nil {
				w.leases = l
				close(w.ready)
				break
			}
			log.Warn("cluster: the lease bucket is not reachable yet; no snapshot or sync from this replica until it is", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		cl.RunSnapshots(ctx, w.leases, content, policy)
	}()
	return w
}

// once runs work while this replica holds the lease name; nil (a single
// node) runs it here.
func (w *clusterWork) once() func(ctx context.Context, name string, work func(context.Context)) {
	if w == nil {
		return nil
	}
	return func(ctx context.Context, name string, work func(context.Context)) {
		select {
		case <-w.ready:
			w.leases.Run(ctx, name, work)
		case <-ctx.Done():
		}
	}
}

func clusterCommand() group {
	return group{name: "cluster", doc: "Snapshots of a cluster's index (HERKEN_SNAPSHOTS), and moving a single node's index into a new cluster.",
		verbs: []verb{
			{name: "seed", summary: "make a single node's index the first snapshot of a new cluster", define: clusterSeed,
				usage: "--data DIR --cluster nats://host:port[,...] [--json]\n\n" +
					"The cluster's stream must hold no change yet. Stop herken serve on DIR first;\n" +
					"replicas started after the seed load the index from the snapshot, and the\n" +
					"stream continues after its version. DIR itself is left as it is."},
			{name: "snapshot", summary: "store a snapshot of a replica's folder now", define: clusterSnapshot,
				usage: "--data DIR --cluster nats://host:port[,...] [--json]\n\n" +
					"DIR is a stopped replica's folder; a running cluster makes snapshots itself\n" +
					"(serve --snapshot-every, --snapshot-interval)."},
			{name: "snapshots", summary: "list the stored snapshots", define: clusterSnapshots,
				usage: "--cluster nats://host:port[,...] [--json]"},
		}}
}

func clusterSeed(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	return clusterStore(fs, io, func(ctx context.Context, cl *cluster.Cluster, s *index.Content) (cluster.SnapshotInfo, error) {
		return cl.Seed(ctx, s)
	})
}

func clusterSnapshot(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	return clusterStore(fs, io, func(ctx context.Context, cl *cluster.Cluster, s *index.Content) (cluster.SnapshotInfo, error) {
		return cl.Snapshot(ctx, s)
	})
}

// clusterStore opens --data and stores a snapshot of it with store.
func clusterStore(fs *flag.FlagSet, io *stdio, store func(context.Context, *cluster.Cluster, *index.Content) (cluster.SnapshotInfo, error)) func(context.Context, []string) error {
	data := dataFlag(fs)
	urls := clusterFlag(fs)
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, pos []string) error {
		if len(pos) != 0 {
			return usagef("unexpected arguments %q", pos)
		}
		if *urls == "" {
			return usagef("give --cluster (or HERKEN_CLUSTER)")
		}
		db, err := openStore(*data)
		if err != nil {
			return err
		}
		defer db.Close()
		cl, err := connectCluster(ctx, *urls, nil)
		if err != nil {
			return err
		}
		defer cl.Close()
		info, err := store(ctx, cl, db.Content())
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(io.out, info)
		}
		fmt.Fprintf(io.out, "stored snapshot %s: index version %d, %d bytes\n", info.Name, info.Seq, info.Bytes)
		return nil
	}
}

func clusterSnapshots(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	urls := clusterFlag(fs)
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, pos []string) error {
		if len(pos) != 0 {
			return usagef("unexpected arguments %q", pos)
		}
		if *urls == "" {
			return usagef("give --cluster (or HERKEN_CLUSTER)")
		}
		cl, err := connectCluster(ctx, *urls, nil)
		if err != nil {
			return err
		}
		defer cl.Close()
		list, err := cl.Snapshots(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			if list == nil {
				list = []cluster.SnapshotInfo{}
			}
			return writeJSON(io.out, list)
		}
		if len(list) == 0 {
			fmt.Fprintln(io.out, "no snapshot stored")
		}
		for _, s := range list {
			fmt.Fprintf(io.out, "%s  seq %d  %d bytes  %s\n", s.Name, s.Seq, s.Bytes, s.Time.UTC().Format(time.RFC3339))
		}
		return nil
	}
}
