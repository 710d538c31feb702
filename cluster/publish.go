package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher/known"
)

// publishWindow is how many changes of one batch may await the stream's
// acknowledgement at once. One at a time, a bulk import spent most of
// its time waiting for the round trip through the stream's Raft group.
const publishWindow = 16

// importBatch is the batch a replica's writer asks an import for
// (importer.Batcher): several changes, sent together.
const importBatch = 16384

// ImportBatch is how many items an import hands the writer at once.
func (w *Writer) ImportBatch() int { return importBatch }

// sent is what became of one change of a batch.
type sent struct {
	id  string
	seq uint64 // the stream's sequence, once acknowledged
	err error  // why it is not stored
}

// publishAll appends changes to the stream in order, up to
// publishWindow of them awaiting their acknowledgement at once, and
// returns what became of each. A change whose acknowledgement did not
// come is sent again, in order, with the same message id, which the
// stream stores once; one that still fails stops the batch, and the
// changes after it that were not acknowledged are not sent again. So
// the stream holds the batch's acknowledged changes, in the order sent,
// and each change is reported stored (with its sequence) or not (with
// why): nothing is skipped without a word. A change too large for the
// cluster refuses the whole batch before anything is sent. ids, if
// given, are the changes' message ids (a replica's writer waits for them).
func (w *Writer) publishAll(ctx context.Context, changes []Change, encoded [][]byte, ids []string) ([]sent, error) {
	msgs := make([]*nats.Msg, len(changes))
	out := make([]sent, len(changes))
	for i := range changes {
		var data []byte
		var err error
		if encoded != nil {
			data, err = encoded[i], changes[i].check()
			if err == nil {
				err = w.fits(data)
			}
		} else {
			data, err = w.encode(changes[i])
		}
		if err != nil {
			return nil, err
		}
		msgs[i] = nats.NewMsg(changes[i].subject())
		msgs[i].Data = data
		out[i].id = newMsgID()
		if ids != nil {
			out[i].id = ids[i]
		}
	}
	if !w.c.nc.IsConnected() || !w.c.isReady() {
		return nil, fmt.Errorf("%w: not connected to NATS", ErrUnavailable)
	}
	var inflight []int
	var futures []jetstream.PubAckFuture
	failed := false
	// collect waits for the oldest change in flight.
	collect := func() {
		i, f := inflight[0], futures[0]
		inflight, futures = inflight[1:], futures[1:]
		t := time.NewTimer(w.c.opts.Timeout)
		defer t.Stop()
		select {
		case ack := <-f.Ok():
			out[i].seq = ack.Sequence
		case err := <-f.Err():
			out[i].err = err
		case <-t.C:
			out[i].err = fmt.Errorf("no acknowledgement in %s", w.c.opts.Timeout)
		case <-ctx.Done():
			out[i].err = ctx.Err()
		}
		if out[i].err != nil {
			failed = true
		}
	}
	for i := range msgs {
		if failed || ctx.Err() != nil {
			out[i].err = errors.New("not sent")
			continue
		}
		f, err := w.c.js.PublishMsgAsync(msgs[i], jetstream.WithMsgID(out[i].id), jetstream.WithExpectStream(StreamName))
		if err != nil {
			out[i].err = err
			failed = true
			continue
		}
		inflight, futures = append(inflight, i), append(futures, f)
		if len(inflight) >= publishWindow {
			collect()
		}
	}
	for len(inflight) > 0 {
		collect()
	}
	// Send again, in order, what was not acknowledged: the stream stores
	// a message id once, so a change stored whose acknowledgement was
	// lost is not stored twice.
	var stop error
	for i := range out {
		if out[i].err == nil {
			continue
		}
		if stop != nil {
			out[i].err = stop
			continue
		}
		seq, _, err := w.publish(ctx, changes[i], out[i].id)
		if err != nil {
			stop = err
			out[i].err = err
			continue
		}
		out[i].seq, out[i].err = seq, nil
	}
	return out, stop
}

// encode checks and encodes a change.
func (w *Writer) encode(ch Change) ([]byte, error) {
	ch.V = formatVersion
	if err := ch.check(); err != nil {
		return nil, err
	}
	data, err := json.Marshal(ch)
	if err != nil {
		return nil, fmt.Errorf("cluster: encoding a change: %w", err)
	}
	return data, w.fits(data)
}

// fits refuses an encoded change over the cluster's message limit.
func (w *Writer) fits(data []byte) error {
	// The headers (the message id) take a little of the server's payload
	// limit.
	if limit := int(w.c.nc.MaxPayload()) - 1024; limit > 0 && len(data) > limit {
		return &known.InvalidError{Msg: fmt.Sprintf("a change of %d bytes is over the cluster's message limit of %d (an item with that many signals or variants cannot be sent)", len(data), limit)}
	}
	return nil
}

// itemChanges cuts items into add_items changes under maxChangeBytes
// each, and returns them, each one's encoding and the index of its first
// item. Each item is marshalled once, for its size and for the change's
// encoding both (apart, they cost a bulk import twice the JSON work);
// the encoding is the one json.Marshal gives the Change.
func itemChanges(items []known.Item) ([]Change, [][]byte, []int, error) {
	head, err := json.Marshal(Change{V: formatVersion, Op: OpAddItems})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cluster: encoding a change: %w", err)
	}
	head = append(head[:len(head)-1], `,"items":[`...)
	var changes []Change
	var data [][]byte
	var first []int
	start := 0
	buf := append([]byte(nil), head...)
	cut := func(end int) {
		changes = append(changes, Change{V: formatVersion, Op: OpAddItems, Items: items[start:end]})
		data = append(data, append(buf, ']', '}'))
		first = append(first, start)
		start, buf = end, append([]byte(nil), head...)
	}
	for i := range items {
		b, err := json.Marshal(items[i])
		if err != nil {
			return nil, nil, nil, fmt.Errorf("cluster: encoding a change: %w", err)
		}
		if i > start && len(buf)+len(b)+3 > maxChangeBytes {
			cut(i)
		}
		if i > start {
			buf = append(buf, ',')
		}
		buf = append(buf, b...)
	}
	if start < len(items) {
		cut(len(items))
	}
	return changes, data, first, nil
}

// PublishItemsStored appends items in as many changes as their size
// needs, several in flight at once, and returns which items the stream
// stored (each acknowledged), the sequence of the last stored change and
// how many changes were stored. On an error, stored says exactly which
// items are in the stream: a retry of the others is safe (imports are
// idempotent).
func (w *Writer) PublishItemsStored(ctx context.Context, items []known.Item) (stored []bool, last uint64, changes int, err error) {
	stored = make([]bool, len(items))
	chs, data, first, err := itemChanges(items)
	if err != nil {
		return stored, 0, 0, err
	}
	res, err := w.publishAll(ctx, chs, data, nil)
	if res == nil {
		return stored, 0, 0, err
	}
	for j, r := range res {
		if r.err != nil {
			continue
		}
		changes++
		last = max(last, r.seq)
		for k := range chs[j].Items {
			stored[first[j]+k] = true
		}
	}
	return stored, last, changes, err
}

// AddItems adds items through the cluster, in as many changes as their
// size needs, several in flight at once; the outcomes are those of this
// replica's apply, and the version is the sequence of the last change.
// It returns once every stored change is applied here. If a change could
// not be stored, the error says why and the outcomes of its items (and
// of any not sent after it) are index.ErrNotStored; the other outcomes
// are those of their apply.
func (w *Writer) AddItems(items []known.Item) ([]index.Outcome, uint64, error) {
	if w.a == nil {
		return nil, 0, errors.New("cluster: this writer has no local replica to apply its changes")
	}
	chs, data, first, err := itemChanges(items)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]string, len(chs))
	waits := make([]chan Result, len(chs))
	for j := range chs {
		ids[j] = newMsgID()
		waits[j] = w.a.expect(ids[j])
	}
	defer func() {
		for _, id := range ids {
			w.a.forget(id)
		}
	}()
	res, err := w.publishAll(context.Background(), chs, data, ids)
	if res == nil {
		return nil, 0, err
	}
	out := make([]index.Outcome, len(items))
	var seq uint64
	for j, r := range res {
		part := out[first[j] : first[j]+len(chs[j].Items)]
		if r.err != nil {
			for k := range part {
				part[k].Err = fmt.Errorf("%w: %v", index.ErrNotStored, r.err)
			}
			continue
		}
		var applied Result
		t := time.NewTimer(w.ApplyTimeout)
		select {
		case applied = <-waits[j]:
			t.Stop()
		case <-t.C:
			// Stored, but not applied here in time: the outcomes are not
			// known yet, and the change must not be sent again.
			na := &NotAppliedError{Seq: r.seq}
			for k := range part {
				part[k].Err = na
			}
			if err == nil {
				err = na
			}
			continue
		}
		if applied.Err != nil {
			// Every replica refused the change alike (its items are not
			// stored in any index).
			for k := range part {
				part[k].Err = fmt.Errorf("%w: %v", index.ErrNotStored, applied.Err)
			}
			if err == nil {
				err = applied.Err
			}
			continue
		}
		copy(part, applied.Outcomes)
		seq = max(seq, applied.Seq)
	}
	return out, seq, err
}
