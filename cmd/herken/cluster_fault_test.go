package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/atkm/herken/cluster/clustertest"
)

// natsNodeEnv hands a NATS node's config to this test binary re-executed
// as that node's process (TestNATSNodeProcess).
const natsNodeEnv = "HERKEN_TEST_NATS_NODE"

// TestNATSNodeProcess is not a test: the fault test runs this binary with
// it as a NATS node in a process of its own, which it can SIGKILL.
func TestNATSNodeProcess(t *testing.T) {
	js := os.Getenv(natsNodeEnv)
	if js == "" {
		t.Skip("a NATS node process of the cluster fault test")
	}
	var n clustertest.NodeConfig
	if err := json.Unmarshal([]byte(js), &n); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sig; close(stop) }()
	if err := clustertest.RunNode(n, func() { fmt.Println("nats node ready") }, stop); err != nil {
		t.Fatal(err)
	}
}

// startNATSProcess starts node n as a process of its own.
func startNATSProcess(t *testing.T, n clustertest.NodeConfig) *exec.Cmd {
	t.Helper()
	js, _ := json.Marshal(n)
	cmd := exec.Command(os.Args[0], "-test.run=^TestNATSNodeProcess$")
	cmd.Env = append(os.Environ(), natsNodeEnv+"="+string(js))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	r := bufio.NewReader(out)
	line, err := r.ReadString('\n')
	if err != nil || !strings.Contains(line, "nats node ready") {
		t.Fatalf("nats node %s did not start: %q %v", n.Name, line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, r) }()
	return cmd
}

// faultLoad is the continuous ingest and lookups of the fault test.
type faultLoad struct {
	mu      sync.Mutex
	bases   []string // per replica; "" while it is down
	acked   map[int]uint64
	next    int
	writeOK atomic.Int64
	// writeErrs are writes not acknowledged (the client may resend).
	writeErrs atomic.Int64
	lookups   atomic.Int64
	// lookupErrs are lookups that failed on one replica; lookupFails
	// those that failed on another one too.
	lookupErrs  atomic.Int64
	lookupFails atomic.Int64
	client      *http.Client
	// fresh are the times from a write's 201 on one replica to its match
	// on every other replica up; late counts those over 10 s.
	fresh []time.Duration
	late  int
}

func faultMD5(i int) string { return fmt.Sprintf("%032x", 0xfa0170000000+i) }

func (l *faultLoad) base(i int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bases[i%len(l.bases)]
}

func (l *faultLoad) setBase(i int, b string) {
	l.mu.Lock()
	l.bases[i] = b
	l.mu.Unlock()
}

func (l *faultLoad) do(method, url, body string) (int, []byte, error) {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (l *faultLoad) ingest(stop <-chan struct{}) {
	for r := 0; ; r++ {
		select {
		case <-stop:
			return
		default:
		}
		base := l.base(r)
		if base == "" {
			continue
		}
		l.mu.Lock()
		i := l.next
		l.next++
		l.mu.Unlock()
		code, b, err := l.do("POST", base+"/v1/banks/demo/items", fmt.Sprintf(`{"signals":[{"type":"md5","value":%q}]}`, faultMD5(i)))
		var it struct{ ID uint64 }
		if err != nil || code != 201 || json.Unmarshal(b, &it) != nil || it.ID == 0 {
			l.writeErrs.Add(1)
			time.Sleep(20 * time.Millisecond)
			continue
		}
		l.writeOK.Add(1)
		l.mu.Lock()
		l.acked[i] = it.ID
		l.mu.Unlock()
	}
}

// freshness adds an item through one replica every 50 ms and times its
// arrival on the others, under the load and the faults.
func (l *faultLoad) freshness(stop <-chan struct{}) {
	for k := 0; ; k++ {
		select {
		case <-stop:
			return
		case <-time.After(50 * time.Millisecond):
		}
		w := l.base(k)
		if w == "" {
			continue
		}
		h := fmt.Sprintf("%032x", 0xf2e500000000+k)
		if code, _, err := l.do("POST", w+"/v1/banks/demo/items", fmt.Sprintf(`{"signals":[{"type":"md5","value":%q}]}`, h)); err != nil || code != 201 {
			continue
		}
		start := time.Now()
		arrived := true
		for r := range 3 {
			if r == k%3 {
				continue
			}
			for {
				base := l.base(r)
				if base == "" {
					break // down: it catches up when it comes back
				}
				code, b, err := l.do("GET", base+"/v1/lookup?type=md5&value="+h, "")
				if err == nil && code == 200 && strings.Contains(string(b), `"matched":true`) {
					break
				}
				if time.Since(start) > 10*time.Second {
					arrived = false
					break
				}
				time.Sleep(time.Millisecond)
			}
		}
		l.mu.Lock()
		if arrived {
			l.fresh = append(l.fresh, time.Since(start))
		} else {
			l.late++
		}
		l.mu.Unlock()
	}
}

func (l *faultLoad) lookup(stop <-chan struct{}, rng *rand.Rand) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		l.mu.Lock()
		i := rng.IntN(max(l.next, 1))
		l.mu.Unlock()
		// A client retries on another replica: the lookup fails only
		// when two replicas up failed it.
		ok, tried, first := false, 0, rng.IntN(3)
		for try := range 3 {
			base := l.base(first + try)
			if base == "" || tried == 2 {
				continue
			}
			tried++
			code, _, err := l.do("GET", base+"/v1/lookup?type=md5&value="+faultMD5(i), "")
			l.lookups.Add(1)
			if err == nil && code == 200 {
				ok = true
				break
			}
			l.lookupErrs.Add(1)
		}
		if !ok {
			l.lookupFails.Add(1)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestClusterSurvivesKills runs 3 NATS nodes and 3 herken replicas as
// processes under continuous ingest and lookups; SIGKILLs one NATS node,
// then one replica, restarts both; every acknowledged write is then
// present and matching on every replica. HERKEN_CLUSTER_TEST_LONG=1 (make
// cluster-test) runs longer phases and a kill of every node in turn.
func TestClusterSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("builds herken and runs 6 processes: runs without -short")
	}
	phase, rounds := 2*time.Second, 1
	if os.Getenv("HERKEN_CLUSTER_TEST_LONG") != "" {
		phase, rounds = 8*time.Second, 3
	}
	nodes := clustertest.Plan(t, 3, t.TempDir())
	procs := make([]*exec.Cmd, 3)
	for i, n := range nodes {
		procs[i] = startNATSProcess(t, n)
	}
	var urls []string
	for _, n := range nodes {
		urls = append(urls, n.URL())
	}
	cluster := strings.Join(urls, ",")
	if code, out, errOut := runCLI(t, "", "bank", "create", "demo", "--cluster", cluster, "--category", "incitement"); code != 0 {
		t.Fatalf("bank create: %s %s", out, errOut)
	}
	bin := buildBinary(t)
	dirs := make([]string, 3)
	replicas := make([]*exec.Cmd, 3)
	load := &faultLoad{bases: make([]string, 3), acked: map[int]uint64{}, client: &http.Client{Timeout: 15 * time.Second}}
	for i := range dirs {
		dirs[i] = filepath.Join(t.TempDir(), fmt.Sprintf("replica%d", i))
		var base string
		base, replicas[i] = startBuilt(t, bin, dirs[i], "--cluster", cluster, "--insecure-no-auth")
		load.setBase(i, base)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { load.ingest(stop) })
	wg.Go(func() { load.ingest(stop) })
	wg.Go(func() { load.freshness(stop) })
	for s := range 2 {
		rng := rand.New(rand.NewPCG(uint64(s), 9))
		wg.Go(func() { load.lookup(stop, rng) })
	}
	time.Sleep(phase)
	for r := range rounds {
		k := r % 3
		procs[k].Process.Signal(syscall.SIGKILL)
		procs[k].Wait()
		t.Logf("round %d: NATS node %s killed; %d writes acknowledged so far", r, nodes[k].Name, load.writeOK.Load())
		time.Sleep(phase)
		load.setBase(k, "")
		replicas[k].Process.Signal(syscall.SIGKILL)
		replicas[k].Wait()
		t.Logf("round %d: replica %d killed", r, k)
		time.Sleep(phase)
		procs[k] = startNATSProcess(t, nodes[k])
		start := time.Now()
		base, cmd := startBuilt(t, bin, dirs[k], "--cluster", cluster, "--insecure-no-auth")
		replicas[k] = cmd
		load.setBase(k, base)
		t.Logf("round %d: node and replica %d restarted; the replica caught up and served in %s", r, k, time.Since(start).Round(time.Millisecond))
		time.Sleep(phase)
	}
	close(stop)
	wg.Wait()

	// Every replica reaches the same applied sequence by itself.
	var seqs [3]uint64
	waitUntil(t, 60*time.Second, "the replicas agreeing on the applied sequence", func() bool {
		for i := range 3 {
			code, b, err := load.do("GET", load.base(i)+"/v1/status", "")
			var st struct {
				Cluster struct {
					AppliedSeq uint64 `json:"applied_seq"`
					Lag        uint64 `json:"lag"`
				} `json:"cluster"`
			}
			if err != nil || code != 200 || json.Unmarshal(b, &st) != nil || st.Cluster.Lag != 0 {
				return false
			}
			seqs[i] = st.Cluster.AppliedSeq
		}
		return seqs[0] == seqs[1] && seqs[1] == seqs[2]
	})
	present := 0
	for i, id := range load.acked {
		for r := range 3 {
			code, b, err := load.do("GET", load.base(r)+"/v1/lookup?type=md5&value="+faultMD5(i), "")
			if err != nil || code != 200 || !strings.Contains(string(b), fmt.Sprintf(`"item_id":%d,`, id)) {
				t.Fatalf("acknowledged item %d (md5 #%d) not matching on replica %d after the faults: %d %s %v", id, i, r, code, b, err)
			}
		}
		present++
	}
	t.Logf("%d rounds of faults: %d writes acknowledged, %d present and matching on all 3 replicas (applied sequence %d); %d writes not acknowledged; %d lookups, %d failed on one replica, %d on a second one too",
		rounds, len(load.acked), present, seqs[0], load.writeErrs.Load(), load.lookups.Load(), load.lookupErrs.Load(), load.lookupFails.Load())
	if len(load.fresh) > 0 {
		slices.Sort(load.fresh)
		t.Logf("freshness under this load and these faults, from a 201 on one replica to a match on the others: %d writes, p50 %s p99 %s max %s; %d over 10 s",
			len(load.fresh), load.fresh[len(load.fresh)/2], load.fresh[len(load.fresh)*99/100], load.fresh[len(load.fresh)-1], load.late)
	}
	if load.lookupFails.Load() > 0 {
		t.Errorf("%d lookups failed on two replicas", load.lookupFails.Load())
	}
	for _, c := range replicas {
		c.Process.Signal(syscall.SIGTERM)
		c.Wait()
	}
}
