package service

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/index"
)

// accessHandlers answer the endpoints of access: API keys, the audit
// log and whoami. They are safe for concurrent use.
type accessHandlers struct {
	keys  KeyStore
	audit AuditLog
}

func (h *accessHandlers) listKeys(c *call) error {
	writeJSON(c.ctx, http.StatusOK, keysAnswer{Keys: h.keys.List()})
	return nil
}

// createKey answers POST /v1/keys {"name", "role", "expires_at"}: the key
// is in the answer once and cannot be recovered.
func (h *accessHandlers) createKey(c *call) error {
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
	rec, key, err := h.keys.Create(req.Name, role, req.ExpiresAt, c.actor())
	if errors.Is(err, cluster.ErrUnavailable) {
		return err
	}
	if err != nil {
		return invalid(err)
	}
	c.audit.Detail = "created key " + rec.ID + " (" + string(rec.Role) + ")"
	writeJSON(c.ctx, http.StatusCreated, keyCreatedAnswer{Key: key, Record: rec,
		Note: "this is the only time the key is shown; only its hash is stored"})
	return nil
}

func (h *accessHandlers) revokeKey(c *call) error {
	rec, err := h.keys.Revoke(c.params["id"], c.actor())
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
func (h *accessHandlers) auditQuery(c *call) error {
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
	recs, err := h.audit.Query(q)
	if err != nil {
		return err
	}
	writeJSON(c.ctx, http.StatusOK, auditAnswer{Records: recs})
	return nil
}

// whoami answers GET /v1/whoami: the caller's key id, name and role, for
// the web page and for checking a key.
func (*accessHandlers) whoami(c *call) error {
	writeJSON(c.ctx, http.StatusOK, whoamiAnswer{ID: c.who.ID, Name: c.who.Name, Role: c.who.Role, ExpiresAt: c.who.ExpiresAt})
	return nil
}
