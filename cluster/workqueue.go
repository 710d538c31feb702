package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Batches spread over replicas: the replica holding a crawler's batch
// (its holder) may publish some of its lines to the work-queue stream
// HERKEN_WORK, every replica's worker pulls them from one shared durable
// consumer, answers each with its own index, and sends the answer back
// to the holder on a core NATS inbox of that batch, as a request: the
// work item is acked only once the holder confirmed that it has the
// answer. A worker that dies before that leaves the item unacked, and
// the stream delivers it again to another worker after AckWait; the
// holder drops a second answer to a line it already has.
//
// Only what the holder gives (URL and hash lines) is published: it
// decides what may leave the replica.
const (
	WorkStreamName    = "HERKEN_WORK"
	workSubjectPrefix = "herken.work."
	workConsumerName  = "herken-workers"
	// Headers of a work item and of its answer.
	workReplyHeader = "Herken-Reply"
	workLineHeader  = "Herken-Line"
)

// WorkOptions configure a WorkQueue.
type WorkOptions struct {
	// Replica names this replica: the subject its batches' items go to.
	Replica string
	// AckWait is how long an item given to a worker waits for its ack
	// before it is given to another (default 30s; a worker that takes
	// longer on one line says so to the stream meanwhile). It is set by
	// the replica that creates the shared consumer.
	AckWait time.Duration
	// AnswerTimeout bounds the holder's confirmation of one answer
	// (default 5s); past it the item is delivered again.
	AnswerTimeout time.Duration
}

// WorkQueue is this replica's access to the stream of batch lines.
type WorkQueue struct {
	c     *Cluster
	opts  WorkOptions
	ready chan struct{}
	// stream and cons are set before ready is closed.
	stream jetstream.Stream
	cons   jetstream.Consumer
	stop   context.CancelFunc
}

// WorkQueue returns the work queue of the cluster. It ensures the stream
// and its consumer in the background, once the cluster answers; until
// then Spread fails with ErrUnavailable and Work waits.
func (c *Cluster) WorkQueue(opts WorkOptions) *WorkQueue {
	if opts.AckWait <= 0 {
		opts.AckWait = 30 * time.Second
	}
	if opts.AnswerTimeout <= 0 {
		opts.AnswerTimeout = 5 * time.Second
	}
	if opts.Replica == "" {
		opts.Replica = c.opts.Name
	}
	ctx, cancel := context.WithCancel(context.Background())
	q := &WorkQueue{c: c, opts: opts, ready: make(chan struct{}), stop: cancel}
	go func() {
		select {
		case <-c.ready:
		case <-ctx.Done():
			return
		}
		if err := q.ensure(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("cluster: no work queue", "err", err)
		}
	}()
	return q
}

// Replica names this replica.
func (q *WorkQueue) Replica() string { return q.opts.Replica }

// Close stops ensuring the stream; workers stop with their context.
func (q *WorkQueue) Close() { q.stop() }

// Ready is closed once the stream and its consumer are there.
func (q *WorkQueue) Ready() <-chan struct{} { return q.ready }

func (q *WorkQueue) ensure(ctx context.Context) error {
	replicas := q.c.opts.Replicas
	if replicas <= 0 {
		replicas = 3
	}
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		rctx, cancel := context.WithTimeout(ctx, q.c.opts.Timeout)
		s, err := q.c.js.CreateOrUpdateStream(rctx, jetstream.StreamConfig{
			Name:        WorkStreamName,
			Description: "herken: batch lines spread over the replicas (URLs and hashes, never content)",
			Subjects:    []string{workSubjectPrefix + ">"},
			Retention:   jetstream.WorkQueuePolicy,
			// Lines are worth nothing once their batch is over: kept in
			// memory, and not for long.
			Storage:  jetstream.MemoryStorage,
			Replicas: replicas,
			MaxAge:   10 * time.Minute,
			MaxMsgs:  1 << 20,
			Discard:  jetstream.DiscardNew,
		})
		var cons jetstream.Consumer
		if err == nil {
			// The consumer is shared: the first replica's settings hold,
			// a later one does not change them under the others.
			cons, err = s.Consumer(rctx, workConsumerName)
		}
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			cons, err = s.CreateConsumer(rctx, jetstream.ConsumerConfig{
				Durable:       workConsumerName,
				Description:   "herken: every replica's batch worker",
				AckPolicy:     jetstream.AckExplicitPolicy,
				AckWait:       q.opts.AckWait,
				MaxDeliver:    10,
				MaxAckPending: 1 << 14,
				FilterSubject: workSubjectPrefix + ">",
			})
		}
		cancel()
		var apiErr *jetstream.APIError
		switch {
		case err == nil:
			q.stream, q.cons = s, cons
			if aw := cons.CachedInfo().Config.AckWait; aw > 0 {
				q.opts.AckWait = aw // for the worker's in-progress notes
			}
			close(q.ready)
			return nil
		case errors.As(err, &apiErr) && replicas > 1 &&
			(apiErr.ErrorCode == 10074 || apiErr.ErrorCode == 10023):
			replicas-- // fewer NATS nodes than replicas
			continue
		}
		q.c.log.Info("cluster: waiting for the work queue", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (q *WorkQueue) isReady() bool {
	select {
	case <-q.ready:
		return true
	default:
		return false
	}
}

// Answer is a worker's answer to one line of a batch.
type Answer struct {
	Line int
	Data []byte
}

// Batch is one batch's way to other replicas: lines go out through
// Spread, answers come back on Answers until Close.
type Batch struct {
	q       *WorkQueue
	subject string
	inbox   string
	sub     *nats.Subscription
	answers chan Answer
	closing chan struct{}
	once    sync.Once
}

// OpenBatch opens a batch's inbox. Answers are taken from it as they
// come; one not taken within the worker's AnswerTimeout is sent again.
func (q *WorkQueue) OpenBatch() (*Batch, error) {
	if !q.isReady() || !q.c.nc.IsConnected() {
		return nil, fmt.Errorf("%w: the work queue has not been reached", ErrUnavailable)
	}
	b := &Batch{q: q, subject: workSubjectPrefix + subjectToken(q.opts.Replica), inbox: q.c.nc.NewRespInbox(),
		answers: make(chan Answer, 64), closing: make(chan struct{})}
	sub, err := q.c.nc.Subscribe(b.inbox, b.receive)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	b.sub = sub
	return b, nil
}

// receive takes one answer and confirms it to its worker, which then
// acks the item. A batch that closed confirms nothing: the worker's
// request fails and, with nobody listening any more, it drops the item.
func (b *Batch) receive(m *nats.Msg) {
	line, err := strconv.Atoi(m.Header.Get(workLineHeader))
	if err != nil {
		return
	}
	select {
	case b.answers <- Answer{Line: line, Data: m.Data}:
		_ = m.Respond(nil)
	case <-b.closing:
	}
}

// Answers delivers the answers; a line may be answered more than once
// (a worker died after sending it), the caller keeps the first.
func (b *Batch) Answers() <-chan Answer { return b.answers }

// Spread publishes line n of the batch and returns once the stream
// stored it.
func (b *Batch) Spread(ctx context.Context, n int, data []byte) error {
	msg := nats.NewMsg(b.subject)
	msg.Header.Set(workReplyHeader, b.inbox)
	msg.Header.Set(workLineHeader, strconv.Itoa(n))
	msg.Data = data
	ctx, cancel := context.WithTimeout(ctx, b.q.c.opts.Timeout)
	defer cancel()
	if _, err := b.q.c.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// Close stops taking answers.
func (b *Batch) Close() {
	b.once.Do(func() {
		close(b.closing)
		_ = b.sub.Unsubscribe()
	})
}

// Work answers items of the queue, up to workers at a time, with handle,
// until ctx ends. handle gets an item's data and returns its answer; it
// runs on this replica's index. Items in hand when ctx ends or the
// connection fails are not acked: the stream gives them to another
// worker after AckWait.
func (q *WorkQueue) Work(ctx context.Context, workers int, handle func(ctx context.Context, data []byte) []byte) error {
	select {
	case <-q.ready:
	case <-ctx.Done():
		return nil
	}
	// Each worker pulls one item at a time, with a pull that ends within
	// a second: a replica never holds items it has no worker for, nor a
	// pull request that outlives it for long (a long-lived iterator with
	// prefetch was seen to stop pulling while items waited, and a pull
	// of several items holds workers idle until all came).
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				// The pull ends with ctx too: a worker stopped stops at once.
				fctx, cancel := context.WithTimeout(ctx, time.Second)
				batch, err := q.cons.Fetch(1, jetstream.FetchContext(fctx))
				if err != nil {
					cancel()
					select {
					case <-ctx.Done():
					case <-time.After(250 * time.Millisecond):
					}
					continue
				}
				for msg := range batch.Messages() {
					q.work(ctx, msg, handle)
				}
				cancel()
			}
		}()
	}
	wg.Wait()
	return nil
}

// work answers one item and acks it once the holder has the answer.
func (q *WorkQueue) work(ctx context.Context, msg jetstream.Msg, handle func(context.Context, []byte) []byte) {
	reply, line := msg.Headers().Get(workReplyHeader), msg.Headers().Get(workLineHeader)
	if reply == "" || line == "" {
		_ = msg.Term() // not an item of ours
		return
	}
	// A line that takes long (a slow URL) is said to be in progress, so
	// that the stream does not give it to another worker meanwhile.
	busy := time.NewTicker(q.opts.AckWait / 3)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-busy.C:
				_ = msg.InProgress()
			case <-done:
				return
			}
		}
	}()
	answer := handle(ctx, msg.Data())
	busy.Stop()
	close(done)
	if ctx.Err() != nil {
		return // stopped: another worker answers it
	}
	m := nats.NewMsg(reply)
	m.Header.Set(workLineHeader, line)
	m.Data = answer
	_, err := q.c.nc.RequestMsg(m, q.opts.AnswerTimeout)
	switch {
	case err == nil:
		_ = msg.Ack()
	case errors.Is(err, nats.ErrNoResponders):
		// The batch is over, or its holder died: nobody is left to
		// answer, its client sends the line again elsewhere.
		_ = msg.Term()
	default:
		_ = msg.Nak()
	}
}

// subjectToken makes s one token of a subject.
func subjectToken(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '.' || c == '*' || c == '>' || c <= ' ' || c >= 0x7f {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}
