package cluster_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
)

// TestConnectWithTLSAndUser: a server requiring TLS with client
// certificates and a user is reached with the right settings, and each
// wrong one fails at once with the server's or the file's reason, the
// password never in the error.
func TestConnectWithTLSAndUser(t *testing.T) {
	s := clustertest.StartSecure(t)
	good := cluster.Auth{TLSCA: s.CA, TLSCert: s.ClientCert, TLSKey: s.ClientKey}
	try := func(url string, auth cluster.Auth) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cl, err := cluster.Connect(ctx, []string{url}, cluster.Options{Replicas: 1, Timeout: 2 * time.Second, Auth: auth})
		if err == nil {
			defer cl.Close()
			_, err = cl.LastSeq(ctx)
		}
		return err
	}
	if err := try(s.URL(), good); err != nil {
		t.Fatalf("the right settings: %v", err)
	}
	withNKey := good
	withNKey.NKey = s.NKeySeed
	if err := try(s.BareURL(), withNKey); err != nil {
		t.Fatalf("an nkey: %v", err)
	}
	for _, c := range []struct {
		name, url string
		auth      cluster.Auth
		want      string
	}{
		{"wrong password", strings.Replace(s.URL(), s.Pass, "wrong", 1), good, "authorization"},
		{"no user", s.BareURL(), good, "authorization"},
		{"server's CA unknown", s.URL(), cluster.Auth{TLSCA: s.OtherCA, TLSCert: s.ClientCert, TLSKey: s.ClientKey}, "certificate"},
		{"no client certificate", s.URL(), cluster.Auth{TLSCA: s.CA}, ""},
		{"client certificate of another CA", s.URL(), cluster.Auth{TLSCA: s.CA, TLSCert: s.OtherCert, TLSKey: s.OtherKey}, ""},
		{"nkey and credentials both", s.BareURL(), cluster.Auth{NKey: s.NKeySeed, Creds: s.NKeySeed}, "not both"},
		{"missing CA file", s.URL(), cluster.Auth{TLSCA: s.CA + ".missing"}, "no such file"},
		{"certificate without key", s.URL(), cluster.Auth{TLSCA: s.CA, TLSCert: s.ClientCert}, "both"},
	} {
		start := time.Now()
		err := try(c.url, c.auth)
		took := time.Since(start)
		t.Logf("%s: %v (%v)", c.name, err, took.Round(time.Millisecond))
		switch {
		case err == nil:
			t.Errorf("%s: connected", c.name)
		case !strings.Contains(strings.ToLower(err.Error()), c.want):
			t.Errorf("%s: %v, want it to say %q", c.name, err, c.want)
		case strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), s.Pass):
			t.Errorf("%s: the error shows the password: %v", c.name, err)
		case took > 10*time.Second:
			t.Errorf("%s: failed only after %v", c.name, took)
		}
	}
}
