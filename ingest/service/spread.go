package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/index"
)

// Spreading a batch over the replicas of a cluster (issue 15, item 5).
//
// A batch's lines are worked on here first: a line goes to the cluster's
// work queue only when every local worker of its batch is busy (the
// overflow) and when it pays: while a line of its kind (URL or hashes)
// takes longer here than a spread line takes to come back. A line that
// holds content (data_base64) never goes: submitted content is hashed
// where it arrives and is never written to a stream. A URL line keeps a
// worker busy for as long as its fetch takes, so a batch of URLs spreads
// at once (4.9x the rate of --no-spread, measured); an MD5 look-up takes
// microseconds, far less than the stream's round trip, so a batch of
// hashes stays here (spread anyway, it ran at 0.15x) unless look-ups
// grow slow. Every replica's
// worker (WorkBatches) answers lines of the queue with the same batch
// line handler against its own index, and says which replica answered
// and at which index version.
//
// The answers of a batch come back in the order they are ready, on its
// caller's connection, each once: the first answer to a line is kept, a
// later one (from a worker that died after answering, whose item was
// given to another) is dropped. A line spread and not answered within
// SpreadOptions.Timeout (the cluster lost it) is worked on here. If this
// replica dies, its client sends the lines it has no answer for again,
// by id, to another replica.

// SpreadOptions configure SpreadBatches.
type SpreadOptions struct {
	// InFlight bounds a batch's lines out in the cluster at once
	// (default 4 × BatchWorkers).
	InFlight int
	// Timeout is how long a spread line waits for its answer before it
	// is worked on here (default 2 minutes).
	Timeout time.Duration
	// Always spreads any URL or hash line the local workers have no room
	// for, whether or not that pays (by default a kind of line is spread
	// only while it takes longer here than the cluster takes to answer
	// one): for a cluster whose replicas are far apart, and tests.
	Always bool
}

// spreading is a service's way to spread its batches.
type spreading struct {
	q    *cluster.WorkQueue
	opts SpreadOptions
}

// SpreadBatches lets the batches of this service overflow to the
// cluster's work queue q. It must be called before Serve.
func (s *Service) SpreadBatches(q *cluster.WorkQueue, o SpreadOptions) {
	if o.InFlight <= 0 {
		o.InFlight = 4 * s.cfg.BatchWorkers
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	s.match.spread = &spreading{q: q, opts: o}
	s.match.replicaName = q.Replica()
}

// WorkBatches answers lines of the cluster's batches from the work queue
// q, workers at a time, until ctx ends.
func (s *Service) WorkBatches(ctx context.Context, q *cluster.WorkQueue, workers int) error {
	if s.match.replicaName == "" {
		s.match.replicaName = q.Replica()
	}
	return q.Work(ctx, workers, s.match.answerSpread)
}

// spreadLine is a work item: a batch line and who sent it.
type spreadLine struct {
	N    int        `json:"n"`
	Key  string     `json:"key"`
	Role index.Role `json:"role"`
	Line []byte     `json:"line"`
}

// spreadAnswer is a worker's answer to a spreadLine.
type spreadAnswer struct {
	Answer  json.RawMessage `json:"answer"`
	Matched bool            `json:"matched,omitempty"`
	// Took is how long the worker took on the line, for the holder to
	// tell the stream's cost from the line's own.
	Took time.Duration `json:"took_ns"`
}

// answerSpread answers one line of another replica's batch, as runBatch
// answers a local one, and records it in the audit log.
func (h *matchHandlers) answerSpread(ctx context.Context, data []byte) []byte {
	start := time.Now()
	var in spreadLine
	var r batchLineAnswer
	var rec index.AuditRecord
	if err := json.Unmarshal(data, &in); err != nil {
		r = batchLineAnswer{ID: json.RawMessage("null"), Line: in.N}
		p := errorf(http.StatusBadRequest, "invalid_request", "the line did not reach its worker whole: %v", err).Problem
		r.Error = &p
	} else {
		r, rec = h.batchLine(ctx, in.N, in.Line)
		rec.KeyID, rec.Role, rec.Action = in.Key, string(in.Role), "batch"
		h.screenLine(in.Role, &r, &rec)
		h.audit.Record(rec)
	}
	h.stamp(&r)
	out := spreadAnswer{Matched: answerMatched(r), Took: time.Since(start)}
	out.Answer, _ = json.Marshal(r)
	b, _ := json.Marshal(out)
	return b
}

// stamp says which replica answered, with which index version.
func (h *matchHandlers) stamp(r *batchLineAnswer) {
	if h.replicaName != "" {
		r.Replica, r.IndexVersion = h.replicaName, h.content.Version()
	}
}

// answerMatched reports whether an answer is a match.
func answerMatched(r batchLineAnswer) bool {
	if r.Error != nil {
		return false
	}
	switch a := r.Result.(type) {
	case matchAnswer:
		return a.Matched
	case lookupAnswer:
		return a.Matched
	}
	return r.matched
}

// spreader spreads one batch: it holds the lines out in the cluster
// until their first answer, and hands the answers to the batch.
type spreader struct {
	h       *matchHandlers
	b       *cluster.Batch
	who     index.APIKey
	results chan<- batchLineAnswer
	slots   chan struct{}
	freed   chan struct{} // a slot was freed
	mu      sync.Mutex
	pending map[int]*spreadPending
	// localTime is the mean time a line of each kind takes here,
	// overhead the mean time the stream adds to a spread line's (both
	// guarded by mu).
	localTime [lineKinds]time.Duration
	overhead  time.Duration
	out       sync.WaitGroup // one per line spread and not yet answered
	stop      chan struct{}
	done      sync.WaitGroup // the spreader's goroutines
}

type spreadPending struct {
	line []byte
	sent time.Time
}

// newSpreader opens a batch's inbox; nil when it cannot (no spreading,
// or the cluster does not answer): the batch is then worked here only.
func (h *matchHandlers) newSpreader(ctx context.Context, who index.APIKey, results chan<- batchLineAnswer) *spreader {
	if h.spread == nil {
		return nil
	}
	b, err := h.spread.q.OpenBatch()
	if err != nil {
		return nil
	}
	s := &spreader{h: h, b: b, who: who, results: results, slots: make(chan struct{}, h.spread.opts.InFlight),
		pending: map[int]*spreadPending{}, stop: make(chan struct{}), freed: make(chan struct{}, 1),
		overhead: 2 * time.Millisecond} // until measured: a round trip through the stream
	s.done.Add(1)
	go s.receive(ctx)
	return s
}

// run works on line n here when a local worker is free, or spreads it
// when that pays and the batch may have one more line out; when neither,
// it waits for the first to come (a local worker held by a slow line
// must not hold the lines the cluster could answer). It reports whether
// the line was kept here.
func (s *spreader) run(ctx context.Context, g *errgroup.Group, task func() error, n int, line []byte) bool {
	kind := lineKind(line)
	timed := func() error {
		start := time.Now()
		defer func() { s.observe(kind, time.Since(start)) }()
		return task()
	}
	for {
		if g.TryGo(timed) {
			return true
		}
		if kind == contentLine || !s.pays(kind) {
			g.Go(timed) // content never leaves; a cheap line waits here
			return true
		}
		if s.take(ctx, n, line) {
			return false
		}
		select {
		case <-s.freed:
		case <-time.After(2 * time.Millisecond): // a local worker may be free
		case <-ctx.Done():
			g.Go(timed) // answers the line with the batch's end
			return true
		}
	}
}

// Kinds of batch lines, by what answering one costs.
const (
	signalsLine = iota // a look-up: microseconds to a few milliseconds
	urlLine            // a fetch: as long as the origin takes
	contentLine        // never spread
	lineKinds
)

func lineKind(line []byte) int {
	switch {
	case bytes.Contains(line, []byte(`"data_base64"`)):
		return contentLine
	case bytes.Contains(line, []byte(`"url"`)):
		return urlLine
	}
	return signalsLine
}

// observe notes how long a line of kind took here.
func (s *spreader) observe(kind int, d time.Duration) {
	s.mu.Lock()
	s.localTime[kind] = ewma(s.localTime[kind], d)
	s.mu.Unlock()
}

// ewma is a moving average giving a new value an eighth of the weight.
func ewma(avg, d time.Duration) time.Duration {
	if avg == 0 {
		return d
	}
	return avg + (d-avg)/8
}

// pays reports whether spreading a line of kind pays: when this replica
// takes longer on one than the stream adds to a spread line's own time
// (a fetch does; a look-up of an MD5 in microseconds does not: sent
// out, it would cost the holder more than answering it). A kind not
// timed here yet stays here.
func (s *spreader) pays(kind int) bool {
	if s.h.spread.opts.Always {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.localTime[kind] > s.overhead
}

// take spreads line n unless it holds content or the batch has as many
// lines out as it may; it reports whether the line is the spreader's
// now (it then hands line back to the buffer pool).
func (s *spreader) take(ctx context.Context, n int, line []byte) bool {
	if bytes.Contains(line, []byte(`"data_base64"`)) {
		return false
	}
	select {
	case s.slots <- struct{}{}:
	default:
		return false
	}
	own := bytes.Clone(line)
	putBuffer(line)
	data, _ := json.Marshal(spreadLine{N: n, Key: s.who.ID, Role: s.who.Role, Line: own})
	s.mu.Lock()
	s.pending[n] = &spreadPending{line: own, sent: time.Now()}
	s.mu.Unlock()
	s.out.Add(1)
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		if err := s.b.Spread(ctx, n, data); err != nil {
			s.local(ctx, n)
		}
	}()
	return true
}

// claim takes line n out of the pending ones; false: it was answered.
func (s *spreader) claim(n int) (*spreadPending, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pending[n]
	delete(s.pending, n)
	return p, ok
}

// answered hands one line's answer to the batch.
func (s *spreader) answered(r batchLineAnswer) {
	s.results <- r
	<-s.slots
	select {
	case s.freed <- struct{}{}:
	default:
	}
	s.out.Done()
}

// local works on spread line n here, unless it was answered meanwhile.
func (s *spreader) local(ctx context.Context, n int) {
	p, ok := s.claim(n)
	if !ok {
		return
	}
	r, rec := s.h.batchLine(ctx, n, p.line)
	rec.KeyID, rec.Role, rec.Action = s.who.ID, string(s.who.Role), "batch"
	s.h.screenLine(s.who.Role, &r, &rec)
	s.h.audit.Record(rec)
	s.h.stamp(&r)
	s.answered(r)
}

// receive takes the workers' answers, the first one of each line, and
// works here on the lines whose answer is late.
func (s *spreader) receive(ctx context.Context) {
	defer s.done.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case a := <-s.b.Answers():
			p, ok := s.claim(a.Line)
			if !ok {
				continue // answered already
			}
			r, took := decodeSpreadAnswer(a)
			s.mu.Lock()
			s.overhead = ewma(s.overhead, max(time.Since(p.sent)-took, time.Microsecond))
			s.mu.Unlock()
			s.answered(r)
		case <-tick.C:
			s.mu.Lock()
			var late []int
			for n, p := range s.pending {
				if time.Since(p.sent) > s.h.spread.opts.Timeout {
					late = append(late, n)
				}
			}
			s.mu.Unlock()
			for _, n := range late {
				s.done.Add(1)
				go func() { defer s.done.Done(); s.local(ctx, n) }()
			}
		case <-ctx.Done():
			// The batch is over for nobody: its lines out are dropped.
			s.mu.Lock()
			for n := range s.pending {
				delete(s.pending, n)
				s.out.Done()
			}
			s.mu.Unlock()
			return
		case <-s.stop:
			return
		}
	}
}

// decodeSpreadAnswer makes a worker's answer to line a.Line the batch's.
func decodeSpreadAnswer(a cluster.Answer) (batchLineAnswer, time.Duration) {
	var sa spreadAnswer
	raw := new(json.RawMessage)
	r := batchLineAnswer{Result: raw}
	err := json.Unmarshal(a.Data, &sa)
	if err == nil {
		err = json.Unmarshal(sa.Answer, &r)
	}
	if err == nil && r.Line != a.Line {
		err = errors.New("its line number is not the line's")
	}
	if err != nil {
		p := errorf(http.StatusBadGateway, "bad_worker_answer", "line %d: the replica that worked on it answered badly: %v", a.Line, err).Problem
		return batchLineAnswer{ID: json.RawMessage("null"), Line: a.Line, Error: &p}, 0
	}
	if len(*raw) == 0 {
		r.Result = nil
	}
	r.matched = sa.Matched
	return r, sa.Took
}

// wait returns once every line spread is answered (or dropped with its
// batch), and closes the batch's inbox.
func (s *spreader) wait() {
	s.out.Wait()
	close(s.stop)
	s.b.Close()
	s.done.Wait()
}
