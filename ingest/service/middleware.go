package service

import (
	"io"
	"log/slog"
	"strconv"
	"time"
)

// middleware wraps the handler of route r. The chain is built once per
// route when the service starts (see Service.chain).
type middleware func(r *route, next handlerFunc) handlerFunc

// chain wraps h in the middleware, the first of mw outermost.
func chain(r *route, h handlerFunc, mw ...middleware) handlerFunc {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](r, h)
	}
	return h
}

// errorAnswer is the middleware that answers a handler's error: the one
// place an error becomes an HTTP status and a JSON Problem (classify
// decides which). Internal errors are logged, their text not shown.
type errorAnswer struct{ log *slog.Logger }

func (e errorAnswer) middleware(r *route, next handlerFunc) handlerFunc {
	return func(c *call) error {
		err := next(c)
		if err == nil {
			return nil
		}
		ae := classify(err)
		if ae.status >= 500 {
			e.log.Error("request failed", "endpoint", r.name, "err", err)
		}
		if ae.retryAfter > 0 {
			c.ctx.Response.Header.Set("Retry-After", strconv.Itoa(ae.retryAfter))
		}
		c.audit.Detail = ae.Code
		// The rest of an unread body would be taken for the next request.
		if c.ctx.Request.Header.ContentLength() != 0 {
			c.ctx.SetConnectionClose()
			if ae.Code == "busy" && c.stream != nil {
				// Read (and drop) the rest of an upload refused for want of
				// memory, so that the client gets its 429 rather than a
				// connection reset by unread bytes; nothing is held.
				_, _ = io.Copy(io.Discard, c.stream)
			}
		}
		if r.tool {
			writeJSON(c.ctx, ae.status, compatProblemAnswer{Message: ae.Message, Error: ae.Problem})
			return nil
		}
		writeJSON(c.ctx, ae.status, problemAnswer{Error: ae.Problem})
		return nil
	}
}

// auditor is the middleware that records every authenticated request in
// the audit log once it is answered: who, what, the hashes, the URL, the
// decision and the matched items; never content, never the key. Public
// routes and /metrics are not recorded. (Batch lines are recorded one by
// one by the batch handler.)
type auditor struct{ log AuditLog }

func (a auditor) middleware(r *route, next handlerFunc) handlerFunc {
	if r.roles == nil || r.name == "metrics" {
		return next
	}
	return func(c *call) error {
		err := next(c)
		if c.who.Role == "" {
			return err // refused before the caller was known
		}
		status := c.ctx.Response.StatusCode()
		rec := c.audit
		rec.KeyID, rec.Role, rec.Action, rec.Status = c.who.ID, string(c.who.Role), r.name, status
		if rec.Decision == "" {
			rec.Decision = "done"
			if status >= 400 {
				rec.Decision = "error"
			}
		}
		a.log.Record(rec)
		return err
	}
}

// middleware counts the request and its latency by endpoint, once it is
// answered.
func (m *metrics) middleware(r *route, next handlerFunc) handlerFunc {
	return func(c *call) error {
		start := time.Now()
		err := next(c)
		m.request(r.name, c.ctx.Response.StatusCode(), time.Since(start))
		return err
	}
}
