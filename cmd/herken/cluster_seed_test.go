package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
)

// TestClusterSeedAndServeFromSnapshot moves a single node's index into a
// new cluster with herken cluster seed; a replica served with an empty
// folder starts from that snapshot, matches what the single node held and
// what is imported after, and, holding the snapshot lease, stores a newer
// snapshot by --snapshot-every. A second seed is refused.
func TestClusterSeedAndServeFromSnapshot(t *testing.T) {
	nats := clustertest.Start(t, 1)
	urls := strings.Join(nats.URLs(), ",")
	dir := t.TempDir()
	single := filepath.Join(dir, "single")
	md5 := func(i int) string { return fmt.Sprintf("%032x", 0xbeef0000+i) }
	list := func(from, to int) string {
		var b strings.Builder
		b.WriteString("type,value\n")
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, "md5,%s\n", md5(i))
		}
		f := filepath.Join(dir, fmt.Sprintf("list-%d.csv", from))
		if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	for _, args := range [][]string{
		{"init", "--data", single},
		{"bank", "create", "demo", "--data", single, "--category", "incitement"},
		{"import", "--data", single, "--bank", "demo", list(0, 40)},
	} {
		if code, out, errOut := runCLI(t, "", args...); code != 0 {
			t.Fatalf("%v: %d %s %s", args, code, out, errOut)
		}
	}
	code, out, errOut := runCLI(t, "", "cluster", "seed", "--data", single, "--cluster", urls, "--json")
	var seed cluster.SnapshotInfo
	if code != 0 || json.Unmarshal([]byte(out), &seed) != nil || seed.Seq == 0 {
		t.Fatalf("cluster seed: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "", "cluster", "seed", "--data", single, "--cluster", urls); code == 0 || !strings.Contains(errOut, "already") {
		t.Fatalf("a second seed: %d %s", code, errOut)
	}

	base := serveInProcess(t, "--data", filepath.Join(dir, "replica"), "--cluster", urls, "--snapshot-every", "1")
	for _, i := range []int{0, 17, 39} {
		if !matchesMD5(t, base, md5(i)) {
			t.Fatalf("the replica does not match item %d of the seed", i)
		}
	}
	if code, out, errOut := runCLI(t, "", "import", "--cluster", urls, "--bank", "demo", list(40, 45)); code != 0 || !strings.Contains(out, fmt.Sprintf("sequence %d", seed.Seq+1)) {
		t.Fatalf("import after the seed: %d %s %s", code, out, errOut)
	}
	waitUntil(t, 5*time.Second, "an item imported after the seed", func() bool { return matchesMD5(t, base, md5(44)) })
	waitUntil(t, 20*time.Second, "a snapshot by the replica", func() bool {
		code, out, _ := runCLI(t, "", "cluster", "snapshots", "--cluster", urls, "--json")
		var list []cluster.SnapshotInfo
		return code == 0 && json.Unmarshal([]byte(out), &list) == nil && len(list) > 0 && list[len(list)-1].Seq == seed.Seq+1
	})
}

// serveUntil runs "herken serve" with args until stop is called, and
// returns its base URL and its log.
func serveUntil(t *testing.T, args ...string) (base string, logs *syncBuffer, stop func()) {
	t.Helper()
	pr, pw := io.Pipe()
	logs = &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0", "--insecure-no-auth", "--log-level", "warn"}, args...),
			&stdio{in: strings.NewReader(""), out: pw, err: logs})
		pw.Close()
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "herken listening on ") {
		t.Fatalf("serve did not start: %q %v\n%s", line, err, logs.String())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return strings.TrimSpace(strings.TrimPrefix(line, "herken listening on ")), logs, stop
}

// TestServeReplicaFolderWhileClusterDown: a replica's folder is served
// with every NATS node down (its last state, within a few seconds), not
// refused for want of the stream to check it against.
func TestServeReplicaFolderWhileClusterDown(t *testing.T) {
	nats := clustertest.Start(t, 1)
	urls := strings.Join(nats.URLs(), ",")
	dir := filepath.Join(t.TempDir(), "replica")
	base, _, stop := serveUntil(t, "--data", dir, "--cluster", urls)
	if code, out, errOut := runCLI(t, "", "bank", "create", "demo", "--cluster", urls, "--category", "incitement"); code != 0 {
		t.Fatalf("bank create: %s %s", out, errOut)
	}
	list := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(list, []byte("type,value\nmd5,0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", "import", "--cluster", urls, "--bank", "demo", list); code != 0 {
		t.Fatalf("import: %s %s", out, errOut)
	}
	waitUntil(t, 5*time.Second, "the item on the replica", func() bool { return matchesMD5(t, base, "0123456789abcdef0123456789abcdef") })
	stop()
	// A stopped replica's folder can be stored as a snapshot by hand.
	if code, out, errOut := runCLI(t, "", "cluster", "snapshot", "--data", dir, "--cluster", urls); code != 0 || !strings.Contains(out, "index version 2") {
		t.Fatalf("cluster snapshot: %d %s %s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "", "cluster", "snapshots", "--cluster", urls); code != 0 || !strings.Contains(out, "index-00000000000000000002  seq 2") {
		t.Fatalf("cluster snapshots: %d %s %s", code, out, errOut)
	}
	nats.Shutdown()
	start := time.Now()
	base, _, _ = serveUntil(t, "--data", dir, "--cluster", urls)
	t.Logf("serving the last state %v after the start, the cluster down", time.Since(start).Round(time.Millisecond))
	if !matchesMD5(t, base, "0123456789abcdef0123456789abcdef") {
		t.Fatal("the replica's last state does not match")
	}
}

// TestClusterSyncRunsOnOneReplica: two replicas serve with the same
// --sync-config; the source is synced by the one holding the sync lease
// only (one log of a sync run, not one per replica), and both hold the
// synced items.
func TestClusterSyncRunsOnOneReplica(t *testing.T) {
	nats := clustertest.Start(t, 1)
	urls := strings.Join(nats.URLs(), ",")
	dir := t.TempDir()
	page, err := os.ReadFile(filepath.Join("..", "..", "ingest", "hashlist", "testdata", "tcap_page1.json"))
	if err != nil {
		t.Fatal(err)
	}
	listPath, cfgPath := filepath.Join(dir, "tcap.json"), filepath.Join(dir, "sources.json")
	if err := os.WriteFile(listPath, page, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, []byte(`{"sources":[{"name":"tat","bank":"demo","kind":"tcap","url":"`+listPath+`","interval":"1h"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", "bank", "create", "demo", "--cluster", urls, "--category", "incitement"); code != 0 {
		t.Fatalf("bank create: %s %s", out, errOut)
	}
	var logs []*syncBuffer
	for _, name := range []string{"a", "b"} {
		_, l, _ := serveUntil(t, "--data", filepath.Join(dir, name), "--cluster", urls, "--sync-config", cfgPath, "--log-level", "info")
		logs = append(logs, l)
	}
	ctx := context.Background()
	cl, err := cluster.Connect(ctx, nats.URLs(), cluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	waitUntil(t, 30*time.Second, "the sync's additions in the stream", func() bool {
		last, err := cl.LastSeq(ctx)
		return err == nil && last >= 2
	})
	// Long enough for the other replica's schedule to have run, were it
	// not held back by the lease.
	time.Sleep(3 * time.Second)
	synced := 0
	for _, l := range logs {
		if strings.Contains(l.String(), `"msg":"sync","source":"tat"`) {
			synced++
		}
	}
	if synced != 1 {
		t.Fatalf("%d replicas synced the source", synced)
	}
}
