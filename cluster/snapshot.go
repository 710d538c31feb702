package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher/known"
)

// Snapshots: a replica starts from the newest snapshot of the index and
// applies only the changes after it.
//
// Snapshots are objects of the replicated object store HERKEN_SNAPSHOTS,
// named index-<sequence> (20 digits, so that names sort as sequences),
// each the known content as index.Snapshot writes it at the stream
// sequence it names (its Badger folder and the search structures built
// from it), stored in parts (snapshotparts.go), with the stream's
// incarnation (LogID) in its metadata: a snapshot of another incarnation
// is never loaded. The
// replica holding the lease "snapshot" makes them (Snapshotter), from a
// consistent read of its own index while it goes on answering lookups
// and applying changes, and keeps the newest two.
//
// A replica whose folder holds no index yet loads the newest snapshot
// into it before opening it (OpenReplica). A replica restarted with its
// own folder does not: it applies the stream from where it stopped,
// unless the stream no longer holds the changes it needs (its first
// sequence is past the replica's version + 1, after a seed or a limit on
// the stream); then its folder is moved aside and the snapshot loaded
// into a new one.

// SnapshotBucket is the object store of the index's snapshots.
const SnapshotBucket = "HERKEN_SNAPSHOTS"

// snapshotsKept is how many snapshots of the stream are kept.
const snapshotsKept = 2

// SnapshotInfo describes a stored snapshot.
type SnapshotInfo struct {
	Name  string    `json:"name"`
	Seq   uint64    `json:"seq"`
	LogID string    `json:"log_id"`
	Bytes uint64    `json:"bytes"`
	Time  time.Time `json:"time"`
	// Parts is the number of objects holding the snapshot's bytes (0: the
	// named object itself holds them, as snapshots stored before parts).
	Parts int `json:"parts,omitempty"`
}

func snapshotName(seq uint64) string { return fmt.Sprintf("index-%020d", seq) }

// snapshotStore opens the object store, creating it like the stream and
// waiting like it for a NATS cluster that cannot answer yet.
func (c *Cluster) snapshotStore(ctx context.Context) (jetstream.ObjectStore, error) {
	var obs jetstream.ObjectStore
	err := c.lookup(ctx, "the snapshot store "+SnapshotBucket, func(ctx context.Context, _ int) error {
		var err error
		obs, err = c.js.ObjectStore(ctx, SnapshotBucket)
		if errors.Is(err, jetstream.ErrBucketNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
			var replicas int
			if replicas, err = c.streamReplicas(ctx); err != nil {
				return err
			}
			obs, err = c.js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{
				Bucket:      SnapshotBucket,
				Description: "herken: snapshots of the index, by stream sequence",
				Storage:     jetstream.FileStorage,
				Replicas:    replicas,
			})
			if errors.Is(err, jetstream.ErrBucketExists) {
				obs, err = c.js.ObjectStore(ctx, SnapshotBucket)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return obs, nil
}

// Snapshots lists the stored snapshots of this stream's incarnation,
// oldest first.
func (c *Cluster) Snapshots(ctx context.Context) ([]SnapshotInfo, error) {
	all, err := c.allSnapshots(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(s SnapshotInfo) bool { return s.LogID != c.LogID() }), nil
}

func (c *Cluster) allSnapshots(ctx context.Context) ([]SnapshotInfo, error) {
	obs, err := c.snapshotStore(ctx)
	if err != nil {
		return nil, err
	}
	// A store just made may not answer before its stream has a leader.
	var list []*jetstream.ObjectInfo
	err = c.lookup(ctx, "the snapshots of "+SnapshotBucket, func(ctx context.Context, _ int) error {
		var err error
		list, err = obs.List(ctx)
		if errors.Is(err, jetstream.ErrNoObjectsFound) {
			list, err = nil, nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []SnapshotInfo
	for _, o := range list {
		seq, err := strconv.ParseUint(o.Metadata["seq"], 10, 64)
		if err != nil || !strings.HasPrefix(o.Name, "index-") || o.Metadata["part"] != "" {
			continue
		}
		out = append(out, snapshotOf(o, seq))
	}
	slices.SortFunc(out, func(a, b SnapshotInfo) int { return compareU64(a.Seq, b.Seq) })
	return out, nil
}

func compareU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// NewestSnapshot returns the newest snapshot of this stream; ok is false
// when there is none.
func (c *Cluster) NewestSnapshot(ctx context.Context) (info SnapshotInfo, ok bool, err error) {
	list, err := c.Snapshots(ctx)
	if err != nil || len(list) == 0 {
		return SnapshotInfo{}, false, err
	}
	return list[len(list)-1], true, nil
}

// FirstSeq asks the stream for its first sequence (0 while it never held
// a message).
func (c *Cluster) FirstSeq(ctx context.Context) (uint64, error) {
	info, err := c.streamInfo(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.FirstSeq, nil
}

// streamInfo asks for the stream's state, waiting for a NATS cluster that
// cannot answer yet. It looks the stream up by name rather than use the
// one Connect found, so that it also works on a connection still looking
// for it.
func (c *Cluster) streamInfo(ctx context.Context) (*jetstream.StreamInfo, error) {
	var info *jetstream.StreamInfo
	err := c.lookup(ctx, "the stream "+StreamName, func(ctx context.Context, _ int) error {
		var err error
		info, err = c.streamInfoOnce(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return info, nil
}

// streamInfoOnce is streamInfo without the wait, inside a try of ensure.
func (c *Cluster) streamInfoOnce(ctx context.Context) (*jetstream.StreamInfo, error) {
	s, err := c.js.Stream(ctx, StreamName)
	if err != nil {
		return nil, err
	}
	return s.Info(ctx)
}

// streamReplicas is the stream's number of replicas, which the buckets
// beside it take too; it is asked once, within a try of ensure.
func (c *Cluster) streamReplicas(ctx context.Context) (int, error) {
	info, err := c.streamInfoOnce(ctx)
	if err != nil {
		return 0, err
	}
	return info.Config.Replicas, nil
}

// Join says how a replica's index was opened, and where the time went.
type Join struct {
	// Snapshot is the snapshot loaded, if one was.
	Snapshot *SnapshotInfo `json:"snapshot,omitempty"`
	// Reason says why a snapshot was, or was not, loaded.
	Reason string `json:"reason"`
	// MovedAside is where a folder behind the stream was moved.
	MovedAside string        `json:"moved_aside,omitempty"`
	Fetch      time.Duration `json:"fetch_ns"`
	Load       time.Duration `json:"load_ns"`
	Open       time.Duration `json:"open_ns"`
	// SavedSearch says the open read the search structures the snapshot
	// carried (or the folder's own, saved at its last Close) rather than
	// building them from the postings.
	SavedSearch bool `json:"saved_search_structures"`
}

// OpenReplica opens the index of a replica in dir (index.Open with
// opts, Create set): from the newest snapshot when dir holds no index
// yet, or when the index is behind the stream's first sequence. It
// refuses an index the stream cannot bring up to date.
func (c *Cluster) OpenReplica(ctx context.Context, dir string, opts index.Options) (*index.DB, Join, error) {
	opts.Create = true
	var j Join
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); errors.Is(err, os.ErrNotExist) {
		j.Reason = "new folder"
		if err := c.restore(ctx, dir, opts, &j); err != nil {
			return nil, j, err
		}
	}
	start := time.Now()
	db, err := index.Open(dir, opts)
	j.Open = time.Since(start)
	if err != nil {
		return nil, j, err
	}
	j.SavedSearch = db.Content().SearchFromSaved()
	first, err := c.FirstSeq(ctx)
	if err != nil {
		db.Close()
		return nil, j, err
	}
	v := db.Content().Version()
	if first <= v+1 {
		if j.Reason == "" {
			j.Reason = "the folder's index is within the stream"
		}
		return db, j, nil
	}
	if j.Snapshot != nil || j.Reason == "new folder" {
		db.Close()
		return nil, j, fmt.Errorf("cluster: the stream starts at sequence %d and no snapshot covers the changes up to it (this index is at %d)", first, v)
	}
	// Behind: the changes it needs are gone from the stream.
	db.Close()
	aside := fmt.Sprintf("%s.behind-%d", filepath.Clean(dir), v)
	if err := os.Rename(dir, aside); err != nil {
		return nil, j, fmt.Errorf("cluster: moving the folder behind the stream aside: %w", err)
	}
	c.log.Warn("cluster: this index is behind the stream's first sequence; loading a snapshot, the folder moved aside (its audit log and feedback stay there)",
		"version", v, "stream_first_seq", first, "moved_to", aside)
	j.MovedAside, j.Reason = aside, fmt.Sprintf("index at %d behind the stream's first sequence %d", v, first)
	db, j2, err := c.OpenReplica(ctx, dir, opts)
	j2.MovedAside, j2.Reason = j.MovedAside, j.Reason
	return db, j2, err
}

// restore loads the newest snapshot, if there is one, into dir, which
// holds no index.
func (c *Cluster) restore(ctx context.Context, dir string, opts index.Options, j *Join) error {
	info, ok, err := c.NewestSnapshot(ctx)
	if err != nil || !ok {
		return err
	}
	// The snapshot is loaded as it arrives: written once into the new
	// folder rather than to a file first and then into the folder (2.8 GB
	// twice at 10M items). The load checks every file's checksum as it
	// writes it and the trailing sums at the end, so a broken fetch fails
	// the load and leaves no folder behind. Fetch is the time the object
	// store took; Load what the load took after it.
	start := time.Now()
	pr, pw := io.Pipe()
	fetched := make(chan error, 1)
	go func() {
		err := c.FetchSnapshot(ctx, info, pw)
		if err == nil {
			j.Fetch = time.Since(start)
		}
		pw.CloseWithError(err)
		fetched <- err
	}()
	loaded, err := index.LoadSnapshot(dir, pr, opts)
	if err == nil {
		_, _ = io.Copy(io.Discard, pr) // what follows the archive's end, if anything
	}
	pr.CloseWithError(errors.New("cluster: the snapshot's load stopped"))
	if ferr := <-fetched; ferr != nil && err == nil {
		err = ferr
	}
	j.Load = time.Since(start) - j.Fetch
	if err != nil {
		return fmt.Errorf("cluster: loading snapshot %s: %w", info.Name, err)
	}
	if loaded.Version != info.Seq || loaded.LogID != c.LogID() {
		return fmt.Errorf("cluster: snapshot %s holds version %d of %q, not %d of %q", info.Name, loaded.Version, loaded.LogID, info.Seq, c.LogID())
	}
	j.Snapshot = &info
	c.log.Info("cluster: loaded a snapshot", "name", info.Name, "seq", info.Seq, "bytes", info.Bytes, "fetch", j.Fetch, "load", j.Load)
	return nil
}

// bankFromSnapshot answers Bank when the stream no longer holds its whole
// history (a seeded cluster, or changes dropped by a limit): the bank as
// the newest snapshot holds it, with the stream's changes after the
// snapshot replayed. ok is false when the stream starts at its first
// change; then the stream alone answers.
func (c *Cluster) bankFromSnapshot(ctx context.Context, name string, seq uint64) (b known.Bank, ok bool, err error) {
	first, err := c.FirstSeq(ctx)
	if err != nil {
		return known.Bank{}, true, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if first <= 1 {
		return known.Bank{}, false, nil
	}
	info, found, err := c.NewestSnapshot(ctx)
	if err != nil {
		return known.Bank{}, true, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if !found || info.Seq+1 < first {
		return known.Bank{}, true, final(fmt.Errorf("cluster: the stream starts at sequence %d and no snapshot covers the changes before it", first))
	}
	obs, err := c.snapshotStore(ctx)
	if err != nil {
		return known.Bank{}, true, err
	}
	// The banks are in the snapshot's first record: the fetch stops once
	// they are read.
	fctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	fetched := make(chan error, 1)
	go func() {
		err := c.fetchSnapshot(fctx, obs, info, pw)
		pw.CloseWithError(err)
		fetched <- err
	}()
	banks, _, err := index.SnapshotBanks(pr)
	pr.Close()
	cancel()
	ferr := <-fetched
	if err != nil {
		// A fetch that failed (rather than one stopped here) is the
		// cluster's trouble, not the snapshot's.
		if ferr != nil && !errors.Is(ferr, io.ErrClosedPipe) && !errors.Is(ferr, context.Canceled) {
			return known.Bank{}, true, fmt.Errorf("%w: snapshot %s: %v", ErrUnavailable, info.Name, ferr)
		}
		return known.Bank{}, true, final(err)
	}
	var bank *known.Bank
	for i := range banks {
		if banks[i].Name == name {
			bank = &banks[i]
		}
	}
	bank, err = c.replayBank(ctx, name, bank, info.Seq+1, seq)
	if err != nil {
		return known.Bank{}, true, err
	}
	if bank == nil {
		return known.Bank{}, true, final(fmt.Errorf("%w: %s", index.ErrBankNotFound, name))
	}
	return *bank, true, nil
}

// replayBank applies to bank the stream's bank changes from sequence from
// on, as a replica applies them: the first valid creation of a bank not
// there yet, then the settings of each update, up to the sequence upTo at
// least (see bankAtLeast).
func (c *Cluster) replayBank(ctx context.Context, name string, bank *known.Bank, from, upTo uint64) (*known.Bank, error) {
	ctx, cancel := context.WithTimeout(ctx, 4*c.opts.Timeout)
	defer cancel()
	cons, err := c.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subjectPrefix + string(OpCreateBank), subjectPrefix + string(OpSetBank)},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    from,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if ci := cons.CachedInfo(); (ci == nil || ci.NumPending == 0) && upTo < from {
		return bank, nil
	}
	msgs, err := cons.Messages()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer msgs.Stop()
	stop := context.AfterFunc(ctx, msgs.Stop)
	defer stop()
	for {
		msg, err := msgs.Next()
		if err != nil {
			return nil, fmt.Errorf("%w: reading the bank changes: %v", ErrUnavailable, err)
		}
		md, err := msg.Metadata()
		if err != nil {
			return nil, fmt.Errorf("cluster: a message without metadata: %w", err)
		}
		bank = foldBankChange(bank, name, msg.Data(), md.Timestamp)
		if md.NumPending == 0 && md.Sequence.Stream >= upTo {
			return bank, nil
		}
	}
}
