package cluster

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/index"
)

// A snapshot is stored as parts, objects of at most snapshotPartBytes
// named after it (index-<seq>.part-0001, ...), then the object named
// index-<seq>, which lists them: it is written last, so that a snapshot
// is listed only once all its bytes are stored.
//
// Why parts: the object store's Put publishes its chunks (128 KiB each)
// asynchronously and fails with "stalled with too many outstanding async
// published messages" when 4000 of them (512 MiB) wait for the server's
// acknowledgement for more than 200 ms; neither figure can be set by a
// caller. A 10M-item snapshot is about 3 GB, read from disk faster than a
// busy server stores it, and failed so. A part of 256 MiB is 2048
// chunks, and Put returns only once every chunk of the part is
// acknowledged, so that a Put never has 4000 in flight, however slow the
// server.
var snapshotPartBytes int64 = 256 << 20

func partName(name string, i int) string { return fmt.Sprintf("%s.part-%04d", name, i) }

// snapshotOf describes the object o, the named object of a snapshot.
func snapshotOf(o *jetstream.ObjectInfo, seq uint64) SnapshotInfo {
	info := SnapshotInfo{Name: o.Name, Seq: seq, LogID: o.Metadata["log_id"], Bytes: o.Size, Time: o.ModTime}
	if n, err := strconv.Atoi(o.Metadata["parts"]); err == nil && n > 0 {
		info.Parts = n
		info.Bytes, _ = strconv.ParseUint(o.Metadata["bytes"], 10, 64)
	}
	return info
}

// PublishSnapshot stores sn, which must follow this stream, as the
// snapshot at its version, then deletes all but the newest snapshots.
// sn is read while it is sent (a pipe, no copy on disk); the caller
// closes it.
func (c *Cluster) PublishSnapshot(ctx context.Context, sn *index.Snapshot) (SnapshotInfo, error) {
	if c.LogID() == "" {
		return SnapshotInfo{}, fmt.Errorf("%w: the stream has not been reached yet", ErrUnavailable)
	}
	if sn.LogID != c.LogID() {
		return SnapshotInfo{}, fmt.Errorf("cluster: the index follows %q, not this stream (%s)", sn.LogID, c.LogID())
	}
	obs, err := c.snapshotStore(ctx)
	if err != nil {
		return SnapshotInfo{}, err
	}
	// A shutdown (ctx ending) stops the folder's build too, which does
	// not write to the pipe until done.
	stop := context.AfterFunc(ctx, sn.Abort)
	defer stop()
	pr, pw := io.Pipe()
	go func() {
		_, err := sn.WriteTo(pw)
		pw.CloseWithError(err)
	}()
	defer pr.CloseWithError(errors.New("cluster: snapshot sent"))
	name := snapshotName(sn.Version)
	seq := strconv.FormatUint(sn.Version, 10)
	var parts []string
	var total uint64
	fail := func(err error) (SnapshotInfo, error) {
		for _, p := range parts {
			obs.Delete(context.WithoutCancel(ctx), p)
		}
		return SnapshotInfo{}, fmt.Errorf("cluster: storing the snapshot at %d: %w", sn.Version, err)
	}
	br := bufio.NewReaderSize(pr, 1<<20)
	for {
		if _, err := br.Peek(1); err == io.EOF {
			break
		} else if err != nil {
			return fail(err)
		}
		p := partName(name, len(parts)+1)
		oi, err := obs.Put(ctx, jetstream.ObjectMeta{Name: p,
			Metadata: map[string]string{"seq": seq, "log_id": c.LogID(), "part": strconv.Itoa(len(parts) + 1)}},
			io.LimitReader(br, snapshotPartBytes))
		if oi != nil || err == nil {
			parts = append(parts, p)
		}
		if err != nil {
			return fail(err)
		}
		total += oi.Size
	}
	list, err := json.Marshal(parts)
	if err != nil {
		return fail(err)
	}
	oi, err := obs.Put(ctx, jetstream.ObjectMeta{Name: name,
		Description: "herken index at stream sequence " + seq,
		Metadata: map[string]string{"seq": seq, "log_id": c.LogID(),
			"parts": strconv.Itoa(len(parts)), "bytes": strconv.FormatUint(total, 10)}},
		bytes.NewReader(list))
	if err != nil {
		obs.Delete(context.WithoutCancel(ctx), name)
		return fail(err)
	}
	info := SnapshotInfo{Name: name, Seq: sn.Version, LogID: c.LogID(), Bytes: total, Time: oi.ModTime, Parts: len(parts)}
	c.pruneSnapshots(ctx, obs)
	return info, nil
}

// pruneSnapshots deletes all but the newest snapshots of this stream, and
// those of other incarnations of it, with their parts; and the parts of
// snapshots never completed (a maker stopped mid-way), once a newer
// snapshot is complete.
func (c *Cluster) pruneSnapshots(ctx context.Context, obs jetstream.ObjectStore) {
	all, err := c.allSnapshots(ctx)
	if err != nil {
		return
	}
	kept := map[uint64]bool{}
	var newest uint64
	for i := len(all) - 1; i >= 0; i-- {
		s := all[i]
		if s.LogID == c.LogID() && len(kept) < snapshotsKept {
			kept[s.Seq] = true
			newest = max(newest, s.Seq)
			continue
		}
		c.deleteSnapshot(ctx, obs, s)
	}
	list, err := obs.List(ctx)
	if err != nil {
		return
	}
	for _, o := range list {
		seq, err := strconv.ParseUint(o.Metadata["seq"], 10, 64)
		if err != nil || o.Metadata["part"] == "" || kept[seq] || seq > newest {
			continue
		}
		if err := obs.Delete(ctx, o.Name); err != nil {
			c.log.Warn("cluster: deleting a part of an old snapshot", "name", o.Name, "err", err)
		}
	}
}

func (c *Cluster) deleteSnapshot(ctx context.Context, obs jetstream.ObjectStore, s SnapshotInfo) {
	// The list first, so that a snapshot is never listed without a part.
	if err := obs.Delete(ctx, s.Name); err != nil {
		c.log.Warn("cluster: deleting an old snapshot", "name", s.Name, "err", err)
		return
	}
	for i := 1; i <= s.Parts; i++ {
		if err := obs.Delete(ctx, partName(s.Name, i)); err != nil {
			c.log.Warn("cluster: deleting a part of an old snapshot", "name", partName(s.Name, i), "err", err)
		}
	}
}

// FetchSnapshot writes the snapshot's bytes to w.
func (c *Cluster) FetchSnapshot(ctx context.Context, info SnapshotInfo, w io.Writer) error {
	obs, err := c.snapshotStore(ctx)
	if err != nil {
		return err
	}
	return c.fetchSnapshot(ctx, obs, info, w)
}

func (c *Cluster) fetchSnapshot(ctx context.Context, obs jetstream.ObjectStore, info SnapshotInfo, w io.Writer) error {
	names := []string{info.Name}
	if info.Parts > 0 {
		names = names[:0]
		for i := 1; i <= info.Parts; i++ {
			names = append(names, partName(info.Name, i))
		}
	}
	var n uint64
	for _, name := range names {
		r, err := obs.Get(ctx, name)
		if err != nil {
			return fmt.Errorf("cluster: fetching snapshot %s: %w", name, err)
		}
		// The object store checks the digest at the end of the read.
		k, err := io.Copy(w, r)
		r.Close()
		if err != nil {
			return fmt.Errorf("cluster: fetching snapshot %s: %w", name, err)
		}
		n += uint64(k)
	}
	if n != info.Bytes {
		return fmt.Errorf("cluster: fetching snapshot %s: %d bytes, it holds %d", info.Name, n, info.Bytes)
	}
	return nil
}
