package cluster

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/nats-io/nats.go"
)

// Auth is how a replica or the admin CLI proves itself to a NATS server
// that asks, and checks the server in turn. A user and password, or a
// token, go in the URL (nats://user:password@host:port); the rest are
// files. The zero Auth connects as before: plain, or TLS checked against
// the system's roots when the server requires TLS.
type Auth struct {
	// Creds is a NATS credentials file (a user JWT and its nkey seed).
	Creds string
	// NKey is a file holding an nkey seed (SU...).
	NKey string
	// TLSCA is a PEM file of the CAs the server's certificate must chain
	// to; TLSCert and TLSKey a client certificate and its key, for a
	// server that verifies its clients.
	TLSCA, TLSCert, TLSKey string
}

// options checks the files and returns the client's options for them.
func (a Auth) options() ([]nats.Option, error) {
	var out []nats.Option
	readable := func(what, path string) error {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("cluster: %s: %w", what, err)
		}
		return f.Close()
	}
	if a.Creds != "" && a.NKey != "" {
		return nil, errors.New("cluster: give a credentials file or an nkey seed file, not both")
	}
	if a.Creds != "" {
		if err := readable("the credentials file", a.Creds); err != nil {
			return nil, err
		}
		out = append(out, nats.UserCredentials(a.Creds))
	}
	if a.NKey != "" {
		o, err := nats.NkeyOptionFromSeed(a.NKey)
		if err != nil {
			return nil, fmt.Errorf("cluster: the nkey seed file: %w", err)
		}
		out = append(out, o)
	}
	if a.TLSCA != "" {
		if err := readable("the TLS CA file", a.TLSCA); err != nil {
			return nil, err
		}
		out = append(out, nats.RootCAs(a.TLSCA))
	}
	switch {
	case (a.TLSCert == "") != (a.TLSKey == ""):
		return nil, errors.New("cluster: a client certificate needs both its certificate and its key file")
	case a.TLSCert != "":
		// Loaded here, so that a wrong file is named before any
		// connection is tried.
		if _, err := tls.LoadX509KeyPair(a.TLSCert, a.TLSKey); err != nil {
			return nil, fmt.Errorf("cluster: the TLS client certificate: %w", err)
		}
		out = append(out, nats.ClientCert(a.TLSCert, a.TLSKey))
	}
	if a.TLSCA != "" || a.TLSCert != "" {
		out = append(out, nats.Secure(&tls.Config{MinVersion: tls.VersionTLS12}))
	}
	return out, nil
}

// refused tells an error of a server that answered and refused this
// client (credentials, certificates: waiting changes nothing) from one of
// a server that did not answer or hung up (none listening yet, a cluster
// starting, a network cut: worth waiting for).
func refused(err error) bool {
	var op *net.OpError
	var cert *tls.CertificateVerificationError
	msg := strings.ToLower(err.Error())
	return errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrAuthExpired) || errors.Is(err, nats.ErrAuthRevoked) ||
		errors.Is(err, nats.ErrTLS) || errors.Is(err, nats.ErrSecureConnRequired) || errors.Is(err, nats.ErrSecureConnWanted) ||
		errors.As(err, &cert) || (errors.As(err, &op) && op.Op == "remote error") ||
		// The server's -ERR lines come as text.
		strings.Contains(msg, "authorization violation") || strings.Contains(msg, "authentication")
}

// redact drops any user, password or token from a list of URLs, for logs
// and errors.
func redact(urls []string) string {
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = u
		if p, err := url.Parse(u); err == nil && p.User != nil {
			p.User = nil
			out[i] = p.String()
		}
	}
	return strings.Join(out, ",")
}
