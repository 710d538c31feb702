package cluster

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/matcher/known"
)

// What a client that holds no index (the admin CLI) can do with the
// stream: append changes, and ask what it holds.

// PublishItems appends items in as many changes as their size needs, and
// returns the sequence of the last one and how many there were. What
// became of each item is decided by the replicas' apply.
func (w *Writer) PublishItems(ctx context.Context, items []known.Item) (uint64, int, error) {
	var seq uint64
	parts := splitItems(items)
	for _, part := range parts {
		var err error
		if seq, err = w.Publish(ctx, Change{Op: OpAddItems, Items: part}); err != nil {
			return seq, 0, err
		}
	}
	return seq, len(parts), nil
}

// BankCreated reports whether the stream holds a change creating the
// named bank: a client's check before it sends items to a bank. (A bank is
// never deleted; a creation refused because the bank existed names one
// that exists too.)
func (c *Cluster) BankCreated(ctx context.Context, name string) (bool, error) {
	subject := subjectPrefix + string(OpCreateBank)
	ctx, cancel := context.WithTimeout(ctx, 4*c.opts.Timeout)
	defer cancel()
	info, err := c.stream.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if info.State.Subjects[subject] == 0 {
		return false, nil
	}
	cons, err := c.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	msgs, err := cons.Messages()
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer msgs.Stop()
	stop := context.AfterFunc(ctx, msgs.Stop)
	defer stop()
	for {
		msg, err := msgs.Next()
		if err != nil {
			return false, fmt.Errorf("%w: reading the bank changes: %v", ErrUnavailable, err)
		}
		var ch Change
		if json.Unmarshal(msg.Data(), &ch) == nil && ch.Bank != nil && ch.Bank.Name == name {
			return true, nil
		}
		if md, err := msg.Metadata(); err == nil && md.NumPending == 0 {
			return false, nil
		}
	}
}
