package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the demo re-run this test binary as a NATS node, as the
// real command re-runs itself.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "nats-node" {
		os.Exit(nodeMain(os.Args[2:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// buildHerken builds cmd/herken with this test binary's build tags.
func buildHerken(t *testing.T) string {
	t.Helper()
	tags := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-tags" {
				tags = s.Value
			}
		}
	}
	bin := filepath.Join(t.TempDir(), "herken")
	out, err := exec.Command("go", "build", "-tags", tags, "-o", bin, "../herken").CombinedOutput()
	if err != nil {
		t.Fatalf("go build herken: %v\n%s", err, out)
	}
	return bin
}

// TestDemoStartsMatchesAndStops runs the demo's start-up for real: 3 NATS
// nodes and 3 replicas as processes, the demo bank seeded through the
// admin CLI, the demo photo matched on every replica (Start checks it),
// each replica's applied sequence and lag in /metrics; then Stop ends
// every process.
func TestDemoStartsMatchesAndStops(t *testing.T) {
	start := time.Now()
	herken := buildHerken(t)
	t.Logf("herken built in %s", time.Since(start).Round(time.Millisecond))
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := Config{
		Herken: herken,
		Dir:    t.TempDir(),
		Listen: []string{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"},
		Known:  "../../fixtures/pdq/threatexchange/pdq/data/bridge-mods",
		Photo:  "../../fixtures/pdq/threatexchange/pdq/data/misc-images/modes/RGB.jpg",
		Node:   []string{self, "nats-node"},
		Log:    io.Discard,
	}
	for i := range 3 {
		c.NATSPorts[i], c.RoutePorts[i] = freePort(t), freePort(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	up := time.Now()
	cl, err := Start(ctx, c)
	if err != nil {
		logs, _ := filepath.Glob(filepath.Join(c.Dir, "*.log"))
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			t.Logf("%s:\n%s", filepath.Base(l), b)
		}
		t.Fatal(err)
	}
	t.Logf("3 NATS nodes and 3 replicas up, seeded and matching in %s", time.Since(up).Round(time.Millisecond))
	stopped := false
	defer func() {
		if !stopped {
			cl.Stop()
		}
	}()
	if !strings.HasPrefix(cl.Key, "hk_") {
		t.Fatalf("admin key %q", cl.Key)
	}
	for i, r := range cl.Replicas {
		if r.MatchedID == 0 || r.Lag != 0 || r.AppliedSeq == 0 {
			t.Errorf("replica %d: %+v", i+1, r)
		}
		var metrics string
		req, _ := http.NewRequest("GET", r.URL+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+cl.Key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metrics = string(b)
		for _, m := range []string{"herken_cluster_applied_seq ", "herken_cluster_lag 0\n", "herken_cluster_stale 0\n"} {
			if !strings.Contains(metrics, m) {
				t.Errorf("replica %d: /metrics has no %q", i+1, m)
			}
		}
	}
	var guide bytes.Buffer
	cl.PrintGuide(&guide)
	for _, r := range cl.Replicas {
		if !strings.Contains(guide.String(), r.URL) {
			t.Errorf("the guide does not name %s:\n%s", r.URL, guide.String())
		}
	}

	t0 := time.Now()
	if err := cl.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	t.Logf("stopped in %s", time.Since(t0).Round(time.Millisecond))
	for _, ch := range append(cl.replicas, cl.nodes...) {
		if err := ch.cmd.Process.Signal(syscall.Signal(0)); err == nil {
			t.Errorf("%s still runs after Stop", ch.name)
		}
		if st := ch.cmd.ProcessState; st == nil || !st.Exited() || st.ExitCode() != 0 {
			t.Errorf("%s did not exit cleanly: %v", ch.name, st)
		}
	}
	select {
	case err := <-cl.Exited():
		t.Errorf("a child exited before Stop: %v", err)
	default:
	}
}
