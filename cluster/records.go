package cluster

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

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
func update[T any](ctx context.Context, b *bucket, key string, change func(*T) error) (T, error) {
	var out T
	kv, err := b.get(ctx)
	if err != nil {
		return out, err
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
			if rev == 0 {
				_, err = kv.Create(ctx, key, data)
			} else {
				_, err = kv.Update(ctx, key, data, rev)
			}
			if err == nil {
				out = v
				return nil
			}
			// Another replica wrote the key since it was read: read again.
			if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
				return err
			}
		}
	})
	return out, err
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
// an index.FeedbackStore. It may be used from concurrent goroutines.
type Feedback struct {
	b *bucket
}

// Feedback returns the cluster's feedback (the bucket is found or made on
// first use).
func (c *Cluster) Feedback() *Feedback {
	return &Feedback{b: &bucket{c: c, name: FeedbackBucket, history: 1,
		desc: "herken: analysts' verdicts on matches, counted per item for every replica"}}
}

func feedbackKey(id uint64) string { return strconv.FormatUint(id, 10) }

// AddFeedback counts e on item id and returns the item's feedback.
func (f *Feedback) AddFeedback(id uint64, e known.FeedbackEntry) (known.Feedback, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*f.b.c.opts.Timeout)
	defer cancel()
	return update(ctx, f.b, feedbackKey(id), func(fb *known.Feedback) error {
		fb.ItemID = id
		fb.Add(e)
		return nil
	})
}

// Feedback returns item id's feedback: zero counts when there is none.
func (f *Feedback) Feedback(id uint64) (known.Feedback, error) {
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
