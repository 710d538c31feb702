package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/matcher/known"
)

// ErrConflict says a bank update met other updates made at the same time
// on other replicas, as many times as UpdateBank tries: nothing was
// changed, and the caller may send it again.
var ErrConflict = errors.New("cluster: the bank was changed by other updates at the same time")

// bankUpdateTries bounds UpdateBank's attempts: each one that loses a race
// reads the bank again and applies its change to the winner's settings.
const bankUpdateTries = 5

// UpdateBank changes a bank with fn, applied to this replica's copy once
// it has caught up with the stream; the resulting settings are what the
// change carries. The change is optimistic: it is published on the
// condition that no other bank update was stored since the one this
// replica's copy holds (JetStream's expected last sequence of the
// subject), so that two updates made at the same time on two replicas
// never silently lose one. The loser reads the bank again, with the
// winner's change, and applies fn to it again, up to bankUpdateTries
// times; past that it fails with ErrConflict. The check is over every
// bank's updates (one subject), so that an update of another bank at the
// same time costs a retry, never a lost change.
func (w *Writer) UpdateBank(name string, fn func(*known.Bank) error) (known.Bank, error) {
	if w.a == nil {
		return known.Bank{}, errors.New("cluster: updating a bank needs a replica")
	}
	for range bankUpdateTries {
		b, err := w.tryUpdateBank(name, fn)
		if !errors.Is(err, ErrConflict) {
			return b, err
		}
	}
	return known.Bank{}, fmt.Errorf("%w: bank %s, %d tries; send the update again", ErrConflict, name, bankUpdateTries)
}

func (w *Writer) tryUpdateBank(name string, fn func(*known.Bank) error) (known.Bank, error) {
	ctx, cancel := context.WithTimeout(context.Background(), w.ApplyTimeout)
	defer cancel()
	// The last bank update first, then the stream's end: the copy read
	// below holds at least that update, and the stream refuses this one
	// if another came after it.
	subject := subjectPrefix + string(OpSetBank)
	prev, err := w.lastOfSubject(ctx, subject)
	if err != nil {
		return known.Bank{}, err
	}
	// Start from the bank as the whole stream makes it, not as a lagging
	// replica last saw it.
	last, err := w.c.LastSeq(ctx)
	if err != nil {
		return known.Bank{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if err := w.a.WaitApplied(ctx, max(last, prev)); err != nil {
		return known.Bank{}, fmt.Errorf("%w: this replica has not caught up with the stream: %v", ErrUnavailable, err)
	}
	b, err := w.a.content.Bank(name)
	if err != nil {
		return known.Bank{}, err
	}
	if err := fn(&b); err != nil {
		return known.Bank{}, err
	}
	if b.Name != name {
		return known.Bank{}, &known.InvalidError{Msg: "a bank cannot be renamed"}
	}
	if err := b.Validate(); err != nil {
		return known.Bank{}, err
	}
	ch := Change{V: formatVersion, Op: OpSetBank, Bank: &b}
	data, err := json.Marshal(ch)
	if err != nil {
		return known.Bank{}, fmt.Errorf("cluster: encoding a change: %w", err)
	}
	id := newMsgID()
	done := w.a.expect(id)
	defer w.a.forget(id)
	seq, err := w.publishAfter(ctx, subject, data, id, prev)
	if err != nil {
		return known.Bank{}, err
	}
	t := time.NewTimer(w.ApplyTimeout)
	defer t.Stop()
	select {
	case res := <-done:
		return res.Bank, res.Err
	case <-t.C:
		return known.Bank{}, &NotAppliedError{Seq: seq}
	}
}

// lastOfSubject is the sequence of the stream's last message on subject,
// 0 if it holds none.
func (w *Writer) lastOfSubject(ctx context.Context, subject string) (uint64, error) {
	if !w.c.isReady() {
		return 0, fmt.Errorf("%w: the stream is not ready", ErrUnavailable)
	}
	m, err := w.c.stream.GetLastMsgForSubject(ctx, subject)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return m.Sequence, nil
}

// publishAfter appends data to subject on the condition that the
// subject's last message is still prev; ErrConflict if another came
// since. A publish whose acknowledgement is lost is sent again with the
// same id: the stream stores it once, and answers the resend as a
// duplicate before it checks the condition.
func (w *Writer) publishAfter(ctx context.Context, subject string, data []byte, id string, prev uint64) (uint64, error) {
	if !w.c.nc.IsConnected() || !w.c.isReady() {
		return 0, fmt.Errorf("%w: not connected to NATS", ErrUnavailable)
	}
	var lastErr error
	for ctx.Err() == nil {
		msg := nats.NewMsg(subject)
		msg.Data = data
		pctx, cancel := context.WithTimeout(ctx, w.c.opts.Timeout)
		ack, err := w.c.js.PublishMsg(pctx, msg, jetstream.WithMsgID(id), jetstream.WithExpectStream(StreamName),
			jetstream.WithExpectLastSequencePerSubject(prev))
		cancel()
		if err == nil {
			return ack.Sequence, nil
		}
		lastErr = err
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) {
			switch {
			case apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence,
				apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant:
				return 0, ErrConflict
			case apiErr.Code >= 400 && apiErr.Code < 500:
				return 0, fmt.Errorf("cluster: the stream refused the change: %w", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("%w: %v", ErrUnavailable, lastErr)
}

// UpdateBankFromStream is UpdateBank for a client that holds no replica
// (the admin CLI): the bank is read from the stream (Cluster.Bank), fn is
// applied to it, and the result published on the same condition, tried
// again on a conflict. It returns the bank as sent and the sequence the
// stream stored it at; the replicas apply it as they follow the stream.
func (w *Writer) UpdateBankFromStream(ctx context.Context, name string, fn func(*known.Bank) error) (known.Bank, uint64, error) {
	subject := subjectPrefix + string(OpSetBank)
	for range bankUpdateTries {
		prev, err := w.lastOfSubject(ctx, subject)
		if err != nil {
			return known.Bank{}, 0, err
		}
		// Read up to prev at least: the bank read holds that update,
		// even from a server that has not stored it yet.
		b, err := w.c.bankAtLeast(ctx, name, prev)
		if err != nil {
			return known.Bank{}, 0, err
		}
		if err := fn(&b); err != nil {
			return known.Bank{}, 0, err
		}
		if b.Name != name {
			return known.Bank{}, 0, &known.InvalidError{Msg: "a bank cannot be renamed"}
		}
		if err := b.Validate(); err != nil {
			return known.Bank{}, 0, err
		}
		data, err := json.Marshal(Change{V: formatVersion, Op: OpSetBank, Bank: &b})
		if err != nil {
			return known.Bank{}, 0, fmt.Errorf("cluster: encoding a change: %w", err)
		}
		pctx, cancel := context.WithTimeout(ctx, 2*w.c.opts.Timeout)
		seq, err := w.publishAfter(pctx, subject, data, newMsgID(), prev)
		cancel()
		if !errors.Is(err, ErrConflict) {
			return b, seq, err
		}
	}
	return known.Bank{}, 0, fmt.Errorf("%w: bank %s, %d tries; send the update again", ErrConflict, name, bankUpdateTries)
}
