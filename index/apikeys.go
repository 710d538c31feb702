package index

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Role is what an API key may do. The service maps each endpoint to the
// roles that may call it.
type Role string

// The roles, from least to most trusted.
const (
	RoleProvider Role = "provider" // hosting providers: lookup, match, filter
	RoleCrawler  Role = "crawler"  // crawler pipelines: match, batch, lookup
	RoleAnalyst  Role = "analyst"  // all matching, reading banks and items, retracting
	RoleAdmin    Role = "admin"    // everything, keys and the audit log included
)

// Roles lists the roles.
func Roles() []Role { return []Role{RoleProvider, RoleCrawler, RoleAnalyst, RoleAdmin} }

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(Roles(), r) {
		return "", fmt.Errorf("index: unknown role %q (provider, crawler, analyst, admin)", s)
	}
	return r, nil
}

// APIKey is a key's record. The secret itself is never stored: only its
// SHA-256, which is enough for 256-bit random secrets.
type APIKey struct {
	ID        string     `json:"id"` // public: for logs and listings
	Name      string     `json:"name"`
	Role      Role       `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	CreatedBy string     `json:"created_by,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	RevokedBy string     `json:"revoked_by,omitempty"`
	Hash      string     `json:"secret_sha256"`
}

// Errors of key checks.
var (
	ErrKeyMalformed = errors.New("index: malformed API key")
	ErrKeyUnknown   = errors.New("index: unknown API key")
	ErrKeyRevoked   = errors.New("index: API key revoked")
	ErrKeyExpired   = errors.New("index: API key expired")
	ErrKeyNotFound  = errors.New("index: API key not found")
)

// APIKeys is the store of the service's API keys: their records, by
// public id, and the check of a presented key. Key changes are written to
// the index's database but are not known content: they do not move the
// index version.
//
// APIKeys may be used from concurrent goroutines. Writes are serialised;
// Authenticate and List read an in-memory copy under a read lock and run
// in parallel with each other.
type APIKeys struct {
	*base
	writeM sync.Mutex   // serialises writers
	mu     sync.RWMutex // guards keys
	keys   map[string]*APIKey
}

// keyPrefix starts every key herken issues; the public id follows, then
// the secret: hk_<id>_<secret>.
const keyPrefix = "hk_"

var prefixAPIKey = []byte("k/")

func apiKeyKey(id string) []byte { return append(append([]byte{}, prefixAPIKey...), id...) }

// Create makes a key for role, valid until expires (nil: no expiry),
// and returns its record and the key itself, which is shown once and
// cannot be recovered.
func (s *APIKeys) Create(name string, role Role, expires *time.Time, by string) (APIKey, string, error) {
	if _, err := ParseRole(string(role)); err != nil {
		return APIKey{}, "", err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return APIKey{}, "", fmt.Errorf("index: a key needs a name of 1 to 200 characters")
	}
	now := s.opts.Now().UTC()
	if expires != nil && !expires.After(now) {
		return APIKey{}, "", fmt.Errorf("index: the expiry %s is not in the future", expires.Format(time.RFC3339))
	}
	idBytes := make([]byte, 6)
	secret := make([]byte, 32)
	if _, err := rand.Read(idBytes); err != nil {
		return APIKey{}, "", err
	}
	if _, err := rand.Read(secret); err != nil {
		return APIKey{}, "", err
	}
	id := hex.EncodeToString(idBytes)
	secretText := base64.RawURLEncoding.EncodeToString(secret)
	k := APIKey{ID: id, Name: name, Role: role, CreatedAt: now, CreatedBy: by, ExpiresAt: expires, Hash: secretHash(secretText)}
	err := s.update(func(txn *badger.Txn) error { return setJSON(txn, apiKeyKey(id), &k) }, func() {
		s.keys[id] = &k
	})
	if err != nil {
		return APIKey{}, "", err
	}
	return k, keyPrefix + id + "_" + secretText, nil
}

func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Authenticate checks a key and returns its record. It runs in constant
// time in the secret, so timing tells nothing about it.
func (s *APIKeys) Authenticate(key string) (APIKey, error) {
	rest, ok := strings.CutPrefix(key, keyPrefix)
	id, secret, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(id) != 12 || len(secret) != 43 {
		return APIKey{}, ErrKeyMalformed
	}
	s.mu.RLock()
	k, found := s.keys[id]
	var rec APIKey
	if found {
		rec = *k
	}
	s.mu.RUnlock()
	want := rec.Hash
	if !found {
		want = strings.Repeat("0", 64) // compare anyway, to take the same time
	}
	if subtle.ConstantTimeCompare([]byte(secretHash(secret)), []byte(want)) != 1 || !found {
		return APIKey{}, ErrKeyUnknown
	}
	now := s.opts.Now()
	switch {
	case rec.RevokedAt != nil:
		return rec, ErrKeyRevoked
	case rec.ExpiresAt != nil && !now.Before(*rec.ExpiresAt):
		return rec, ErrKeyExpired
	}
	return rec, nil
}

// List returns every key (revoked and expired included), oldest first.
func (s *APIKeys) List() []APIKey {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]APIKey, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, *k)
	}
	slices.SortFunc(out, func(a, b APIKey) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

// Revoke revokes a key at once.
func (s *APIKeys) Revoke(id, by string) (APIKey, error) {
	var k APIKey
	err := s.update(func(txn *badger.Txn) error {
		rec, err := readJSON[APIKey](txn, apiKeyKey(id), ErrKeyNotFound, id)
		if err != nil {
			return err
		}
		k = *rec
		if k.RevokedAt != nil {
			return fmt.Errorf("%w: %s was revoked at %s", ErrKeyRevoked, id, k.RevokedAt.Format(time.RFC3339))
		}
		now := s.opts.Now().UTC()
		k.RevokedAt, k.RevokedBy = &now, by
		return setJSON(txn, apiKeyKey(id), &k)
	}, func() { s.keys[id] = &k })
	return k, err
}

// update runs fn in one write transaction of its own, then applies the
// committed change to memory. Unlike a write of the known content, it
// leaves the index version as it is.
func (s *APIKeys) update(fn func(txn *badger.Txn) error, apply func()) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := s.checkFreeSpace(); err != nil {
		return err
	}
	s.writeM.Lock()
	defer s.writeM.Unlock()
	if err := s.db.Update(fn); err != nil {
		return err
	}
	s.mu.Lock()
	apply()
	s.mu.Unlock()
	return nil
}

// load reads every key record into memory.
func (s *APIKeys) load() error {
	keys := map[string]*APIKey{}
	err := s.db.View(func(txn *badger.Txn) error {
		return eachValue(txn, prefixAPIKey, func(_, v []byte) error {
			k := new(APIKey)
			if err := decodeJSON(v, k); err != nil {
				return err
			}
			keys[k.ID] = k
			return nil
		})
	})
	if err != nil {
		return err
	}
	s.keys = keys
	return nil
}
