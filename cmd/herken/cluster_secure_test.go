package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/cluster/clustertest"
)

// TestClusterOverTLSWithUser: the admin CLI and a replica reach a NATS
// server that requires TLS, a client certificate and a user, with the
// flags or their HERKEN_ variables; with a wrong password or CA, each
// fails at once with the reason, a non-zero exit and no answer.
func TestClusterOverTLSWithUser(t *testing.T) {
	s := clustertest.StartSecure(t)
	tlsFlags := []string{"--cluster-tls-ca", s.CA, "--cluster-tls-cert", s.ClientCert, "--cluster-tls-key", s.ClientKey}
	code, out, errOut := runCLI(t, "", append([]string{"bank", "create", "demo", "--cluster", s.URL(), "--category", "incitement"}, tlsFlags...)...)
	if code != 0 || !strings.Contains(out, "acknowledged by the cluster") {
		t.Fatalf("bank create with the right settings: %d %s %s", code, out, errOut)
	}
	dir := t.TempDir()
	md5 := "0123456789abcdef0123456789abcdef"
	list := filepath.Join(dir, "list.csv")
	if err := os.WriteFile(list, []byte("type,value\nmd5,"+md5+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _, _ := serveUntil(t, append([]string{"--data", filepath.Join(dir, "a"), "--cluster", s.URL()}, tlsFlags...)...)
	// The variables stand for the flags.
	t.Setenv("HERKEN_CLUSTER_TLS_CA", s.CA)
	t.Setenv("HERKEN_CLUSTER_TLS_CERT", s.ClientCert)
	t.Setenv("HERKEN_CLUSTER_TLS_KEY", s.ClientKey)
	if code, out, errOut := runCLI(t, "", "import", "--cluster", s.URL(), "--bank", "demo", list); code != 0 {
		t.Fatalf("import with the settings from the environment: %d %s %s", code, out, errOut)
	}
	waitUntil(t, 10*time.Second, "the imported item on the replica", func() bool { return matchesMD5(t, base, md5) })

	wrongPass := strings.Replace(s.URL(), s.Pass, "not-the-password", 1)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"wrong password", []string{"bank", "create", "other", "--cluster", wrongPass, "--category", "incitement"}, "Authorization Violation"},
		{"unknown CA", []string{"bank", "create", "other", "--cluster", s.URL(), "--category", "incitement", "--cluster-tls-ca", s.OtherCA}, "certificate signed by unknown authority"},
		{"no client certificate", []string{"import", "--cluster", s.URL(), "--bank", "demo", list, "--cluster-tls-cert", "", "--cluster-tls-key", ""}, "certificate required"},
		{"serve, wrong password", []string{"serve", "--listen", "127.0.0.1:0", "--insecure-no-auth", "--data", filepath.Join(dir, "b"), "--cluster", wrongPass}, "Authorization Violation"},
	} {
		start := time.Now()
		code, out, errOut := runCLI(t, "", c.args...)
		took := time.Since(start)
		switch {
		case code == 0:
			t.Errorf("%s: exit 0: %s", c.name, out)
		case out != "":
			t.Errorf("%s: printed an answer: %s", c.name, out)
		case !strings.Contains(errOut, c.want):
			t.Errorf("%s: %q does not say %q", c.name, errOut, c.want)
		case strings.Contains(errOut, "not-the-password") || strings.Contains(errOut, s.Pass):
			t.Errorf("%s: the error shows a password: %s", c.name, errOut)
		case took > 10*time.Second:
			t.Errorf("%s: failed only after %v", c.name, took)
		}
	}
}
