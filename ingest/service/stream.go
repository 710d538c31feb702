package service

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/media"
)

// idleDeadline moves a connection's read deadline forward as a stream is
// read, so that it is cut only when it stalls: a batch may run for hours,
// but a client that stops sending is let go after the idle timeout. (The
// write side is guardConn's.) It is used by one goroutine at a time.
type idleDeadline struct {
	conn     net.Conn
	idle     time.Duration
	lastRead time.Time
	cutting  atomic.Bool // reads are being stopped: see cut
}

func newIdleDeadline(conn net.Conn, idle time.Duration) *idleDeadline {
	if conn == nil || idle <= 0 {
		return nil
	}
	return &idleDeadline{conn: conn, idle: idle}
}

// beforeRead gives the next read the idle timeout from now. The deadline
// is set before each read, not after: a stream whose reader waited long
// for a free worker must not find an old deadline already past. Setting it
// at most eight times per timeout keeps the cost off fast streams.
func (d *idleDeadline) beforeRead() {
	if d == nil {
		return
	}
	if now := time.Now(); now.Sub(d.lastRead) > d.idle/8 {
		d.lastRead = now
		_ = d.conn.SetReadDeadline(now.Add(d.idle))
	}
	// Checked after the deadline is set: either this read sees cut's flag,
	// or cut's deadline comes after ours.
	if d.cutting.Load() {
		_ = d.conn.SetReadDeadline(time.Now())
	}
}

// cut ends a read in progress now and every later one at once.
func (d *idleDeadline) cut() {
	if d == nil {
		return
	}
	d.cutting.Store(true)
	_ = d.conn.SetReadDeadline(time.Now())
}

// peerPoll is how often watchPeer looks at the connection.
const peerPoll = 200 * time.Millisecond

// watchPeer returns a context that is cancelled when the client at the
// other end of conn has closed or reset its connection, or when stop is
// called. fasthttp does not tell a handler that its client is gone, so a
// goroutine asks the kernel every peerPoll (peerGone, per OS). Work for a
// request (a video decode, a fetch, a batch) runs under this context and
// stops soon after its client leaves. A client that only half-closes its
// side after sending counts as gone; HTTP clients do not do that.
func watchPeer(parent context.Context, conn net.Conn) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	if conn == nil {
		return ctx, cancel
	}
	go func() {
		t := time.NewTicker(peerPoll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if peerGone(conn) {
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}

// rawConn unwraps conn (a TLS connection included) to the connection the
// kernel knows.
func rawConn(conn net.Conn) net.Conn {
	for {
		u, ok := conn.(interface{ NetConn() net.Conn })
		if !ok {
			return conn
		}
		conn = u.NetConn()
	}
}

// bodyBudget bounds the memory that request bodies held for decoding take
// across all requests at once. A photo is held once while it is decoded;
// a video twice (the body, then its copy that ffmpeg reads), so it costs
// twice its size. A request that would go over the budget is refused with
// 429 and Retry-After, except when it holds the budget alone: then even
// the largest allowed upload gets through, one at a time.
type bodyBudget struct {
	mu          sync.Mutex
	limit, used int64
	// held are the hasher's limits for photos and videos: the most a body
	// of each kind can cost.
	held [2]int64
}

// take reserves n more bytes for a request that already holds mine.
func (b *bodyBudget) take(n, mine int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit && b.used-mine > 0 {
		return false
	}
	b.used += n
	return true
}

func (b *bodyBudget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// inUse is what the budget holds now.
func (b *bodyBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// budgetStep is how far ahead of what has been read a body of unknown
// length reserves, so that the budget's lock is not taken on every read.
const budgetStep = 1 << 20

// retryBusy is the Retry-After of a request refused for want of memory:
// bodies in flight are usually read and decoded within seconds.
const retryBusy = 2

// heldBody charges a body that the hasher will hold (a photo or video, as
// sniffed from its first bytes, up to the hasher's limit for its kind)
// against the budget as it is read. Release gives the charge back; the
// caller defers it.
type heldBody struct {
	r      io.Reader
	budget *bodyBudget
	size   int64 // announced length; <= 0 when unknown
	head   []byte
	cost   int64    // bytes charged per byte held: 0 until sniffed as held
	max    int64    // the most the hasher holds of this kind
	limits [2]int64 // the hasher's limits for photos and videos
	read   int64
	owed   int64 // reserved so far
	err    error
}

// newBodyBudget returns a budget of limit bytes for bodies hashed with
// cfg's limits.
func newBodyBudget(limit int64, cfg matcher.HasherConfig) *bodyBudget {
	held := [2]int64{cfg.MaxPhotoBytes, cfg.MaxVideoBytes}
	if held[0] <= 0 {
		held[0] = matcher.DefaultMaxPhotoBytes
	}
	if held[1] <= 0 {
		held[1] = matcher.DefaultMaxVideoBytes
	}
	return &bodyBudget{limit: limit, held: held}
}

// hold returns r, of announced length size (<= 0: unknown), charged
// against the budget as it is read.
func (b *bodyBudget) hold(r io.Reader, size int64) *heldBody {
	return &heldBody{r: r, budget: b, size: size, limits: b.held, head: make([]byte, 0, media.SniffLen)}
}

// SizeHint passes the announced size on to the hasher.
func (h *heldBody) SizeHint() int64 { return max(h.size, 0) }

func (h *heldBody) Read(p []byte) (int, error) {
	if h.err != nil {
		return 0, h.err
	}
	n, err := h.r.Read(p)
	h.read += int64(n)
	if h.head != nil {
		h.head = append(h.head, p[:min(n, cap(h.head)-len(h.head))]...)
		if len(h.head) == cap(h.head) || (err != nil && len(h.head) > 0) {
			h.sniff()
		}
	}
	if h.cost > 0 {
		want := min(h.read+budgetStep, h.max)
		if h.size > 0 {
			want = min(h.size, h.max) // known up front: refused before it is read
		}
		if want *= h.cost; want > h.owed {
			if !h.budget.take(want-h.owed, h.owed) {
				h.err = &apiError{status: http.StatusTooManyRequests, retryAfter: retryBusy,
					Problem: Problem{Code: "busy", Message: "the server is holding as many uploads in memory as it may; retry shortly"}}
				return n, h.err
			}
			h.owed = want
		}
	}
	return n, err
}

func (h *heldBody) sniff() {
	kind := media.Sniff(h.head).Kind()
	h.head = nil
	switch kind {
	case media.Photo:
		h.cost, h.max = 1, h.limits[0]
	case media.Video:
		h.cost, h.max = 2, h.limits[1]
	}
}

// Release gives the body's charge back to the budget.
func (h *heldBody) Release() {
	h.budget.release(h.owed)
	h.owed = 0
}

// guardListener wraps every accepted connection in a guardConn.
type guardListener struct {
	net.Listener
	idle time.Duration // the stream idle timeout
}

func (l guardListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	g := &guardConn{Conn: c, idle: l.idle}
	if tc, ok := c.(*tls.Conn); ok {
		// fasthttp learns that a connection is TLS from these methods.
		return guardTLSConn{g, tc}, nil
	}
	return g, nil
}

type guardTLSConn struct {
	*guardConn
	tc *tls.Conn
}

func (c guardTLSConn) Handshake() error                     { return c.tc.Handshake() }
func (c guardTLSConn) ConnectionState() tls.ConnectionState { return c.tc.ConnectionState() }

// guardOf finds the guardConn of a connection fasthttp hands a handler.
func guardOf(c net.Conn) *guardConn {
	switch g := c.(type) {
	case *guardConn:
		return g
	case guardTLSConn:
		return g.guardConn
	}
	return nil
}

// guardConn moves its write deadline on by the idle timeout before each
// write, so that a streamed answer (a batch) is cut only when the client
// takes none of it for that long, however long the stream runs. (fasthttp
// sets one deadline per response; the batch's own writes go into a pipe
// that fasthttp drains, so only here is real progress seen.) Only the
// goroutine that serves the connection writes to it.
//
// It also keeps a batch's reader from touching a request that fasthttp
// has already released. A batch reads its request body from a goroutine
// of its own while fasthttp writes the answer; when that write fails (the
// client is gone or stopped reading), fasthttp releases the request and
// hands its buffers to other connections at once. So a failed write
// first stops the reader (onWriteError, set by the batch), and only then
// reports the failure to fasthttp.
type guardConn struct {
	net.Conn
	idle         time.Duration
	lastWrite    time.Time
	mu           sync.Mutex
	onWriteError func()
}

func (c *guardConn) Write(p []byte) (int, error) {
	if now := time.Now(); c.idle > 0 && now.Sub(c.lastWrite) > c.idle/8 {
		c.lastWrite = now
		_ = c.Conn.SetWriteDeadline(now.Add(c.idle))
	}
	n, err := c.Conn.Write(p)
	if err != nil {
		c.mu.Lock()
		stop := c.onWriteError
		c.onWriteError = nil
		c.mu.Unlock()
		if stop != nil {
			stop()
		}
	}
	return n, err
}

// NetConn returns the wrapped connection.
func (c *guardConn) NetConn() net.Conn { return c.Conn }

// setOnWriteError sets (or, with nil, clears) what a failed write does
// first.
func (c *guardConn) setOnWriteError(f func()) {
	c.mu.Lock()
	c.onWriteError = f
	c.mu.Unlock()
}

// stoppableReader is a request body that can be stopped from another
// goroutine: stop waits for a read in progress (cutting it short through
// the connection's read deadline) and makes every later read fail without
// touching the body.
type stoppableReader struct {
	r       io.Reader
	d       *idleDeadline
	mu      sync.Mutex
	stopped bool
}

var errStopped = errorf(http.StatusBadRequest, "incomplete_body", "the connection failed while the body was read")

func (s *stoppableReader) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return 0, errStopped
	}
	return s.r.Read(p)
}

func (s *stoppableReader) stop() {
	s.d.cut()
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
}
