package service

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/atkm/herken/index"
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

// authenticator is the middleware that finds the caller's key and checks
// that its role may call the route. Missing, malformed, unknown, revoked
// or expired keys are refused with 401; a role that may not call the
// route with 403. Public routes (no roles) pass as they are.
type authenticator struct {
	keys KeyStore
	// insecure serves every request as an anonymous admin
	// (Config.InsecureNoAuth).
	insecure bool
}

func (a *authenticator) middleware(r *route, next handlerFunc) handlerFunc {
	if r.roles == nil {
		return next
	}
	return func(c *call) error {
		if err := a.check(c, r.roles); err != nil {
			return err
		}
		return next(c)
	}
}

func (a *authenticator) check(c *call, roles []index.Role) error {
	if a.insecure {
		c.who = anonymousUser
		return nil
	}
	c.ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="herken"`)
	auth := c.ctx.Request.Header.Peek("Authorization")
	var k index.APIKey
	var err error
	if len(auth) == 0 {
		if k, err = a.certificateKey(c); k.ID == "" && err == nil {
			return errorf(http.StatusUnauthorized, "missing_key", "send an API key: Authorization: Bearer hk_... (or a client certificate whose CN is a key id)")
		}
	} else {
		token, ok := bearerToken(auth)
		if !ok {
			return errorf(http.StatusUnauthorized, "malformed_key", "the Authorization header must be: Bearer hk_...")
		}
		k, err = a.keys.Authenticate(string(token))
	}
	switch {
	case errors.Is(err, errUnknownCertificate):
		return errorf(http.StatusUnauthorized, "unknown_key", "the client certificate's CN %q is no API key id", k.Name)
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
	if slices.Contains(roles, k.Role) {
		return nil
	}
	names := make([]string, len(roles))
	for i, role := range roles {
		names[i] = string(role)
	}
	return errorf(http.StatusForbidden, "forbidden_role", "a %s key may not call %s %s (roles that may: %s)",
		k.Role, c.ctx.Method(), c.ctx.Path(), strings.Join(names, ", "))
}

var errUnknownCertificate = errors.New("service: client certificate names no key")

// certificateKey returns the key a verified client certificate names, for
// a tool that cannot send an Authorization header: the Subject CN of the
// certificate the TLS handshake verified against the server's client CAs
// (--tls-client-ca) is the key's public id, and the key's role, revocation
// and expiry apply as to the key itself. Only a verified chain counts: a
// certificate the handshake merely received names nobody. Without one,
// it returns the zero key and no error.
func (a *authenticator) certificateKey(c *call) (index.APIKey, error) {
	st := c.ctx.TLSConnectionState()
	if st == nil || len(st.VerifiedChains) == 0 || len(st.VerifiedChains[0]) == 0 {
		return index.APIKey{}, nil
	}
	cn := st.VerifiedChains[0][0].Subject.CommonName
	for _, k := range a.keys.List() {
		if k.ID != cn {
			continue
		}
		switch {
		case k.RevokedAt != nil:
			return k, index.ErrKeyRevoked
		case k.ExpiresAt != nil && !time.Now().Before(*k.ExpiresAt):
			return k, index.ErrKeyExpired
		}
		return k, nil
	}
	return index.APIKey{Name: cn}, errUnknownCertificate
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
