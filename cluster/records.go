package cluster

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher/known"
)

// Records that are not known content but must be the same on every
// replica live in key-value buckets of their own, found or made through
// ensure like the key bucket: analysts' feedback on matches
// (HERKEN_FEEDBACK, one entry per item) and the synced sources'
// checkpoints (HERKEN_SYNC, one entry per source), so that a verdict given
// on one replica counts on all, and a sync's lease moving to another
// replica resumes from the last checkpoint instead of reading the source
// again from its start.
const (
	FeedbackBucket = "HERKEN_FEEDBACK"
	SyncBucket     = "HERKEN_SYNC"
)

// bucket is a key-value bucket found or made on first use.
type bucket struct {
	c       *Cluster
	name    string
	desc    string
	history uint8

	mu sync.Mutex
	kv jetstream.KeyValue
}

// get returns the bucket, finding or making it. A request on a replica
// cut off from NATS fails within two request timeouts with ErrUnavailable
// rather than hold its caller.
func (b *bucket) get(ctx context.Context) (jetstream.KeyValue, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.kv != nil {
		return b.kv, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*b.c.opts.Timeout)
	defer cancel()
	var kv jetstream.KeyValue
	err := b.c.ensure(ctx, "the bucket "+b.name, func(ctx context.Context, replicas int) error {
		var err error
		kv, err = b.c.js.KeyValue(ctx, b.name)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			kv, err = b.c.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
				Bucket: b.name, Description: b.desc, History: b.history,
				Storage: jetstream.FileStorage, Replicas: replicas,
			})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	b.kv = kv
	return kv, nil
}

// update reads key's JSON value into a fresh T (the zero T when there is
// none), lets change modify it, and writes it back only if nobody wrote
// the key meanwhile, reading again otherwise: two replicas counting a
// verdict on one item at once both count. A request that finds no leader
// (a bucket just made, a node gone) is tried again until ctx ends.
func update[T any](ctx context.Context, b *bucket, key string, change func(*T) error) (T, uint64, error) {
	var out T
	var outRev uint64
	if !b.c.nc.IsConnected() {
		// As the stream's writes: refused at once while cut off.
		return out, 0, fmt.Errorf("%w: not connected to NATS (%s)", ErrUnavailable, b.name)
	}
	kv, err := b.get(ctx)
	if err != nil {
		return out, 0, err
	}
	err = b.c.retry(ctx, "the bucket "+b.name, b.c.opts.Timeout, func(ctx context.Context, _ int) error {
		for {
			var v T
			var rev uint64
			e, err := kv.Get(ctx, key)
			switch {
			case errors.Is(err, jetstream.ErrKeyNotFound):
			case err != nil:
				return err
			default:
				if err := json.Unmarshal(e.Value(), &v); err != nil {
					return final(fmt.Errorf("cluster: %s: undecodable entry %s: %w", b.name, key, err))
				}
				rev = e.Revision()
			}
			if err := change(&v); err != nil {
				return final(err)
			}
			data, err := json.Marshal(v)
			if err != nil {
				return final(err)
			}
			var newRev uint64
			if rev == 0 {
				newRev, err = kv.Create(ctx, key, data)
			} else {
				newRev, err = kv.Update(ctx, key, data, rev)
			}
			if err == nil {
				out, outRev = v, newRev
				return nil
			}
			// Another replica wrote the key since it was read: read again.
			if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
				return err
			}
		}
	})
	return out, outRev, err
}

// read returns key's JSON value, and false when there is none, trying
// again like update.
func read[T any](ctx context.Context, b *bucket, key string) (T, bool, error) {
	var v T
	found := false
	kv, err := b.get(ctx)
	if err != nil {
		return v, false, err
	}
	err = b.c.retry(ctx, "the bucket "+b.name, b.c.opts.Timeout, func(ctx context.Context, _ int) error {
		e, err := kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(e.Value(), &v); err != nil {
			return final(fmt.Errorf("cluster: %s: undecodable entry %s: %w", b.name, key, err))
		}
		found = true
		return nil
	})
	return v, found, err
}

// put writes key's JSON value, trying again like update.
func put(ctx context.Context, b *bucket, key string, v any) error {
	kv, err := b.get(ctx)
	if err != nil {
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.c.retry(ctx, "the bucket "+b.name, b.c.opts.Timeout, func(ctx context.Context, _ int) error {
		_, err := kv.Put(ctx, key, data)
		return err
	})
}

// Feedback keeps analysts' feedback in the bucket HERKEN_FEEDBACK; it is
// an index.FeedbackStore. Every Feedback watches the bucket and keeps a
// copy in memory (verdicts are given by hand: thousands of entries, not
// millions), which reads are answered from once loaded, so that a replica
// cut off from NATS still shows an item's last known counts; a verdict is
// counted in the bucket itself, by compare-and-set, and refused with
// ErrUnavailable while NATS does not answer.
//
// Feedback may be used from concurrent goroutines: the copy is guarded
// by a read-write lock; an entry only moves to a higher revision.
type Feedback struct {
	b      *bucket
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.RWMutex
	loaded bool // the watch has sent every entry the bucket held
	items  map[uint64]feedbackEntry
}

type feedbackEntry struct {
	f   known.Feedback
	rev uint64
}

// Feedback returns the cluster's feedback and starts watching its bucket
// (found or made on first use) until Close.
func (c *Cluster) Feedback() *Feedback {
	bg, cancel := context.WithCancel(context.Background())
	f := &Feedback{cancel: cancel, done: make(chan struct{}), items: map[uint64]feedbackEntry{},
		b: &bucket{c: c, name: FeedbackBucket, history: 1,
			desc: "herken: analysts' verdicts on matches, counted per item for every replica"}}
	go f.watch(bg)
	return f
}

// watch keeps the copy, watching the bucket again should a watch end.
func (f *Feedback) watch(bg context.Context) {
	defer close(f.done)
	for bg.Err() == nil {
		if kv, err := f.b.get(bg); err == nil {
			if w, err := kv.WatchAll(bg); err == nil {
				for e := range w.Updates() {
					if e == nil {
						f.mu.Lock()
						f.loaded = true
						f.mu.Unlock()
						continue
					}
					var fb known.Feedback
					id, err := strconv.ParseUint(e.Key(), 10, 64)
					if err != nil || e.Operation() != jetstream.KeyValuePut || json.Unmarshal(e.Value(), &fb) != nil {
						continue // not an entry herken wrote
					}
					f.keep(id, fb, e.Revision())
				}
			}
		}
		select {
		case <-bg.Done():
		case <-time.After(time.Second):
		}
	}
}

// keep puts an item's feedback in the copy unless it holds a later one.
func (f *Feedback) keep(id uint64, fb known.Feedback, rev uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cur, ok := f.items[id]; !ok || cur.rev < rev {
		fb.ItemID = id
		f.items[id] = feedbackEntry{fb, rev}
	}
}

// Close stops the watch.
func (f *Feedback) Close() {
	f.cancel()
	<-f.done
}

func feedbackKey(id uint64) string { return strconv.FormatUint(id, 10) }

// AddFeedback counts e on item id and returns the item's feedback.
func (f *Feedback) AddFeedback(id uint64, e known.FeedbackEntry) (known.Feedback, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*f.b.c.opts.Timeout)
	defer cancel()
	fb, rev, err := update(ctx, f.b, feedbackKey(id), func(fb *known.Feedback) error {
		fb.ItemID = id
		fb.Add(e)
		return nil
	})
	if err == nil {
		f.keep(id, fb, rev)
	}
	return fb, err
}

// Feedback returns item id's feedback: zero counts when there is none.
// Before the copy is loaded, it asks the bucket.
func (f *Feedback) Feedback(id uint64) (known.Feedback, error) {
	f.mu.RLock()
	cur, ok := f.items[id]
	loaded := f.loaded
	f.mu.RUnlock()
	if ok || loaded {
		cur.f.ItemID = id
		return cur.f, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*f.b.c.opts.Timeout)
	defer cancel()
	fb, _, err := read[known.Feedback](ctx, f.b, feedbackKey(id))
	fb.ItemID = id
	return fb, err
}

// SourceStates keeps the synced sources' states (their checkpoints) in
// the bucket HERKEN_SYNC, for the replica holding the sync lease, whichever
// it is. It may be used from concurrent goroutines.
type SourceStates struct {
	b *bucket
}

// SourceStates returns the cluster's sources' states.
func (c *Cluster) SourceStates() *SourceStates {
	return &SourceStates{b: &bucket{c: c, name: SyncBucket, history: 1,
		desc: "herken: each synced source's checkpoint, for the replica holding the sync lease"}}
}

// A source's name may hold characters a key may not: the key is its
// base64url.
func sourceKey(name string) string { return base64.RawURLEncoding.EncodeToString([]byte(name)) }

// SourceState returns the named source's state, or the zero state (Name
// set) when it was never synced.
func (s *SourceStates) SourceState(name string) (index.SourceState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*s.b.c.opts.Timeout)
	defer cancel()
	st, _, err := read[index.SourceState](ctx, s.b, sourceKey(name))
	st.Name = name
	return st, err
}

// SetSourceState stores a source's state.
func (s *SourceStates) SetSourceState(st index.SourceState) error {
	if st.Name == "" {
		return errors.New("cluster: a source state needs a name")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*s.b.c.opts.Timeout)
	defer cancel()
	return put(ctx, s.b, sourceKey(st.Name), st)
}
