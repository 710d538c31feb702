package service

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

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

// middleware takes a token for the caller's key before the handler
// runs. It comes after authentication; anonymous callers (public routes,
// --insecure-no-auth) are not limited.
func (l *rateLimiter) middleware(_ *route, next handlerFunc) handlerFunc {
	return func(c *call) error {
		if c.who.ID != "" {
			if err := l.allow(c.who.ID); err != nil {
				return err
			}
		}
		return next(c)
	}
}
