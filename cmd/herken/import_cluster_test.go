package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
)

// TestClusterImportFailingMidway: herken import --cluster into a stream
// that takes two more changes fails, exits non-zero, and says how many
// items the stream stored (those of the two changes) and how many it did
// not; the stream holds exactly those two changes.
func TestClusterImportFailingMidway(t *testing.T) {
	nats := clustertest.Start(t, 1)
	urls := strings.Join(nats.URLs(), ",")
	if code, out, errOut := runCLI(t, "", "bank", "create", "demo", "--cluster", urls, "--category", "incitement"); code != 0 {
		t.Fatalf("bank create --cluster: %d %s %s", code, out, errOut)
	}
	ctx, js := clustertest.JetStream(t, nats.URL(0))
	st, err := js.Stream(ctx, cluster.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := info.Config
	cfg.MaxMsgs, cfg.Discard = int64(info.State.Msgs)+2, jetstream.DiscardNew
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	// Items of ~400 bytes: 8,000 of them make six changes or more.
	rng := rand.New(rand.NewPCG(9, 10))
	var list strings.Builder
	list.WriteString("pdq,label\n")
	const n = 8000
	for range n {
		var h [32]byte
		for i := range h {
			h[i] = byte(rng.Uint32())
		}
		fmt.Fprintf(&list, "%x,%s\n", h, strings.Repeat("l", 300))
	}
	listFile := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(listFile, []byte(list.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "import", "--cluster", urls, "--bank", "demo", listFile)
	t.Logf("exit %d, stdout %q, stderr %q", code, out, errOut)
	if code == 0 {
		t.Fatal("the import into a full stream exited 0")
	}
	ictx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	items := 0
	for seq := info.State.LastSeq + 1; ; seq++ {
		msg, err := st.GetMsg(ictx, seq)
		if err != nil {
			break
		}
		items += strings.Count(string(msg.Data), `"signals"`)
	}
	want := fmt.Sprintf("stored before the failure: %d items in 2 changes", items)
	if items == 0 || !strings.Contains(errOut, want) || !strings.Contains(errOut, fmt.Sprintf("not stored: %d;", n-items)) {
		t.Fatalf("stderr %q, want %q and %d not stored", errOut, want, n-items)
	}
}
