package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher/known"
)

// maxChangeBytes bounds one change record, well under NATS's default
// payload limit of 1 MiB; a larger batch of items is sent as several.
const maxChangeBytes = 512 << 10

// Writer appends changes to the stream. On a replica (a Writer made with
// an Applier) its index-like methods answer as the index would, once the
// change is acknowledged and applied by the replica's own Applier
// (read-your-writes); without one, only Publish is of use.
type Writer struct {
	c *Cluster
	a *Applier
	// ApplyTimeout bounds the wait for the local apply of an acknowledged
	// change (default 10s).
	ApplyTimeout time.Duration
}

// Writer returns a writer; a is the replica's Applier, or nil for a
// client that holds no index (the admin CLI).
func (c *Cluster) Writer(a *Applier) *Writer {
	return &Writer{c: c, a: a, ApplyTimeout: 10 * time.Second}
}

// NotAppliedError says a change was stored by the cluster but not applied
// by this replica in time: it will be, and must not be sent again.
type NotAppliedError struct{ Seq uint64 }

func (e *NotAppliedError) Error() string {
	return fmt.Sprintf("cluster: the change was stored at sequence %d but this replica has not applied it yet", e.Seq)
}

// Publish appends ch to the stream and returns its sequence once the
// stream acknowledged it. A publish whose acknowledgement is lost is sent
// again with the same message id, which the stream stores once. While
// NATS does not answer, it fails with ErrUnavailable.
func (w *Writer) Publish(ctx context.Context, ch Change) (uint64, error) {
	seq, _, err := w.publish(ctx, ch, "")
	return seq, err
}

func (w *Writer) publish(ctx context.Context, ch Change, id string) (uint64, bool, error) {
	data, err := w.encode(ch)
	if err != nil {
		return 0, false, err
	}
	if id == "" {
		id = newMsgID()
	}
	if !w.c.nc.IsConnected() || !w.c.isReady() {
		return 0, false, fmt.Errorf("%w: not connected to NATS", ErrUnavailable)
	}
	deadline := time.Now().Add(2 * w.c.opts.Timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		msg := nats.NewMsg(ch.subject())
		msg.Data = data
		pctx, cancel := context.WithTimeout(ctx, w.c.opts.Timeout)
		ack, err := w.c.js.PublishMsg(pctx, msg, jetstream.WithMsgID(id), jetstream.WithExpectStream(StreamName))
		cancel()
		if err == nil {
			return ack.Sequence, ack.Duplicate, nil
		}
		lastErr = err
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.Code >= 400 && apiErr.Code < 500 {
			return 0, false, fmt.Errorf("cluster: the stream refused the change: %w", err)
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	return 0, false, fmt.Errorf("%w: %v", ErrUnavailable, lastErr)
}

func newMsgID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// write publishes ch and waits for this replica's Applier to apply it,
// returning the outcome of the local apply.
func (w *Writer) write(ch Change) (Result, error) {
	if w.a == nil {
		return Result{}, errors.New("cluster: this writer has no local replica to apply its changes")
	}
	id := newMsgID()
	done := w.a.expect(id)
	defer w.a.forget(id)
	seq, _, err := w.publish(context.Background(), ch, id)
	if err != nil {
		return Result{}, err
	}
	t := time.NewTimer(w.ApplyTimeout)
	defer t.Stop()
	select {
	case res := <-done:
		return res, res.Err
	case <-t.C:
		return Result{}, &NotAppliedError{Seq: seq}
	}
}

// CreateBank creates a bank through the cluster; it returns the sequence
// (the index version) of the change.
func (w *Writer) CreateBank(b known.Bank) (uint64, error) {
	if err := b.Validate(); err != nil {
		return 0, err
	}
	res, err := w.write(Change{Op: OpCreateBank, Bank: &b})
	return res.Seq, err
}

// UpdateBank is in bankupdate.go.

// Retract retracts an item through the cluster.
func (w *Writer) Retract(id uint64, reason, by string) (known.Item, error) {
	return w.setStatus(OpRetract, id, reason, by)
}

// Reactivate re-activates an item through the cluster.
func (w *Writer) Reactivate(id uint64, reason, by string) (known.Item, error) {
	return w.setStatus(OpReactivate, id, reason, by)
}

// Quarantine holds back an item's matches, through the cluster.
func (w *Writer) Quarantine(id uint64, q known.Quarantine) (known.Item, error) {
	res, err := w.write(Change{Op: OpQuarantine, ID: id, Quarantine: &q})
	return res.Item, err
}

// Release ends an item's quarantine, through the cluster.
func (w *Writer) Release(id uint64, reason, by string) (known.Item, error) {
	return w.setStatus(OpRelease, id, reason, by)
}

func (w *Writer) setStatus(op Op, id uint64, reason, by string) (known.Item, error) {
	if strings.TrimSpace(reason) == "" {
		return known.Item{}, index.ErrNoReason
	}
	res, err := w.write(Change{Op: op, ID: id, Reason: reason, By: by})
	return res.Item, err
}

// Version is the sequence this replica has applied: its index version.
func (w *Writer) Version() uint64 {
	if w.a == nil {
		return 0
	}
	return w.a.content.Version()
}

// Bank returns the named bank as this replica holds it.
func (w *Writer) Bank(name string) (known.Bank, error) {
	if w.a == nil {
		return known.Bank{}, errors.New("cluster: reading a bank needs a replica")
	}
	return w.a.content.Bank(name)
}

// View runs fn on this replica's state (known.Content.View).
func (w *Writer) View(fn func(known.State) error) error {
	if w.a == nil {
		return errors.New("cluster: reading the known content needs a replica")
	}
	return w.a.content.View(fn)
}
