package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The JetStream assets of a cluster (the streams, the key-value buckets,
// the object store) are found or made by ensure, the one place that waits
// for a NATS cluster that cannot answer yet: one just formed, or one
// electing a stream's leader after a node left. Every replica of a new
// cluster starts at about the same time, and the admin CLI may run right
// after the cluster did, so a request that times out or is answered "no
// leader" is tried again, with a growing pause, until the caller's
// context ends (for a look-up made once, lookup, at most electionWait).

// ensure runs try until it returns nil or ctx ends. Each try gets a
// context of its own: the first ones give up after a second (a node that
// just rejoined may leave a request unanswered), later ones after
// Options.Timeout. replicas is the number of replicas to make an asset
// with: it starts at Options.Replicas (3 by default) and goes down when
// the NATS cluster says it holds fewer. what names the asset in the log
// and in the error, which wraps ErrUnavailable and the last try's error.
func (c *Cluster) ensure(ctx context.Context, what string, try func(ctx context.Context, replicas int) error) error {
	return c.retry(ctx, what, c.opts.Timeout, try)
}

// electionWait bounds, in requests' timeouts (a minute by default), the
// wait of a look-up made once (lookup, Bank), whatever the caller's
// context: longer than a NATS cluster takes to elect its leaders, and
// short enough that a replica opening its folder, or the admin CLI, fails
// rather than hang while the cluster is gone. The background searches
// (Dial, the key bucket, the audit stream) wait for as long as it takes.
const electionWait = 12

// lookup is ensure for a look-up made once: it waits at most
// electionWait timeouts.
func (c *Cluster) lookup(ctx context.Context, what string, try func(ctx context.Context, replicas int) error) error {
	ctx, cancel := context.WithTimeout(ctx, electionWait*c.opts.Timeout)
	defer cancel()
	return c.retry(ctx, what, c.opts.Timeout, try)
}

// retry is ensure with tries of up to maxTry each. A try that returns
// final(err) is not tried again: retry returns err as it is.
func (c *Cluster) retry(ctx context.Context, what string, maxTry time.Duration, try func(ctx context.Context, replicas int) error) error {
	replicas := c.opts.Replicas
	if replicas <= 0 {
		replicas = 3
	}
	attempt := min(time.Second, maxTry)
	for wait := 100 * time.Millisecond; ; wait, attempt = min(2*wait, 2*time.Second), min(2*attempt, maxTry) {
		rctx, cancel := context.WithTimeout(ctx, attempt)
		err := try(rctx, replicas)
		cancel()
		var f finalError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &f):
			return f.err
		case fewerReplicas(err) && replicas > 1:
			replicas--
			continue
		case permanent(err):
			return fmt.Errorf("cluster: %s: %w", what, err)
		}
		c.log.Info("cluster: waiting for the NATS cluster", "for", what, "err", err)
		select {
		case <-ctx.Done():
			if !c.nc.IsConnected() {
				return fmt.Errorf("%w: no NATS server answered at %s (%s)", ErrUnavailable, redact(c.nc.Servers()), what)
			}
			return fmt.Errorf("%w: waiting for %s: %w (last: %w)", ErrUnavailable, what, ctx.Err(), err)
		case <-time.After(wait):
		}
	}
}

// permanent reports whether err will not go away by waiting: JetStream
// not enabled on the server or the account.
func permanent(err error) bool {
	return errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount)
}

// finalError ends retry with its error.
type finalError struct{ err error }

func (f finalError) Error() string { return f.err.Error() }

// final marks err as one that waiting does not change: retry returns it.
func final(err error) error { return finalError{err} }
