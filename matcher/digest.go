package matcher

import (
	"hash"
	"io"
	"sync"
	"sync/atomic"
)

// chunkSize is the unit in which input streams through the digests: large
// enough to amortise the hand-off between goroutines, small enough to stay
// in cache while three digests read it.
const chunkSize = 256 << 10

// chunksInFlight bounds the memory a stream holds: the reader can be this
// many chunks ahead of the slowest digest.
const chunksInFlight = 4

var chunkPool = sync.Pool{New: func() any { return &chunk{buf: make([]byte, chunkSize)} }}

// A chunk is a piece of the input shared by every digest worker; the last
// worker to finish with it returns it to the pool.
type chunk struct {
	buf     []byte
	n       int
	pending atomic.Int32
	free    chan<- *chunk
}

func (c *chunk) release() {
	if c.pending.Add(-1) == 0 {
		c.free <- c
	}
}

// newDigest makes the digest of exact type t, from the registry.
func newDigest(t SignalType) hash.Hash { return t.NewDigest() }

// digestBytes computes the given digests of b: concurrently, one goroutine
// per digest, when b is large enough for that to pay.
func digestBytes(b []byte, types []SignalType) []Signal {
	sigs := make([]Signal, len(types))
	one := func(i int) {
		h := newDigest(types[i])
		h.Write(b)
		sigs[i] = mustSignal(types[i], h.Sum(nil))
	}
	if len(b) < concurrentDigestBytes || len(types) < 2 {
		for i := range types {
			one(i)
		}
		return sigs
	}
	var wg sync.WaitGroup
	for i := range types[1:] {
		wg.Go(func() { one(i + 1) })
	}
	one(0)
	wg.Wait()
	return sigs
}

// concurrentDigestBytes is the input size from which digestBytes runs the
// digests concurrently.
const concurrentDigestBytes = 1 << 20

// digestStream reads r to the end and computes the given exact digests
// concurrently, one goroutine per digest, so that all of them together cost
// little more than the slowest alone. Every chunk read is also passed to
// observe (if not nil) before the digests see it, in order, from the calling
// goroutine. It returns the number of bytes read.
func digestStream(r io.Reader, types []SignalType, observe func([]byte)) ([]Signal, int64, error) {
	if len(types) == 0 {
		n, err := drain(r, observe)
		return nil, n, err
	}
	first := chunkPool.Get().(*chunk)
	n, err := io.ReadFull(r, first.buf)
	first.n = n
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		// The whole input fits in one chunk: no goroutines needed.
		defer chunkPool.Put(first)
		data := first.buf[:n]
		if observe != nil {
			observe(data)
		}
		sigs := make([]Signal, 0, len(types))
		for _, t := range types {
			h := newDigest(t)
			h.Write(data)
			sigs = append(sigs, mustSignal(t, h.Sum(nil)))
		}
		return sigs, int64(n), nil
	}
	if err != nil {
		chunkPool.Put(first)
		return nil, 0, err
	}

	free := make(chan *chunk, chunksInFlight)
	free <- first
	for range chunksInFlight - 1 {
		free <- chunkPool.Get().(*chunk)
	}
	<-free // first is in hand

	work := make([]chan *chunk, len(types))
	hashes := make([]hash.Hash, len(types))
	var wg sync.WaitGroup
	for i, t := range types {
		work[i] = make(chan *chunk, chunksInFlight)
		hashes[i] = newDigest(t)
		wg.Go(func() {
			for c := range work[i] {
				hashes[i].Write(c.buf[:c.n])
				c.release()
			}
		})
	}

	var total int64
	c := first
	for {
		if c.n > 0 {
			total += int64(c.n)
			if observe != nil {
				observe(c.buf[:c.n])
			}
			c.free = free
			c.pending.Store(int32(len(types)))
			for _, w := range work {
				w <- c
			}
		} else {
			free <- c
		}
		if err != nil {
			break
		}
		c = <-free
		c.n, err = io.ReadFull(r, c.buf)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
	}
	for _, w := range work {
		close(w)
	}
	wg.Wait()
	for range chunksInFlight {
		chunkPool.Put(<-free)
	}
	if err != io.EOF {
		return nil, total, err
	}
	sigs := make([]Signal, len(types))
	for i, t := range types {
		sigs[i] = mustSignal(t, hashes[i].Sum(nil))
	}
	return sigs, total, nil
}

func mustSignal(t SignalType, b []byte) Signal {
	s, err := NewSignal(t, b)
	if err != nil {
		panic(err) // a digest of the wrong size is a programming error
	}
	return s
}

// drain reads r to the end, passing every chunk to observe.
func drain(r io.Reader, observe func([]byte)) (int64, error) {
	c := chunkPool.Get().(*chunk)
	defer chunkPool.Put(c)
	var total int64
	for {
		n, err := io.ReadFull(r, c.buf)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		if n > 0 {
			total += int64(n)
			if observe != nil {
				observe(c.buf[:n])
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
