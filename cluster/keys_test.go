package cluster_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
	"github.com/atkm/herken/index"
)

func connect(t *testing.T, name string, urls ...string) *cluster.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl, err := cluster.Connect(ctx, urls, cluster.Options{Name: "test " + name, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func openKeys(t *testing.T, cl *cluster.Cluster, copyFile ...string) *cluster.Keys {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var opts cluster.KeysOptions
	if len(copyFile) > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		opts.Copy = copyFile[0]
	}
	k, err := cl.Keys(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	return k
}

// TestKeysOnEveryReplica: a key created through one replica authenticates
// on another, a revocation through that one is refused on the first
// within a second, and the bucket holds no secret.
func TestKeysOnEveryReplica(t *testing.T) {
	nts := clustertest.Start(t, 3)
	ka := openKeys(t, connect(t, "a", nts.URL(0), nts.URL(1)))
	kb := openKeys(t, connect(t, "b", nts.URL(2), nts.URL(1)))

	rec, key, err := ka.Create("crawler one", index.RoleCrawler, nil, "key:admin")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ka.Authenticate(key); err != nil || got.ID != rec.ID {
		t.Fatalf("a does not authenticate its own key at once: %+v %v", got, err)
	}
	waitFor(t, 10*time.Second, "the key authenticating on b", func() bool { _, err := kb.Authenticate(key); return err == nil })
	if got, _ := kb.Authenticate(key); got.Role != index.RoleCrawler || got.Name != "crawler one" || got.CreatedBy != "key:admin" {
		t.Fatalf("b's record: %+v", got)
	}
	// The same form as a single node's keys: an index takes it for a key
	// it does not know, not for a malformed one.
	db, err := index.Open(t.TempDir(), index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.APIKeys().Authenticate(key); !errors.Is(err, index.ErrKeyUnknown) {
		t.Fatalf("index.APIKeys on a cluster key: %v, want ErrKeyUnknown", err)
	}
	if _, err := kb.Authenticate(key[:len(key)-1] + "x"); !errors.Is(err, index.ErrKeyUnknown) {
		t.Fatalf("a wrong secret: %v", err)
	}
	if _, err := kb.Authenticate("hk_nonsense"); !errors.Is(err, index.ErrKeyMalformed) {
		t.Fatalf("a malformed key: %v", err)
	}

	// Only the secret's SHA-256 is in the bucket.
	secret := key[len("hk_")+12+1:] // hk_<id>_<secret>; the secret may hold "_"
	raw := bucketValues(t, nts.URL(1))
	sum := sha256.Sum256([]byte(secret))
	if !strings.Contains(raw, hex.EncodeToString(sum[:])) || strings.Contains(raw, secret) {
		t.Fatalf("the bucket holds the secret or not its hash: %s", raw)
	}

	revoked, err := kb.Revoke(rec.ID, "key:other-admin")
	if err != nil || revoked.RevokedAt == nil || revoked.RevokedBy != "key:other-admin" {
		t.Fatalf("revoke through b: %+v %v", revoked, err)
	}
	if _, err := kb.Authenticate(key); !errors.Is(err, index.ErrKeyRevoked) {
		t.Fatalf("b authenticates the key it revoked: %v", err)
	}
	waitFor(t, 10*time.Second, "the revocation on a", func() bool { _, err := ka.Authenticate(key); return errors.Is(err, index.ErrKeyRevoked) })
	if _, err := ka.Revoke(rec.ID, "key:admin"); !errors.Is(err, index.ErrKeyRevoked) {
		t.Fatalf("a second revocation: %v, want ErrKeyRevoked", err)
	}
	if _, err := ka.Revoke("0123456789ab", "key:admin"); !errors.Is(err, index.ErrKeyNotFound) {
		t.Fatalf("revoking an unknown key: %v, want ErrKeyNotFound", err)
	}
	if _, err := ka.Revoke("not a key id!", "key:admin"); !errors.Is(err, index.ErrKeyNotFound) {
		t.Fatalf("revoking a malformed id: %v, want ErrKeyNotFound", err)
	}
	if _, _, err := ka.Create("", index.RoleAdmin, nil, ""); err == nil {
		t.Fatal("a key without a name was made")
	}
	past := time.Now().Add(-time.Hour)
	if _, _, err := ka.Create("late", index.RoleAdmin, &past, ""); err == nil {
		t.Fatal("a key expired at its creation was made")
	}
	soon := time.Now().Add(300 * time.Millisecond)
	_, short, err := ka.Create("short-lived", index.RoleProvider, &soon, "")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the key expiring on b", func() bool { _, err := kb.Authenticate(short); return errors.Is(err, index.ErrKeyExpired) })
	if l := kb.List(); len(l) != 2 || l[0].ID != rec.ID || l[0].RevokedAt == nil {
		t.Fatalf("b's list: %+v", l)
	}

	// A third replica started now loads every key.
	kc := openKeys(t, connect(t, "c", nts.URL(1)))
	if _, err := kc.Authenticate(key); !errors.Is(err, index.ErrKeyRevoked) || len(kc.List()) != 2 {
		t.Fatalf("a new replica: %v, %d keys", err, len(kc.List()))
	}
}

// TestKeysRevocationPropagation measures the time from a revocation's
// acknowledgement on one replica to its refusal on another.
func TestKeysRevocationPropagation(t *testing.T) {
	nts := clustertest.Start(t, 3)
	ka := openKeys(t, connect(t, "a", nts.URL(0)))
	kb := openKeys(t, connect(t, "b", nts.URL(2)))
	n := 40
	switch {
	case os.Getenv("HERKEN_CLUSTER_TEST_LONG") != "":
		n = 200
	case testing.Short():
		n = 12
	}
	var ds []time.Duration
	for range n {
		rec, key, err := kb.Create("k", index.RoleProvider, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the key on a", func() bool { _, err := ka.Authenticate(key); return err == nil })
		if _, err := ka.Revoke(rec.ID, "test"); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, waitFor(t, 10*time.Second, "the revocation on b", func() bool {
			_, err := kb.Authenticate(key)
			return errors.Is(err, index.ErrKeyRevoked)
		}))
	}
	t.Logf("revocation on a to refusal on b, %d keys: median %s, p99 %s, max %s",
		n, percentile(ds, 0.5), percentile(ds, 0.99), percentile(ds, 1))
}

// TestKeysCutOff: a replica cut off from NATS keeps authenticating from
// its copy and refuses key changes; back in touch, it catches up with
// what changed meanwhile. A replica restarted while cut off
// authenticates from the copy it kept in a file.
func TestKeysCutOff(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out NATS reconnects")
	}
	nts := clustertest.Start(t, 1)
	proxy := clustertest.NewProxy(t, nts.URL(0))
	ka := openKeys(t, connect(t, "a", nts.URL(0)))
	copyFile := filepath.Join(t.TempDir(), "keys.json")
	kc := openKeys(t, connect(t, "c", proxy.URL()), copyFile)
	rec, key, err := ka.Create("analyst", index.RoleAnalyst, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the key on c", func() bool { _, err := kc.Authenticate(key); return err == nil })
	proxy.Cut()
	if _, _, err := kc.Create("x", index.RoleAdmin, nil, ""); !errors.Is(err, cluster.ErrUnavailable) {
		t.Fatalf("a key created while cut off: %v, want ErrUnavailable", err)
	}
	if _, err := kc.Authenticate(key); err != nil {
		t.Fatalf("c no longer authenticates from its copy: %v", err)
	}
	rec2, key2, err := ka.Create("second", index.RoleCrawler, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ka.Revoke(rec.ID, "test"); err != nil {
		t.Fatal(err)
	}
	proxy.Restore()
	waitFor(t, 20*time.Second, "the changes reaching c after the cut", func() bool {
		_, err1 := kc.Authenticate(key)
		_, err2 := kc.Authenticate(key2)
		return errors.Is(err1, index.ErrKeyRevoked) && err2 == nil
	})
	if b, err := os.ReadFile(copyFile); err != nil || !strings.Contains(string(b), rec2.ID) || strings.Contains(string(b), key2[16:]) {
		t.Fatalf("the copy file: %v\n%s", err, b)
	}

	// Restarted while cut off: the file's copy authenticates.
	kc.Close()
	proxy.Cut()
	cl, err := cluster.Dial([]string{proxy.URL()}, cluster.Options{Name: "test c again", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	kc2 := openKeys(t, cl, copyFile)
	if _, err := kc2.Authenticate(key2); err != nil {
		t.Fatalf("restarted cut off: %v", err)
	}
	if _, err := kc2.Authenticate(key); !errors.Is(err, index.ErrKeyRevoked) {
		t.Fatalf("restarted cut off, the revoked key: %v", err)
	}
	if _, err := kc2.Revoke(rec2.ID, "test"); !errors.Is(err, cluster.ErrUnavailable) {
		t.Fatalf("a revocation before the bucket answered: %v, want ErrUnavailable", err)
	}
	if _, err := ka.Revoke(rec2.ID, "test"); err != nil {
		t.Fatal(err)
	}
	proxy.Restore()
	waitFor(t, 20*time.Second, "the revocation reaching the restarted c", func() bool {
		_, err := kc2.Authenticate(key2)
		return errors.Is(err, index.ErrKeyRevoked)
	})
	// Without a copy, a bucket that does not answer is an error.
	proxy.Cut()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	cl2, err := cluster.Dial([]string{proxy.URL()}, cluster.Options{Name: "test d", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl2.Close()
	if _, err := cl2.Keys(ctx, cluster.KeysOptions{}); !errors.Is(err, cluster.ErrUnavailable) {
		t.Fatalf("keys of an unanswering bucket without a copy: %v", err)
	}
}

// bucketValues returns every value the key bucket holds, history
// included, read with a connection of its own.
func bucketValues(t *testing.T, url string) string {
	t.Helper()
	ctx, js := clustertest.JetStream(t, url)
	kv, err := js.KeyValue(ctx, cluster.KeysBucket)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, k := range keys {
		hist, err := kv.History(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range hist {
			b.Write(e.Value())
			b.WriteByte('\n')
		}
	}
	return b.String()
}
