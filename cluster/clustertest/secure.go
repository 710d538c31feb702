package clustertest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

// Secure is a single NATS server with JetStream that requires TLS with a
// client certificate and a user and password: the files a client needs
// (PEM), and a CA of its own that the server does not trust, for tests of
// wrong settings.
type Secure struct {
	Port       int
	User, Pass string
	// CA signed the server's and the client's certificates.
	CA, ClientCert, ClientKey string
	// OtherCA, OtherCert and OtherKey are a CA and a client certificate
	// the server knows nothing of.
	OtherCA, OtherCert, OtherKey string
	// NKeySeed is a file holding the seed of a second user, known to the
	// server by its nkey.
	NKeySeed string
}

// URL is the server's URL with the user and password in it.
func (s *Secure) URL() string {
	return fmt.Sprintf("tls://%s:%s@127.0.0.1:%d", s.User, s.Pass, s.Port)
}

// BareURL is the server's URL without credentials.
func (s *Secure) BareURL() string { return fmt.Sprintf("tls://127.0.0.1:%d", s.Port) }

// StartSecure starts a Secure server, stopped when the test ends. The
// certificates are made for the test: throwaway CAs, a server certificate
// for 127.0.0.1, client certificates.
func StartSecure(t testing.TB) *Secure {
	t.Helper()
	dir := t.TempDir()
	s := &Secure{Port: FreePort(t), User: "herken", Pass: "correct-horse"}
	ca, caKey := makeCA(t, "herken test CA")
	other, otherKey := makeCA(t, "someone else's CA")
	s.CA = writePEM(t, dir, "ca.pem", "CERTIFICATE", ca.Raw)
	s.OtherCA = writePEM(t, dir, "other-ca.pem", "CERTIFICATE", other.Raw)
	serverDER, serverKey := makeLeaf(t, ca, caKey, "nats", x509.ExtKeyUsageServerAuth)
	clientDER, clientKey := makeLeaf(t, ca, caKey, "herken", x509.ExtKeyUsageClientAuth)
	otherDER, otherClientKey := makeLeaf(t, other, otherKey, "herken", x509.ExtKeyUsageClientAuth)
	s.ClientCert = writePEM(t, dir, "client.pem", "CERTIFICATE", clientDER)
	s.ClientKey = writePEM(t, dir, "client.key", "EC PRIVATE KEY", keyDER(t, clientKey))
	s.OtherCert = writePEM(t, dir, "other-client.pem", "CERTIFICATE", otherDER)
	s.OtherKey = writePEM(t, dir, "other-client.key", "EC PRIVATE KEY", keyDER(t, otherClientKey))

	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, err := user.Seed()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := user.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	s.NKeySeed = filepath.Join(dir, "user.nk")
	if err := os.WriteFile(s.NKeySeed, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	opts := &server.Options{
		ServerName: "secure", Host: "127.0.0.1", Port: s.Port, JetStream: true, StoreDir: filepath.Join(dir, "js"),
		JetStreamMaxMemory: 64 << 20, JetStreamMaxStore: 1 << 30, NoLog: true, NoSigs: true,
		TLS: true, TLSVerify: true, TLSTimeout: 2,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{{Certificate: [][]byte{serverDER}, PrivateKey: serverKey}},
			ClientCAs:    pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
		},
		Users: []*server.User{{Username: s.User, Password: s.Pass}},
		Nkeys: []*server.NkeyUser{{Nkey: pub}},
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("clustertest: the secure NATS server did not start")
	}
	return s
}

func makeCA(t testing.TB, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func makeLeaf(t testing.TB, ca *x509.Certificate, caKey *ecdsa.PrivateKey, name string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

func keyDER(t testing.TB, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func writePEM(t testing.TB, dir, name, kind string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
