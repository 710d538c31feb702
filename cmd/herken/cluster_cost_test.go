package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/atkm/herken/cluster/clustertest"
)

// TestClusterLookupRatio measures a cluster replica's lookup rate against
// a single node's as they are deployed: three NATS nodes, the single node
// and the replica each a process of its own, API keys required, this test
// process only generating the load. The two are measured in alternating
// rounds, so that both see the same machine, and the ratio is given per
// pair of rounds (median, min, max). Figures only; make cluster-test runs
// it. HERKEN_COST_PROFILE_DIR, if set, receives a CPU profile of each
// server taken during its last round.
func TestClusterLookupRatio(t *testing.T) {
	if os.Getenv("HERKEN_CLUSTER_TEST_LONG") == "" {
		t.Skip("a measurement: make cluster-test runs it")
	}
	nodes := clustertest.Plan(t, 3, t.TempDir())
	var urls []string
	for _, n := range nodes {
		startNATSProcess(t, n)
		urls = append(urls, n.URL())
	}
	cluster := strings.Join(urls, ",")
	if code, _, errOut := runCLI(t, "", "bank", "create", "demo", "--cluster", cluster, "--category", "incitement"); code != 0 {
		t.Fatal(errOut)
	}
	code, rkey, errOut := runCLI(t, "", "keys", "create", "--cluster", cluster, "--role", "crawler", "--name", "cost")
	if code != 0 {
		t.Fatal(errOut)
	}
	data := newDataDir(t)
	code, skey, errOut := runCLI(t, "", "keys", "create", "--data", data, "--role", "crawler", "--name", "cost")
	if code != 0 {
		t.Fatal(errOut)
	}
	const n = 20000
	var list strings.Builder
	list.WriteString("type,value\n")
	for i := range n {
		fmt.Fprintf(&list, "md5,%032x\n", 0xc057000000+i)
	}
	listFile := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(listFile, []byte(list.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "", "import", "--data", data, "--bank", "demo", listFile); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := runCLI(t, "", "import", "--cluster", cluster, "--bank", "demo", listFile); code != 0 {
		t.Fatal(errOut)
	}
	bin := buildBinary(t)
	sPprof, rPprof := fmt.Sprintf("127.0.0.1:%d", clustertest.FreePort(t)), fmt.Sprintf("127.0.0.1:%d", clustertest.FreePort(t))
	single, sCmd := startBuilt(t, bin, data, "--pprof-listen", sPprof, "--log-level", "warn")
	replica, rCmd := startBuilt(t, bin, filepath.Join(t.TempDir(), "r"), "--cluster", cluster, "--pprof-listen", rPprof, "--log-level", "warn")
	keys := map[string]string{single: strings.TrimSpace(skey), replica: strings.TrimSpace(rkey)}
	pprofOf := map[string]string{single: sPprof, replica: rPprof}
	name := map[string]string{single: "single", replica: "replica"}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	lookup := func(base string, i int) error {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/v1/lookup?type=md5&value=%032x", base, 0xc057000000+i%n), nil)
		req.Header.Set("Authorization", "Bearer "+keys[base])
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"matched":true`) {
			return fmt.Errorf("lookup on %s: %d %.200s", base, resp.StatusCode, b)
		}
		return nil
	}
	waitUntil(t, 30*time.Second, "the replica holding the list", func() bool { return lookup(replica, n-1) == nil })

	const workers, round, rounds = 4, 3 * time.Second, 10
	pid := map[string]int{single: sCmd.Process.Pid, replica: rCmd.Process.Pid}
	cpu := map[string]time.Duration{}
	served := map[string]int64{}
	rate := func(base string, profile bool) float64 {
		cpu0 := processCPU(t, pid[base])
		defer func() { cpu[base] += processCPU(t, pid[base]) - cpu0 }()
		var done atomic.Int64
		defer func() { served[base] += done.Load() }()
		var wg sync.WaitGroup
		stop := time.Now().Add(round)
		if profile {
			wg.Go(func() {
				resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pprofOf[base], int(round/time.Second)))
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				f, err := os.Create(filepath.Join(os.Getenv("HERKEN_COST_PROFILE_DIR"), name[base]+".pprof"))
				if err != nil {
					t.Error(err)
					return
				}
				defer f.Close()
				_, _ = io.Copy(f, resp.Body)
			})
		}
		start := time.Now()
		for w := range workers {
			wg.Go(func() {
				for i := w * 7919; time.Now().Before(stop); i++ {
					if err := lookup(base, i); err != nil {
						t.Error(err)
						return
					}
					done.Add(1)
				}
			})
		}
		wg.Wait()
		return float64(done.Load()) / time.Since(start).Seconds()
	}
	for _, base := range []string{single, replica} {
		code, b := keyCall(t, keys[base], "GET", fmt.Sprintf("%s/v1/lookup?type=md5&value=%032x", base, 0xc057000000+7), "")
		t.Logf("a lookup on the %s: %d %s", name[base], code, b)
	}
	rate(single, false) // warm both up
	rate(replica, false)
	clear(cpu)
	clear(served)
	var ratios, srates, rrates []float64
	for r := range rounds {
		profile := r == rounds-1 && os.Getenv("HERKEN_COST_PROFILE_DIR") != ""
		// Alternate which goes first, so that neither always follows the other.
		var s, rp float64
		if r%2 == 0 {
			s, rp = rate(single, profile), rate(replica, profile)
		} else {
			rp, s = rate(replica, profile), rate(single, profile)
		}
		srates, rrates, ratios = append(srates, s), append(rrates, rp), append(ratios, rp/s)
	}
	slices.Sort(ratios)
	t.Logf("lookups over HTTP with an API key, %d clients, %d alternating rounds of %s each, every server its own process: single node %s/s, cluster replica %s/s; replica/single per pair of rounds: median %.2fx (min %.2fx, max %.2fx)",
		workers, rounds, round, rates(srates), rates(rrates), ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1])
	sc, rc := cpu[single].Seconds()/float64(served[single])*1e6, cpu[replica].Seconds()/float64(served[replica])*1e6
	t.Logf("CPU per lookup, the server process's own (user+system): single node %.1f µs, cluster replica %.1f µs (%.2fx)", sc, rc, rc/sc)
	for _, c := range []*exec.Cmd{sCmd, rCmd} {
		c.Process.Signal(syscall.SIGTERM)
		c.Wait()
	}
}

// processCPU is the user and system CPU time process pid has used
// (Linux's /proc; its clock ticks are 10 ms).
func processCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The fields after the command's closing parenthesis: utime and
	// stime are the 12th and 13th.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	var ticks int64
	for _, s := range f[11:13] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		ticks += v
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// rates formats per-round rates.
func rates(rs []float64) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%.0f", r)
	}
	return b.String()
}
