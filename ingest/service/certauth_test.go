package service

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
)

type certAuthority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCertAuthority(t *testing.T, name string) *certAuthority {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &certAuthority{cert, key}
}

func (ca *certAuthority) issue(t *testing.T, cn string, client bool) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	if client {
		tmpl.ExtKeyUsage, tmpl.IPAddresses = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, nil
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// startTLS serves over TLS with clientAuth, client certificates verified
// against ca (as herken serve --tls-client-ca does).
func startTLS(t *testing.T, ca *certAuthority, clientAuth tls.ClientAuthType) (string, *index.DB) {
	t.Helper()
	db, err := index.Open(filepath.Join(t.TempDir(), "data"), index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Content().CreateBank(matcher.Bank{Name: "demo", Enabled: true, Categories: []matcher.Category{matcher.Incitement}}); err != nil {
		t.Fatal(err)
	}
	svc, err := New(Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{ca.issue(t, "server", false)}, ClientCAs: pool, ClientAuth: clientAuth}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Serve(ctx, tls.NewListener(ln, cfg), 5*time.Second) }()
	t.Cleanup(func() { cancel(); <-done; db.Close() })
	return "https://" + ln.Addr().String(), db
}

func tlsGet(t *testing.T, ca *certAuthority, cert *tls.Certificate, url, auth string) (int, map[string]any) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	cfg := &tls.Config{RootCAs: pool}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
	req, _ := http.NewRequest("GET", url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%d, not JSON: %s", resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

func code(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// TestClientCertificateAsKey: over TLS with client certificates verified
// against the client CA, a request without an Authorization header is the
// key whose id is its certificate's Subject CN, with that key's role; a
// revoked or expired key's certificate, or one naming no key, is refused
// with 401; an Authorization header goes first; and a certificate the
// server did not verify (another CA, received with RequestClientCert)
// names nobody.
func TestClientCertificateAsKey(t *testing.T) {
	ca := newCertAuthority(t, "herken client CA")
	url, db := startTLS(t, ca, tls.VerifyClientCertIfGiven)
	keys := db.APIKeys()
	analyst, _, err := keys.Create("hashlookup-analyser at host A", index.RoleAnalyst, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	provider, providerKey, _ := keys.Create("a provider", index.RoleProvider, nil, "test")
	revoked, _, _ := keys.Create("revoked", index.RoleAdmin, nil, "test")
	if _, err := keys.Revoke(revoked.ID, "test"); err != nil {
		t.Fatal(err)
	}
	soon := time.Now().Add(time.Second)
	expiring, _, _ := keys.Create("expiring", index.RoleAdmin, &soon, "test")

	cert := ca.issue(t, analyst.ID, true)
	st, m := tlsGet(t, ca, &cert, url+"/v1/whoami", "")
	if st != 200 || m["id"] != analyst.ID || m["role"] != "analyst" {
		t.Fatalf("certificate of an analyst key: %d %v", st, m)
	}
	if st, m := tlsGet(t, ca, &cert, url+"/v1/banks", ""); st != 200 {
		t.Errorf("analyst endpoint by certificate: %d %v", st, m)
	}
	if st, m := tlsGet(t, ca, &cert, url+"/v1/keys", ""); st != 403 || code(m) != "forbidden_role" {
		t.Errorf("admin endpoint by an analyst's certificate: %d %v", st, m)
	}
	if st, m := tlsGet(t, ca, &cert, url+"/v1/whoami", "Bearer "+providerKey); st != 200 || m["id"] != provider.ID {
		t.Errorf("header and certificate: the header's key goes first: %d %v", st, m)
	}
	for _, c := range []struct {
		cn, code string
	}{{revoked.ID, "key_revoked"}, {"0123456789ab", "unknown_key"}} {
		cert := ca.issue(t, c.cn, true)
		if st, m := tlsGet(t, ca, &cert, url+"/v1/whoami", ""); st != 401 || code(m) != c.code {
			t.Errorf("CN %s: %d %v, want 401 %s", c.cn, st, m, c.code)
		}
	}
	if st, m := tlsGet(t, ca, nil, url+"/v1/whoami", ""); st != 401 || code(m) != "missing_key" {
		t.Errorf("no certificate, no header: %d %v", st, m)
	}
	time.Sleep(time.Until(soon) + 50*time.Millisecond)
	expCert := ca.issue(t, expiring.ID, true)
	if st, m := tlsGet(t, ca, &expCert, url+"/v1/whoami", ""); st != 401 || code(m) != "key_expired" {
		t.Errorf("expired key's certificate: %d %v", st, m)
	}

	// A server that receives certificates without verifying them.
	other := newCertAuthority(t, "someone else's CA")
	url2, db2 := startTLS(t, ca, tls.RequestClientCert)
	k2, _, _ := db2.APIKeys().Create("admin", index.RoleAdmin, nil, "test")
	forged := other.issue(t, k2.ID, true)
	if st, m := tlsGet(t, ca, &forged, url2+"/v1/whoami", ""); st != 401 || code(m) != "missing_key" {
		t.Errorf("unverified certificate naming an admin key: %d %v", st, m)
	}
}
