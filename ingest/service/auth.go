package service

import (
	"bytes"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
)

// Who may call what. A route with no roles is public.
var (
	anyMatcher    = []index.Role{index.RoleProvider, index.RoleCrawler, index.RoleAnalyst, index.RoleAdmin}
	filterRoles   = []index.Role{index.RoleProvider, index.RoleAnalyst, index.RoleAdmin}
	batchRoles    = []index.Role{index.RoleCrawler, index.RoleAnalyst, index.RoleAdmin}
	analystRoles  = []index.Role{index.RoleAnalyst, index.RoleAdmin}
	adminOnly     = []index.Role{index.RoleAdmin}
	anonymousUser = index.APIKey{Name: "anonymous (--insecure-no-auth)", Role: index.RoleAdmin}
)

// authenticate finds the caller's key and checks that its role may call r.
// Missing, malformed, unknown, revoked or expired keys are refused with
// 401; a role that may not call the route with 403.
func (s *Service) authenticate(c *call, r *route) error {
	if r.roles == nil {
		return nil
	}
	if s.cfg.InsecureNoAuth {
		c.who = anonymousUser
		return nil
	}
	c.ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="herken"`)
	auth := c.ctx.Request.Header.Peek("Authorization")
	if len(auth) == 0 {
		return errorf(http.StatusUnauthorized, "missing_key", "send an API key: Authorization: Bearer hk_...")
	}
	token, ok := bearerToken(auth)
	if !ok {
		return errorf(http.StatusUnauthorized, "malformed_key", "the Authorization header must be: Bearer hk_...")
	}
	k, err := s.keys.Authenticate(string(token))
	switch {
	case errors.Is(err, index.ErrKeyMalformed):
		return errorf(http.StatusUnauthorized, "malformed_key", "that is not a herken API key")
	case errors.Is(err, index.ErrKeyRevoked):
		return errorf(http.StatusUnauthorized, "key_revoked", "API key %s has been revoked", k.ID)
	case errors.Is(err, index.ErrKeyExpired):
		return errorf(http.StatusUnauthorized, "key_expired", "API key %s expired at %s", k.ID, k.ExpiresAt.Format(time.RFC3339))
	case err != nil:
		return errorf(http.StatusUnauthorized, "unknown_key", "unknown API key")
	}
	c.ctx.Response.Header.Del("WWW-Authenticate")
	c.who = k
	for _, role := range r.roles {
		if role == k.Role {
			return s.limiter.allow(k.ID)
		}
	}
	names := make([]string, len(r.roles))
	for i, role := range r.roles {
		names[i] = string(role)
	}
	return errorf(http.StatusForbidden, "forbidden_role", "a %s key may not call %s %s (roles that may: %s)",
		k.Role, c.ctx.Method(), c.ctx.Path(), strings.Join(names, ", "))
}

// bearerToken returns the token of an Authorization header of the Bearer
// scheme. Auth schemes are case-insensitive (RFC 7235, section 2.1), so
// "bearer" and "BEARER" are Bearer too; spaces or tabs separate the
// scheme from the token.
func bearerToken(auth []byte) ([]byte, bool) {
	i := bytes.IndexAny(auth, " \t")
	if i < 0 || !bytes.EqualFold(auth[:i], []byte("Bearer")) {
		return nil, false
	}
	token := bytes.TrimSpace(auth[i:])
	return token, len(token) > 0
}

// actor names the caller in records: its key id.
func (c *call) actor() string {
	if c.who.ID == "" {
		return "anonymous"
	}
	return "key:" + c.who.ID
}

// rateLimiter is a token bucket per key: rate requests a second with
// bursts of up to burst. A zero rate turns it off.
type rateLimiter struct {
	rate, burst float64
	now         func() time.Time
	mu          sync.Mutex
	buckets     map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(rate float64, burst int) *rateLimiter {
	if burst < 1 {
		burst = max(1, int(math.Ceil(rate)))
	}
	return &rateLimiter{rate: rate, burst: float64(burst), now: time.Now, buckets: map[string]*bucket{}}
}

// allow takes a token for key or answers 429 with the time to wait.
func (l *rateLimiter) allow(key string) error {
	if l == nil || l.rate <= 0 {
		return nil
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return nil
	}
	wait := math.Ceil((1 - b.tokens) / l.rate)
	return &apiError{status: http.StatusTooManyRequests, retryAfter: int(wait),
		Problem: Problem{Code: "rate_limited", Message: "too many requests for this key; retry after " + strconv.Itoa(int(wait)) + "s"}}
}

// auditOf records a request in the audit log: who, what, the hashes, the
// URL, the decision and the matched items; never content, never the key.
func (s *Service) auditOf(c *call, r *route, status int) {
	if r == nil || r.roles == nil || r.name == "metrics" {
		return
	}
	rec := c.audit
	rec.KeyID, rec.Role, rec.Action, rec.Status = c.who.ID, string(c.who.Role), r.name, status
	if rec.Decision == "" {
		rec.Decision = "done"
		if status >= 400 {
			rec.Decision = "error"
		}
	}
	s.audit.Record(rec)
}

// decided notes a lookup's outcome in the request's audit record.
func (c *call) decided(sigs []matcher.Signal, l matcher.Lookup) {
	c.audit.Signals = append(c.audit.Signals, sigs...)
	c.audit.Decision = "no_match"
	if len(l.Matches) > 0 {
		c.audit.Decision = "match"
	}
	c.audit.Matched = matchedItems(c.audit.Matched, l.Matches)
}

func matchedItems(ids []uint64, ms []matcher.Match) []uint64 {
	for _, m := range ms {
		if !slices.Contains(ids, m.ItemID) {
			ids = append(ids, m.ItemID)
		}
	}
	return ids
}
