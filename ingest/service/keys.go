package service

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/atkm/herken/index"
)

func (s *Service) listKeys(c *call) error {
	writeJSON(c.ctx, http.StatusOK, map[string]any{"keys": s.keys.List()})
	return nil
}

// createKey answers POST /v1/keys {"name", "role", "expires_at"}: the key
// is in the answer once and cannot be recovered.
func (s *Service) createKey(c *call) error {
	var req struct {
		Name      string     `json:"name"`
		Role      string     `json:"role"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	if err := c.decodeJSON(&req); err != nil {
		return err
	}
	role, err := index.ParseRole(req.Role)
	if err != nil {
		return invalid(err)
	}
	rec, key, err := s.keys.Create(req.Name, role, req.ExpiresAt, c.actor())
	if err != nil {
		return invalid(err)
	}
	c.audit.Detail = "created key " + rec.ID + " (" + string(rec.Role) + ")"
	writeJSON(c.ctx, http.StatusCreated, map[string]any{"key": key, "record": rec,
		"note": "this is the only time the key is shown; only its hash is stored"})
	return nil
}

func (s *Service) revokeKey(c *call) error {
	rec, err := s.keys.Revoke(c.params["id"], c.actor())
	switch {
	case errors.Is(err, index.ErrKeyNotFound):
		return errorf(http.StatusNotFound, "key_not_found", "%s", err)
	case errors.Is(err, index.ErrKeyRevoked):
		return errorf(http.StatusConflict, "key_revoked", "%s", err)
	case err != nil:
		return err
	}
	c.audit.Detail = "revoked key " + rec.ID
	writeJSON(c.ctx, http.StatusOK, rec)
	return nil
}

// auditQuery answers GET /v1/audit?since=&until=&key=&action=&limit=
// (times in RFC 3339).
func (s *Service) auditQuery(c *call) error {
	args := c.ctx.QueryArgs()
	q := index.AuditQuery{KeyID: string(args.Peek("key")), Action: string(args.Peek("action"))}
	for name, dst := range map[string]*time.Time{"since": &q.Since, "until": &q.Until} {
		if v := args.Peek(name); len(v) > 0 {
			t, err := time.Parse(time.RFC3339, string(v))
			if err != nil {
				return errorf(http.StatusBadRequest, "invalid_request", "%s=%q is not an RFC 3339 time", name, v)
			}
			*dst = t
		}
	}
	if v := args.Peek("limit"); len(v) > 0 {
		n, err := strconv.Atoi(string(v))
		if err != nil || n < 1 || n > 10000 {
			return errorf(http.StatusBadRequest, "invalid_request", "limit is a number from 1 to 10000")
		}
		q.Limit = n
	}
	recs, err := s.audit.Query(q)
	if err != nil {
		return err
	}
	writeJSON(c.ctx, http.StatusOK, map[string]any{"records": recs})
	return nil
}

// whoami answers GET /v1/whoami: the caller's key id, name and role, for
// the web page and for checking a key.
func (s *Service) whoami(c *call) error {
	writeJSON(c.ctx, http.StatusOK, map[string]any{"id": c.who.ID, "name": c.who.Name, "role": c.who.Role, "expires_at": c.who.ExpiresAt})
	return nil
}
