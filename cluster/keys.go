package cluster

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/index"
)

// KeysBucket is the replicated key-value bucket of the cluster's API keys:
// one entry per key, under its public id, holding its index.APIKey record
// (the SHA-256 of the secret, never the secret).
const KeysBucket = "HERKEN_KEYS"

// Keys are the cluster's API keys and roles. Every change is written to
// the bucket (a revocation as a compare-and-set on the entry's revision,
// so that two replicas revoking at once are both told the truth); every
// Keys watches the bucket and keeps an in-memory copy, which Authenticate
// and List read. A key created or revoked on any replica reaches the
// others as soon as the bucket's stream delivers the change (milliseconds
// on a healthy cluster). A replica cut off from NATS keeps authenticating
// from its last copy, and refuses key changes with ErrUnavailable.
//
// The keys' form and checks are index.APIKeys's: hk_<12 hex id>_<43
// base64url characters of a 256-bit secret>, of which only the SHA-256 is
// stored, compared in constant time.
//
// Keys may be used from concurrent goroutines: the copy is guarded by a
// read-write lock, written by the watcher goroutine and by the writes made
// here (each entry only ever moves to a higher revision).
type Keys struct {
	c        *Cluster
	copyPath string
	cancel   context.CancelFunc // ends the watch
	loaded   chan struct{}      // closed once the bucket's keys are loaded
	loadOnce sync.Once
	done     chan struct{}
	now      func() time.Time

	mu   sync.RWMutex
	kv   jetstream.KeyValue // nil until the bucket answered
	keys map[string]keyEntry
}

type keyEntry struct {
	Rec index.APIKey `json:"record"`
	Rev uint64       `json:"revision"`
}

// KeysOptions configure Cluster.Keys.
type KeysOptions struct {
	// Copy, if set, is a file that keeps the last copy of the bucket (the
	// records, with the secrets' hashes only, as the bucket holds them),
	// so that a replica restarted while cut off from NATS authenticates
	// from it. With Copy, Keys returns when ctx ends even if the bucket
	// did not answer, and keeps trying to reach it in the background.
	Copy string
}

// Keys opens the key bucket (creating it, with as many replicas as the
// NATS cluster allows up to three) and loads and watches it. It returns
// once the copy holds every key the bucket held; when ctx ends first, it
// fails, or with opts.Copy serves the file's copy meanwhile. Close stops
// the watch.
func (c *Cluster) Keys(ctx context.Context, opts KeysOptions) (*Keys, error) {
	k := &Keys{c: c, copyPath: opts.Copy, now: time.Now, keys: map[string]keyEntry{},
		loaded: make(chan struct{}), done: make(chan struct{})}
	if opts.Copy != "" {
		if err := k.readCopy(); err != nil {
			return nil, err
		}
	}
	// The watch lasts until Close, not as long as ctx.
	bg, cancel := context.WithCancel(context.Background())
	k.cancel = cancel
	go k.run(bg)
	select {
	case <-k.loaded:
		c.log.Info("cluster: API keys loaded", "bucket", KeysBucket, "keys", len(k.List()))
		return k, nil
	case <-ctx.Done():
	}
	if opts.Copy == "" {
		k.Close()
		return nil, fmt.Errorf("%w: loading the bucket %s: %v", ErrUnavailable, KeysBucket, ctx.Err())
	}
	c.log.Warn("cluster: the key bucket does not answer; authenticating from the last copy until it does",
		"bucket", KeysBucket, "copy", opts.Copy, "keys", len(k.List()))
	return k, nil
}

// run attaches to the bucket and applies its changes until bg ends,
// watching it again should a watch end.
func (k *Keys) run(bg context.Context) {
	defer close(k.done)
	for bg.Err() == nil {
		kv, err := k.c.ensureBucket(bg)
		if err != nil {
			return // bg ended
		}
		k.mu.Lock()
		k.kv = kv
		k.mu.Unlock()
		if w, err := kv.WatchAll(bg); err == nil {
			k.follow(w)
		} else {
			k.c.log.Warn("cluster: watching the key bucket", "err", err)
		}
		select {
		case <-bg.Done():
		case <-time.After(time.Second):
		}
	}
}

// follow applies a watch's entries until it ends. The watcher sends every
// entry, then nil once it has sent them all: the copy then becomes
// exactly the bucket's (an entry it does not hold any more is dropped).
func (k *Keys) follow(w jetstream.KeyWatcher) {
	seen := map[string]bool{}
	initial := true
	for e := range w.Updates() {
		switch {
		case e == nil && initial:
			initial = false
			k.mu.Lock()
			for id := range k.keys {
				if !seen[id] {
					delete(k.keys, id)
				}
			}
			k.mu.Unlock()
			k.writeCopy()
			k.loadOnce.Do(func() { close(k.loaded) })
		case e == nil:
		case initial:
			seen[e.Key()] = true
			k.apply(e, true)
		default:
			k.apply(e, false)
			k.writeCopy()
		}
	}
}

// ensureBucket finds or creates the key bucket, retrying while the NATS
// cluster cannot answer yet.
func (c *Cluster) ensureBucket(ctx context.Context) (jetstream.KeyValue, error) {
	var kv jetstream.KeyValue
	err := c.ensure(ctx, "the bucket "+KeysBucket, func(ctx context.Context, replicas int) error {
		var err error
		kv, err = c.js.KeyValue(ctx, KeysBucket)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			kv, err = c.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
				Bucket:      KeysBucket,
				Description: "herken: API keys and roles (secrets hashed), watched by every replica",
				// A few earlier records of a key: who revoked it is in
				// the latest, and the audit log has the rest.
				History:  5,
				Storage:  jetstream.FileStorage,
				Replicas: replicas,
			})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return kv, nil
}

// fewerReplicas reports whether err says the NATS cluster cannot hold as
// many replicas: a server outside a cluster (10074) or a cluster of fewer
// nodes (10023, insufficient resources).
func fewerReplicas(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == 10074 || apiErr.ErrorCode == 10023)
}

// apply puts an entry of the bucket in the copy, unless the copy already
// holds a later revision of it (a write made here, seen before the watch
// delivers it). A load (force) takes the bucket's entry whatever the
// copy holds: the file's copy may be of a bucket made anew since.
func (k *Keys) apply(e jetstream.KeyValueEntry, force bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if cur, ok := k.keys[e.Key()]; ok && cur.Rev >= e.Revision() && !force {
		return
	}
	if e.Operation() != jetstream.KeyValuePut {
		// Keys are revoked, never deleted by herken; an entry deleted by
		// an operator's hand is no key any more.
		delete(k.keys, e.Key())
		return
	}
	var rec index.APIKey
	if err := json.Unmarshal(e.Value(), &rec); err != nil || rec.ID != e.Key() {
		delete(k.keys, e.Key()) // an unreadable record authenticates nobody
		return
	}
	k.keys[e.Key()] = keyEntry{Rec: rec, Rev: e.Revision()}
}

// Close stops the watch; the copy stays as it was.
func (k *Keys) Close() {
	k.cancel()
	<-k.done
}

// bucket returns the bucket, or ErrUnavailable before it answered.
func (k *Keys) bucket() (jetstream.KeyValue, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.kv == nil {
		return nil, fmt.Errorf("%w: the key bucket %s has not answered yet", ErrUnavailable, KeysBucket)
	}
	return k.kv, nil
}

// keyPrefix starts every key herken issues (index.APIKeys's form).
const keyPrefix = "hk_"

func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Create makes a key for role, valid until expires (nil: no expiry), and
// returns its record and the key itself, which is shown once and cannot
// be recovered. It returns once the bucket stored the record; this
// replica's copy holds it at once.
func (k *Keys) Create(name string, role index.Role, expires *time.Time, by string) (index.APIKey, string, error) {
	if _, err := index.ParseRole(string(role)); err != nil {
		return index.APIKey{}, "", err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return index.APIKey{}, "", errors.New("cluster: a key needs a name of 1 to 200 characters")
	}
	now := k.now().UTC()
	if expires != nil && !expires.After(now) {
		return index.APIKey{}, "", fmt.Errorf("cluster: the expiry %s is not in the future", expires.Format(time.RFC3339))
	}
	idBytes, secret := make([]byte, 6), make([]byte, 32)
	_, _ = rand.Read(idBytes) // crypto/rand.Read never fails (Go 1.24+)
	_, _ = rand.Read(secret)
	id := hex.EncodeToString(idBytes)
	secretText := base64.RawURLEncoding.EncodeToString(secret)
	rec := index.APIKey{ID: id, Name: name, Role: role, CreatedAt: now, CreatedBy: by, ExpiresAt: expires, Hash: secretHash(secretText)}
	v, err := json.Marshal(rec)
	if err != nil {
		return index.APIKey{}, "", err
	}
	kv, err := k.bucket()
	if err != nil {
		return index.APIKey{}, "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), k.c.opts.Timeout)
	defer cancel()
	rev, err := kv.Create(ctx, id, v)
	if err != nil {
		return index.APIKey{}, "", fmt.Errorf("%w: storing the key: %v", ErrUnavailable, err)
	}
	k.put(rec, rev)
	return rec, keyPrefix + id + "_" + secretText, nil
}

func (k *Keys) put(rec index.APIKey, rev uint64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if cur, ok := k.keys[rec.ID]; !ok || cur.Rev < rev {
		k.keys[rec.ID] = keyEntry{Rec: rec, Rev: rev}
	}
}

// Revoke revokes a key on every replica. It reads the key's latest record
// from the bucket (not the copy, which may lag) and writes it back only
// if nobody changed it in between: a key revoked twice at once is
// revoked once, and the second caller is told so (index.ErrKeyRevoked).
func (k *Keys) Revoke(id, by string) (index.APIKey, error) {
	kv, err := k.bucket()
	if err != nil {
		return index.APIKey{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*k.c.opts.Timeout)
	defer cancel()
	for {
		e, err := kv.Get(ctx, id)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrInvalidKey):
			return index.APIKey{}, fmt.Errorf("%w: %s", index.ErrKeyNotFound, id)
		case err != nil:
			return index.APIKey{}, fmt.Errorf("%w: reading the key: %v", ErrUnavailable, err)
		}
		var rec index.APIKey
		if err := json.Unmarshal(e.Value(), &rec); err != nil {
			return index.APIKey{}, fmt.Errorf("cluster: the record of key %s is unreadable: %w", id, err)
		}
		if rec.RevokedAt != nil {
			return rec, fmt.Errorf("%w: %s was revoked at %s", index.ErrKeyRevoked, id, rec.RevokedAt.Format(time.RFC3339))
		}
		now := k.now().UTC()
		rec.RevokedAt, rec.RevokedBy = &now, by
		v, err := json.Marshal(rec)
		if err != nil {
			return index.APIKey{}, err
		}
		rev, err := kv.Update(ctx, id, v, e.Revision())
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue // changed since it was read: read it again
		}
		if err != nil {
			return index.APIKey{}, fmt.Errorf("%w: storing the revocation: %v", ErrUnavailable, err)
		}
		k.put(rec, rev)
		return rec, nil
	}
}

// Authenticate checks a key against the copy and returns its record, as
// index.APIKeys.Authenticate does (the same errors, constant time in the
// secret).
func (k *Keys) Authenticate(key string) (index.APIKey, error) {
	rest, ok := strings.CutPrefix(key, keyPrefix)
	id, secret, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(id) != 12 || len(secret) != 43 {
		return index.APIKey{}, index.ErrKeyMalformed
	}
	k.mu.RLock()
	e, found := k.keys[id]
	k.mu.RUnlock()
	want := e.Rec.Hash
	if !found {
		want = strings.Repeat("0", 64) // compare anyway, to take the same time
	}
	if subtle.ConstantTimeCompare([]byte(secretHash(secret)), []byte(want)) != 1 || !found {
		return index.APIKey{}, index.ErrKeyUnknown
	}
	switch {
	case e.Rec.RevokedAt != nil:
		return e.Rec, index.ErrKeyRevoked
	case e.Rec.ExpiresAt != nil && !k.now().Before(*e.Rec.ExpiresAt):
		return e.Rec, index.ErrKeyExpired
	}
	return e.Rec, nil
}

// List returns every key of the copy (revoked and expired included),
// oldest first.
func (k *Keys) List() []index.APIKey {
	k.mu.RLock()
	out := make([]index.APIKey, 0, len(k.keys))
	for _, e := range k.keys {
		out = append(out, e.Rec)
	}
	k.mu.RUnlock()
	slices.SortFunc(out, func(a, b index.APIKey) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

// readCopy loads the file's copy, if there is one.
func (k *Keys) readCopy() error {
	b, err := os.ReadFile(k.copyPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cluster: reading the keys' copy: %w", err)
	}
	var entries []keyEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		return fmt.Errorf("cluster: the keys' copy %s is unreadable (remove it to start from the bucket): %w", k.copyPath, err)
	}
	for _, e := range entries {
		k.keys[e.Rec.ID] = e
	}
	return nil
}

// writeCopy replaces the file's copy with the in-memory one: written to a
// new file and renamed, so that a crash leaves the old copy or the new.
// Keys change rarely; the copy is small.
func (k *Keys) writeCopy() {
	if k.copyPath == "" {
		return
	}
	k.mu.RLock()
	entries := make([]keyEntry, 0, len(k.keys))
	for _, e := range k.keys {
		entries = append(entries, e)
	}
	k.mu.RUnlock()
	b, err := json.Marshal(entries)
	if err == nil {
		tmp := k.copyPath + ".new"
		if err = os.WriteFile(tmp, b, 0o600); err == nil {
			err = os.Rename(tmp, k.copyPath)
		}
	}
	if err != nil {
		k.c.log.Error("cluster: writing the keys' copy", "file", k.copyPath, "err", err)
	}
}
