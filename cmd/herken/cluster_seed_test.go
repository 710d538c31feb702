package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
