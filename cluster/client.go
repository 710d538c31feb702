package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher/known"
)

// What a client that holds no index (the admin CLI) can do with the
// stream: append changes, and ask what it holds.

// PublishItems appends items in as many changes as their size needs, and
// returns the sequence of the last one and how many there were. What
// became of each item is decided by the replicas' apply.
func (w *Writer) PublishItems(ctx context.Context, items []known.Item) (uint64, int, error) {
	_, seq, n, err := w.PublishItemsStored(ctx, items)
	return seq, n, err
}

// Bank returns the named bank as the stream's changes make it, replayed
// the way a replica applies them (its first valid creation, then the
// settings of each later update): for a client that holds no index but
// must start from a bank's settings. A bank the stream never created is
// index.ErrBankNotFound. A read that fails (a cluster just formed still
// electing its leaders; a consumer that vanished with a node) is started
// again, until ctx ends or electionWait timeouts passed.
func (c *Cluster) Bank(ctx context.Context, name string) (known.Bank, error) {
	return c.bankAtLeast(ctx, name, 0)
}

// bankAtLeast is Bank read up to the stream's sequence seq at least. The
// consumer that replays the changes may be served by a server that has
// not stored the newest ones yet: it then says nothing is pending before
// it delivers them. An update conditioned on seq being the last bank
// change must start from a bank that holds it, or it would publish a
// state without that change and the condition would let it through.
func (c *Cluster) bankAtLeast(ctx context.Context, name string, seq uint64) (known.Bank, error) {
	if !c.isReady() {
		return known.Bank{}, fmt.Errorf("%w: the stream has not been reached yet", ErrUnavailable)
	}
	ctx, cancel := context.WithTimeout(ctx, electionWait*c.opts.Timeout)
	defer cancel()
	var bank known.Bank
	err := c.retry(ctx, "the bank changes", 4*c.opts.Timeout, func(ctx context.Context, _ int) error {
		var err error
		bank, err = c.bankOnce(ctx, name, seq)
		return err
	})
	return bank, err
}

// bankOnce is one try of Bank: errors that waiting does not change are
// final.
func (c *Cluster) bankOnce(ctx context.Context, name string, seq uint64) (known.Bank, error) {
	// A stream that no longer starts at its first change (seeded from a
	// single node, or limited) starts from the newest snapshot.
	if b, ok, err := c.bankFromSnapshot(ctx, name, seq); ok || err != nil {
		return b, err
	}
	subjects := []string{subjectPrefix + string(OpCreateBank), subjectPrefix + string(OpSetBank)}
	info, err := c.stream.Info(ctx, jetstream.WithSubjectFilter(subjectPrefix+">"))
	if err != nil {
		return known.Bank{}, err
	}
	if info.State.Subjects[subjects[0]] == 0 {
		return known.Bank{}, final(fmt.Errorf("%w: %s", index.ErrBankNotFound, name))
	}
	cons, err := c.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{FilterSubjects: subjects})
	if err != nil {
		return known.Bank{}, err
	}
	msgs, err := cons.Messages()
	if err != nil {
		return known.Bank{}, err
	}
	defer msgs.Stop()
	stop := context.AfterFunc(ctx, msgs.Stop)
	defer stop()
	var bank *known.Bank
	for {
		msg, err := msgs.Next()
		if err != nil {
			return known.Bank{}, err
		}
		md, err := msg.Metadata()
		if err != nil {
			return known.Bank{}, final(fmt.Errorf("cluster: a message without metadata: %w", err))
		}
		bank = foldBankChange(bank, name, msg.Data(), md.Timestamp)
		if md.NumPending == 0 && md.Sequence.Stream >= seq {
			break
		}
	}
	if bank == nil {
		return known.Bank{}, final(fmt.Errorf("%w: %s", index.ErrBankNotFound, name))
	}
	return *bank, nil
}

// foldBankChange applies one bank change of the stream (data, stored at
// at) to bank, the state of the bank called name so far (nil: not created
// yet), as a replica applies it: the first valid creation, then the
// settings of each update.
func foldBankChange(bank *known.Bank, name string, data []byte, at time.Time) *known.Bank {
	ch, err := decodeChange(data)
	if err != nil || ch.Bank == nil || ch.Bank.Name != name || ch.Bank.Validate() != nil {
		return bank
	}
	switch {
	case ch.Op == OpCreateBank && bank == nil:
		bank = ch.Bank
		bank.CreatedAt = at.UTC()
		if bank.Categories == nil {
			bank.Categories = []known.Category{}
		}
	case ch.Op == OpSetBank && bank != nil:
		ch.Bank.CreatedAt, ch.Bank.CreatedBy = bank.CreatedAt, bank.CreatedBy
		bank = ch.Bank
	}
	return bank
}
