package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/index"
)

// The audit log of a cluster: one stream, whose maximum age is the
// retention period, so that the engine itself removes expired records
// from every node.
const (
	AuditStreamName = "HERKEN_AUDIT"
	auditSubject    = "herken.audit."
)

// AuditOptions configure Cluster.Audit.
type AuditOptions struct {
	// Retention is the stream's maximum age (default and at most
	// index.DefaultAuditRetention). The stream takes the retention of the
	// replica that opened it last.
	Retention time.Duration
	// Local, if set, is also given every record: a replica's statistics
	// (index/stats.go) are counted from its own audit records, and
	// published for the others' reports (Stats).
	Local *index.AuditLog
	// Node names this replica in the records' subjects
	// (herken.audit.<node>; default: the host name and process id).
	Node string
	// Buffer bounds the records held while NATS does not take them
	// (default 100 000); past it, new records are dropped and counted.
	Buffer int
	// Interval is the longest a record waits to be sent (default 200ms).
	Interval time.Duration
}

// Audit appends a replica's audit records to the cluster's audit stream
// and reads that stream. Record never blocks: it appends to a bounded
// buffer that one goroutine sends in batches (a message holds up to
// 256 KiB of records, one JSON record a line). While NATS does not answer,
// the buffer keeps what it cannot send and retries every second; once it
// is full, further records are dropped and counted (Dropped, in /metrics
// as herken_audit_records_dropped), so that an outage costs requests
// nothing and memory a bounded amount (about 100 MB at the default).
//
// Audit may be used from concurrent goroutines: Record appends under a
// mutex; the sending goroutine is the only one to publish.
type Audit struct {
	c       *Cluster
	local   *index.AuditLog
	subject string
	max     int
	every   time.Duration

	// Record appends to pending; the sender swaps it with out, the
	// records it sends, once out is all sent, so that both arrays are
	// reused and a record is never copied again on a request's goroutine.
	mu      sync.Mutex // guards pending, out and outAt
	pending []index.AuditRecord
	// out[outAt:] are the records the sender took and has not sent yet;
	// only the sender changes them.
	out   []index.AuditRecord
	outAt int
	// buf holds a message's records as it is encoded (the sender's
	// alone).
	buf     []byte
	dropped atomic.Uint64
	sent    atomic.Uint64
	batch   uint64 // the sender's alone: numbers message ids
	// headN records at the head of pending were sent as the message
	// headID without an acknowledgement (the sender's alone).
	headN  int
	headID string
	// ensured tells the sender that the stream exists with the retention
	// as its MaxAge (set before the sender starts, then the sender's).
	ensured   bool
	retention time.Duration

	wake    chan struct{}
	done    chan struct{}
	stopped chan struct{}
}

// maxAuditMessage bounds the records of one message (NATS's default
// maximum payload is 1 MiB).
const maxAuditMessage = 256 << 10

// maxAuditBatch bounds the records encoded for one message.
const maxAuditBatch = 4096

var notSubjectToken = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// Audit ensures the audit stream, with opts.Retention as its maximum age,
// and starts sending this replica's records to it. Close sends what is
// left.
func (c *Cluster) Audit(ctx context.Context, opts AuditOptions) (*Audit, error) {
	if opts.Retention <= 0 || opts.Retention > index.DefaultAuditRetention {
		return nil, fmt.Errorf("cluster: an audit retention of %s is not within (0, %s]", opts.Retention, index.DefaultAuditRetention)
	}
	if opts.Node == "" {
		host, _ := os.Hostname()
		opts.Node = host + "-" + strconv.Itoa(os.Getpid())
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 100_000
	}
	if opts.Interval <= 0 {
		opts.Interval = 200 * time.Millisecond
	}
	a := &Audit{c: c, local: opts.Local, subject: auditSubject + notSubjectToken.ReplaceAllString(opts.Node, "_"),
		max: opts.Buffer, every: opts.Interval, retention: opts.Retention,
		wake: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{})}
	if err := c.ensureAuditStream(ctx, opts.Retention); err != nil {
		// A replica started while cut off: records are held, and the
		// stream ensured before the first is sent.
		c.log.Warn("cluster: the audit stream is not available yet; holding records", "err", err)
	} else {
		a.ensured = true
	}
	go a.loop()
	return a, nil
}

// ensureAuditStream creates the audit stream, or sets its maximum age to
// retention, retrying while the NATS cluster cannot answer yet.
func (c *Cluster) ensureAuditStream(ctx context.Context, retention time.Duration) error {
	return c.ensure(ctx, "the stream "+AuditStreamName, func(ctx context.Context, replicas int) error {
		s, err := c.js.Stream(ctx, AuditStreamName)
		switch {
		case errors.Is(err, jetstream.ErrStreamNotFound):
			_, err = c.js.CreateStream(ctx, jetstream.StreamConfig{
				Name:        AuditStreamName,
				Description: "herken: the audit log of every replica; records older than MaxAge are removed by the engine",
				Subjects:    []string{auditSubject + ">"},
				Storage:     jetstream.FileStorage,
				Replicas:    replicas,
				MaxAge:      retention,
				Duplicates:  2 * time.Minute,
				Retention:   jetstream.LimitsPolicy,
				Discard:     jetstream.DiscardOld,
			})
		case err == nil && s.CachedInfo().Config.MaxAge != retention:
			cfg := s.CachedInfo().Config
			c.log.Warn("cluster: changing the audit retention", "stream", AuditStreamName, "from", cfg.MaxAge.String(), "to", retention.String())
			cfg.MaxAge = retention
			_, err = c.js.UpdateStream(ctx, cfg)
		}
		return err
	})
}

// Record queues r for the stream (and gives it to the local log). It
// returns at once: an append to a buffer under a short lock, the encoding
// and the publishing being the sender's. Time is set when zero.
func (a *Audit) Record(r index.AuditRecord) {
	if r.Time.IsZero() {
		r.Time = time.Now().UTC()
	}
	if a.local != nil {
		a.local.Record(r)
	}
	a.mu.Lock()
	n := len(a.pending)
	full := n+len(a.out)-a.outAt >= a.max
	if !full {
		a.pending = append(a.pending, r)
	}
	a.mu.Unlock()
	if full {
		a.dropped.Add(1)
		return
	}
	// The sender sends until pending is empty: only the first record
	// after that needs to wake it.
	if n == 0 {
		select {
		case a.wake <- struct{}{}:
		default:
		}
	}
}

// Pending is how many records wait to be sent.
func (a *Audit) Pending() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.pending) + len(a.out) - a.outAt
}

// take returns the records to send next, at most maxAuditBatch: the
// rest of out, or once out is all sent, the records pending (swapped
// with out's array, which Record then fills).
func (a *Audit) take() []index.AuditRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.outAt == len(a.out) {
		old := a.out
		clear(old) // let go of the records' slices and strings
		if cap(old) > 4*maxAuditBatch && cap(old) > 4*len(a.pending) {
			old = nil // after a long outage: do not keep the peak
		}
		a.out, a.pending, a.outAt = a.pending, old[:0], 0
	}
	return a.out[a.outAt:min(len(a.out), a.outAt+maxAuditBatch)]
}

// sentN marks the first n records taken as sent.
func (a *Audit) sentN(n int) {
	a.mu.Lock()
	a.outAt += n
	a.mu.Unlock()
	a.sent.Add(uint64(n))
}

// Dropped is how many records were dropped because the buffer was full.
func (a *Audit) Dropped() uint64 { return a.dropped.Load() }

// Sent is how many records the stream acknowledged.
func (a *Audit) Sent() uint64 { return a.sent.Load() }

func (a *Audit) loop() {
	defer close(a.stopped)
	tick := time.NewTicker(a.every)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-a.done:
			return
		case <-tick.C:
		case <-a.wake:
			// Gather a batch, unless the stream is not answering (then
			// the next tick retries).
			if failing {
				continue
			}
			select {
			case <-time.After(a.every / 4):
			case <-a.done:
				return
			}
		}
		err := a.send(a.done)
		switch {
		case err != nil && !failing:
			failing = true
			a.c.log.Warn("cluster: the audit stream does not take records; holding them", "err", err, "pending", a.Pending())
			tick.Reset(time.Second)
		case err == nil && failing:
			failing = false
			a.c.log.Info("cluster: the audit stream takes records again", "dropped_total", a.Dropped())
			tick.Reset(a.every)
		}
	}
}

// send publishes the pending records, a message at a time, removing each
// message's records once the stream acknowledged them. It stops at the
// first failure, or when stop is closed.
func (a *Audit) send(stop <-chan struct{}) error {
	if !a.ensured && a.Pending() > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), a.c.opts.Timeout)
		go func() {
			select {
			case <-stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		err := a.c.ensureAuditStream(ctx, a.retention)
		cancel()
		if err != nil {
			return err
		}
		a.ensured = true
	}
	for {
		// The records are taken under the lock and encoded outside it, so
		// that Record never waits for an encoding: out is the sender's,
		// Record appends to pending only.
		head := a.take()
		if a.headN > 0 {
			head = head[:a.headN] // the batch that failed, again: the same id
		}
		if len(head) == 0 {
			return nil
		}
		// One buffer for every message: no allocation per record.
		// PublishMsg has copied the data when it returns.
		buf := a.buf[:0]
		n := 0
		for i := range head {
			mark := len(buf)
			var ok bool
			if buf, ok = appendAuditRecord(buf, &head[i]); !ok {
				buf = append(buf[:mark], `{"action":"unencodable"}`+"\n"...) // an AuditRecord always encodes
			}
			if n > 0 && a.headN == 0 && len(buf) > maxAuditMessage {
				buf = buf[:mark]
				break
			}
			n++
		}
		a.buf = buf
		if a.headN == 0 {
			a.batch++
			a.headN, a.headID = n, fmt.Sprintf("%s-%d-%d", a.subject, time.Now().UnixNano(), a.batch)
		}
		msg := &nats.Msg{Subject: a.subject, Data: buf, Header: nats.Header{}}
		// A batch sent again after a lost acknowledgement keeps its id,
		// and the stream stores it once.
		msg.Header.Set(jetstream.MsgIDHeader, a.headID)
		ctx, cancel := context.WithTimeout(context.Background(), a.c.opts.Timeout)
		go func() {
			select {
			case <-stop: // shutting down: Close sends the rest
				cancel()
			case <-ctx.Done():
			}
		}()
		_, err := a.c.js.PublishMsg(ctx, msg)
		cancel()
		if err != nil {
			return err
		}
		a.headN = 0
		a.sentN(n)
	}
}

// Close sends what is pending (waiting at most timeout for the stream)
// and stops. Records still pending then are lost, and counted as
// dropped.
func (a *Audit) Close(timeout time.Duration) {
	close(a.done)
	<-a.stopped
	stop := make(chan struct{})
	t := time.AfterFunc(timeout, func() { close(stop) })
	defer t.Stop()
	if err := a.send(stop); err != nil {
		n := a.Pending()
		a.dropped.Add(uint64(n))
		a.c.log.Error("cluster: audit records not sent at shutdown", "records", n, "err", err)
	}
}

// Query reads the cluster's audit stream (see Cluster.QueryAudit).
func (a *Audit) Query(q index.AuditQuery) ([]index.AuditRecord, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*a.c.opts.Timeout)
	defer cancel()
	return a.c.QueryAudit(ctx, q)
}

// auditLateness bounds how long after its time a record is looked for
// in the stream when a query has an end: records reach the stream within
// a second unless the replica was cut off, and those held longer than
// this may be missed by a query with an end (not by one without).
const auditLateness = time.Minute

// QueryAudit returns the records of the audit stream matching q, the
// filters and limit of index.AuditLog.Query, oldest first. Records are
// read from the stream in the order replicas sent them, from the first
// message stored at or after q.Since (a record's message is never older
// than the record); a stream that does not exist yet holds no records.
func (c *Cluster) QueryAudit(ctx context.Context, q index.AuditQuery) ([]index.AuditRecord, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	q.Limit = min(q.Limit, 10000)
	out := []index.AuditRecord{}
	var s jetstream.Stream
	err := c.lookup(ctx, "the stream "+AuditStreamName, func(ctx context.Context, _ int) error {
		var err error
		s, err = c.js.Stream(ctx, AuditStreamName)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			s, err = nil, nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%w: reading the audit stream: %v", ErrUnavailable, err)
	}
	if s == nil {
		return out, nil
	}
	cfg := jetstream.ConsumerConfig{
		AckPolicy: jetstream.AckNonePolicy, DeliverPolicy: jetstream.DeliverAllPolicy,
		MemoryStorage: true, Replicas: 1, InactiveThreshold: time.Minute,
	}
	if !q.Since.IsZero() {
		since := q.Since
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &since
	}
	var cons jetstream.Consumer
	// The stream's leader makes the consumer; while it moves (or has
	// just been asked for many), the request may find no responder.
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		if cons, err = s.CreateConsumer(ctx, cfg); err == nil {
			break
		}
		if !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w: reading the audit stream: %v", ErrUnavailable, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: reading the audit stream: %v", ErrUnavailable, err)
		case <-time.After(wait):
		}
	}
	name := cons.CachedInfo().Name
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
		_ = s.DeleteConsumer(dctx, name)
		cancel()
	}()
	// What the stream held when the query began; later records are for
	// the next query.
	pending := cons.CachedInfo().NumPending
	for read := uint64(0); read < pending; {
		msgs, err := c.fetchAudit(ctx, cons, int(min(256, pending-read)))
		if err != nil {
			return nil, fmt.Errorf("%w: reading the audit stream: %v", ErrUnavailable, err)
		}
		got := len(msgs)
		for _, msg := range msgs {
			md, err := msg.Metadata()
			if err != nil {
				return nil, fmt.Errorf("cluster: an audit message without metadata: %w", err)
			}
			if !q.Until.IsZero() && md.Timestamp.After(q.Until.Add(auditLateness)) {
				return sortRecords(out), nil
			}
			for line := range bytes.Lines(msg.Data()) {
				var r index.AuditRecord
				if err := json.Unmarshal(line, &r); err != nil {
					return nil, fmt.Errorf("cluster: an unreadable audit record at sequence %d: %w", md.Sequence.Stream, err)
				}
				switch {
				case !q.Since.IsZero() && r.Time.Before(q.Since),
					!q.Until.IsZero() && !r.Time.Before(q.Until),
					q.KeyID != "" && r.KeyID != q.KeyID,
					q.Action != "" && r.Action != q.Action:
					continue
				}
				out = append(out, r)
				if len(out) == q.Limit {
					return sortRecords(out), nil
				}
			}
		}
		if got == 0 {
			// Expired by MaxAge since the query began: nothing more.
			break
		}
		read += uint64(got)
	}
	return sortRecords(out), nil
}

// fetchAudit fetches up to n messages from a query's consumer. A consumer
// just made in a cluster may not take requests yet (its server is still
// starting it): such a fetch finds no responder and gets nothing, and is
// tried again until ctx ends. A fetch that times out returns what it got.
func (c *Cluster) fetchAudit(ctx context.Context, cons jetstream.Consumer, n int) ([]jetstream.Msg, error) {
	for wait := 20 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		batch, err := cons.Fetch(n, jetstream.FetchMaxWait(c.opts.Timeout))
		if err != nil {
			return nil, err
		}
		var msgs []jetstream.Msg
		for msg := range batch.Messages() {
			msgs = append(msgs, msg)
		}
		err = batch.Error()
		switch {
		case err == nil, errors.Is(err, nats.ErrTimeout):
			return msgs, nil
		case len(msgs) > 0 || !errors.Is(err, nats.ErrNoResponders):
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
	}
}

// sortRecords orders records by time: replicas' messages interleave.
func sortRecords(rs []index.AuditRecord) []index.AuditRecord {
	slices.SortStableFunc(rs, func(a, b index.AuditRecord) int { return a.Time.Compare(b.Time) })
	return rs
}
