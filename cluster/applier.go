package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher/known"
)

// StaleAfter is how long a replica may go without hearing from the
// stream before it calls itself stale. The Applier asks the stream for
// its last sequence every second.
const StaleAfter = 3 * time.Second

// Result is the outcome of applying one change on this replica.
type Result struct {
	Seq      uint64
	Bank     known.Bank
	Outcomes []index.Outcome
	Item     known.Item
	// Err is the apply's refusal (index.ErrBankExists, ...): every
	// replica refused the change alike.
	Err error
}

// Applier applies the stream of changes, in order, to one index.
type Applier struct {
	c       *Cluster
	content *index.Content

	streamLast  atomic.Uint64 // the stream's last sequence, as last seen
	lastContact atomic.Int64  // unix nanoseconds of the last answer of the stream

	mu       sync.Mutex
	waiters  map[string]chan Result // by message id, for writers of this replica
	progress chan struct{}          // closed and replaced after each apply
	failure  error                  // why applying stopped, until it moves again
}

// NewApplier returns an Applier feeding content, which from then on
// follows this cluster's stream only (index.Content.Follow): a folder
// that holds content of its own, or followed another incarnation of the
// stream, is refused. On a Cluster from Dial that has not reached the
// stream yet, content must be a replica's folder already: it serves its
// last state until Run reaches the stream.
func (c *Cluster) NewApplier(content *index.Content) (*Applier, error) {
	if c.isReady() {
		if err := content.Follow(c.logID); err != nil {
			return nil, err
		}
	} else if _, ok := content.FollowedLog(); !ok {
		return nil, fmt.Errorf("%w: the cluster has not answered, and this folder is no replica yet: it has nothing to serve", ErrUnavailable)
	}
	a := &Applier{c: c, content: content, waiters: map[string]chan Result{}, progress: make(chan struct{})}
	a.lastContact.Store(time.Now().UnixNano())
	return a, nil
}

// Run applies changes until ctx ends, following the stream through
// disconnections: each time it (re)starts reading after the sequence the
// index holds.
func (a *Applier) Run(ctx context.Context) {
	go a.poll(ctx)
	select {
	case <-a.c.ready:
	case <-ctx.Done():
		return
	}
	if err := a.content.Follow(a.c.logID); err != nil {
		// The stream was made anew since this folder followed it: its
		// sequences are not this folder's. It keeps serving its state,
		// and says why it applies nothing.
		a.setFailure(err)
		a.c.log.Error("cluster: this folder cannot follow the stream", "err", err)
		return
	}
	wait := 250 * time.Millisecond
	for ctx.Err() == nil {
		started, err := a.follow(ctx)
		if ctx.Err() != nil {
			return
		}
		if started {
			wait = 250 * time.Millisecond
		}
		// Warn once per outage, not at every retry while NATS is away.
		if a.setFailure(err) {
			a.c.log.Warn("cluster: applying the stream stopped; retrying", "applied", a.content.Version(), "err", err)
		} else {
			a.c.log.Debug("cluster: applying the stream stopped; retrying", "applied", a.content.Version(), "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, 4*time.Second)
	}
}

// follow reads the stream from the sequence after the index's version and
// applies each message, until an error or ctx ends. started says whether
// it got as far as reading.
func (a *Applier) follow(ctx context.Context) (started bool, err error) {
	cctx, cancel := context.WithTimeout(ctx, a.c.opts.Timeout)
	cons, err := a.c.js.OrderedConsumer(cctx, StreamName, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   a.content.Version() + 1,
	})
	cancel()
	if err != nil {
		return false, fmt.Errorf("cluster: reading the stream: %w", err)
	}
	msgs, err := cons.Messages()
	if err != nil {
		return false, fmt.Errorf("cluster: reading the stream: %w", err)
	}
	if a.setFailure(nil) {
		a.c.log.Info("cluster: reading the stream again", "from", a.content.Version()+1)
	}
	// Next may hold on for long after the stop: with NATS gone, the
	// client resets its consumer by requests that time out one after the
	// other, holding the lock Stop takes too. Both run on goroutines of
	// their own, so that a stop is not held up by them; what it reads after the stop is not applied, and
	// it ends once the requests give up (at once when the connection is
	// closed).
	type next struct {
		msg jetstream.Msg
		err error
	}
	read := make(chan next)
	done := make(chan struct{})
	defer close(done)
	defer func() { go msgs.Stop() }()
	go func() {
		for {
			msg, err := msgs.Next()
			select {
			case read <- next{msg, err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for {
		var n next
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case n = <-read:
		}
		if n.err != nil {
			return true, n.err
		}
		if err := a.apply(n.msg); err != nil {
			return true, err
		}
	}
}

// apply applies one message, or returns why it cannot be applied now.
func (a *Applier) apply(msg jetstream.Msg) error {
	md, err := msg.Metadata()
	if err != nil {
		return fmt.Errorf("cluster: a message without metadata: %w", err)
	}
	seq := md.Sequence.Stream
	a.contact(seq + md.NumPending)
	if seq <= a.content.Version() {
		return nil // applied before a reconnection
	}
	if v := a.content.Version(); seq > v+1 {
		// The stream dropped the changes in between (a limit, a seed):
		// applying this one would skip them. A restart loads a snapshot
		// (OpenReplica).
		return fmt.Errorf("cluster: the stream no longer holds the changes after %d (the next it holds is %d): restart this replica to load a snapshot", v, seq)
	}
	ch, err := decodeChange(msg.Data())
	if err != nil {
		return fmt.Errorf("cluster: change %d: %w", seq, err)
	}
	at := index.At{Version: seq, Time: md.Timestamp}
	res := Result{Seq: seq}
	switch ch.Op {
	case OpCreateBank:
		if res.Err = a.content.CreateBankAt(at, *ch.Bank); res.Err == nil {
			res.Bank, res.Err = a.content.Bank(ch.Bank.Name)
		}
	case OpSetBank:
		res.Bank, res.Err = a.content.SetBankAt(at, *ch.Bank)
	case OpAddItems:
		res.Outcomes, res.Err = a.content.AddItemsAt(at, ch.Items)
	case OpRetract:
		res.Item, res.Err = a.content.RetractAt(at, ch.ID, ch.Reason, ch.By)
	case OpReactivate:
		res.Item, res.Err = a.content.ReactivateAt(at, ch.ID, ch.Reason, ch.By)
	case OpQuarantine:
		res.Item, res.Err = a.content.QuarantineAt(at, ch.ID, *ch.Quarantine)
	case OpRelease:
		res.Item, res.Err = a.content.ReleaseAt(at, ch.ID, ch.Reason, ch.By)
	}
	if a.content.Version() < seq {
		// Not a refusal: this node failed (I/O, a full disk). The change
		// is applied again when reading resumes.
		return fmt.Errorf("cluster: applying change %d: %w", seq, res.Err)
	}
	a.mu.Lock()
	if w, ok := a.waiters[msg.Headers().Get(nats.MsgIdHdr)]; ok {
		w <- res
	}
	close(a.progress)
	a.progress = make(chan struct{})
	a.mu.Unlock()
	return nil
}

// expect registers a writer of this replica waiting for the change with
// message id id.
func (a *Applier) expect(id string) chan Result {
	ch := make(chan Result, 1)
	a.mu.Lock()
	a.waiters[id] = ch
	a.mu.Unlock()
	return ch
}

func (a *Applier) forget(id string) {
	a.mu.Lock()
	delete(a.waiters, id)
	a.mu.Unlock()
}

// WaitApplied waits until this replica has applied sequence seq.
func (a *Applier) WaitApplied(ctx context.Context, seq uint64) error {
	for {
		a.mu.Lock()
		p := a.progress
		a.mu.Unlock()
		if a.content.Version() >= seq {
			return nil
		}
		select {
		case <-p:
		case <-ctx.Done():
			return fmt.Errorf("cluster: waiting for sequence %d (applied %d): %w", seq, a.content.Version(), ctx.Err())
		}
	}
}

func (a *Applier) contact(last uint64) {
	a.lastContact.Store(time.Now().UnixNano())
	for {
		old := a.streamLast.Load()
		if last <= old || a.streamLast.CompareAndSwap(old, last) {
			return
		}
	}
}

// setFailure records why applying stopped (nil: it runs), and reports
// whether that changes the state from running to stopped or back.
func (a *Applier) setFailure(err error) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	changed := (a.failure == nil) != (err == nil)
	a.failure = err
	return changed
}

// poll asks the stream for its last sequence every second, so that a
// replica knows its lag, and when it last heard from the cluster, also
// while no change arrives.
func (a *Applier) poll(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !a.c.nc.IsConnected() {
			continue
		}
		if last, err := a.c.LastSeq(ctx); err == nil {
			a.contact(last)
		}
	}
}

// Status is a replica's place in the stream, for operators.
type Status struct {
	AppliedSeq uint64 `json:"applied_seq"`
	// StreamLastSeq is the stream's last sequence when last heard of.
	StreamLastSeq uint64 `json:"stream_last_seq"`
	// Lag is how many changes this replica has yet to apply, as far as it
	// knows.
	Lag                 uint64  `json:"lag"`
	Connected           bool    `json:"connected"`
	SecondsSinceContact float64 `json:"seconds_since_contact"`
	// Stale is set while the replica is cut off from the stream: it
	// answers from its last state.
	Stale bool   `json:"stale"`
	Error string `json:"error,omitempty"`
}

// Status returns the replica's status.
func (a *Applier) Status() Status {
	st := Status{AppliedSeq: a.content.Version(), StreamLastSeq: a.streamLast.Load(), Connected: a.c.nc.IsConnected()}
	if st.StreamLastSeq > st.AppliedSeq {
		st.Lag = st.StreamLastSeq - st.AppliedSeq
	}
	since, stale := a.Stale()
	st.SecondsSinceContact, st.Stale = since.Seconds(), stale
	a.mu.Lock()
	if a.failure != nil && !errors.Is(a.failure, context.Canceled) {
		st.Error = a.failure.Error()
	}
	a.mu.Unlock()
	return st
}

// Stale reports whether the replica is cut off from the stream, and for
// how long it has not heard from it: Status's Stale and
// SecondsSinceContact, cheap enough for every request.
func (a *Applier) Stale() (time.Duration, bool) {
	since := time.Since(time.Unix(0, a.lastContact.Load()))
	return since, since > StaleAfter || !a.c.nc.IsConnected()
}

// Writable returns ErrUnavailable while writes cannot reach the cluster.
func (a *Applier) Writable() error {
	if !a.c.nc.IsConnected() {
		return fmt.Errorf("%w: not connected to NATS", ErrUnavailable)
	}
	return nil
}
