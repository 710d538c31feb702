package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atkm/herken/cluster/clustertest"
)

// syncBuffer is a bytes.Buffer safe for a server writing its log while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveInProcess runs "herken serve" with args in this process until the
// test ends, and returns its base URL.
func serveInProcess(t *testing.T, args ...string) string {
	t.Helper()
	pr, pw := io.Pipe()
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0", "--insecure-no-auth", "--log-level", "warn"}, args...),
			&stdio{in: strings.NewReader(""), out: pw, err: logs})
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "herken listening on ") {
		t.Fatalf("serve did not start: %q %v\n%s", line, err, logs.String())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return strings.TrimSpace(strings.TrimPrefix(line, "herken listening on "))
}

// httpCall makes a request and returns the status, the header and body.
func httpCall(t *testing.T, method, url, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func matchesMD5(t *testing.T, base, md5 string) bool {
	t.Helper()
	code, _, b := httpCall(t, "GET", base+"/v1/lookup?type=md5&value="+md5, "")
	if code != 200 {
		t.Fatalf("lookup on %s: %d %s", base, code, b)
	}
	return strings.Contains(string(b), `"matched":true`)
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}

// TestClusterCLIAndReplicas runs a 3-node NATS cluster, creates a bank
// and imports a list with the admin CLI (no --data), then serves two
// replicas with their own folders: writes through one match on the
// other, a replica cut off from NATS keeps answering, says it is stale
// and refuses writes with a JSON error.
func TestClusterCLIAndReplicas(t *testing.T) {
	nats := clustertest.Start(t, 3)
	urls := strings.Join(nats.URLs(), ",")

	code, out, errOut := runCLI(t, "", "bank", "create", "demo", "--cluster", urls, "--category", "incitement")
	if code != 0 || !strings.Contains(out, "sequence 1") {
		t.Fatalf("bank create --cluster: %d %s %s", code, out, errOut)
	}
	md5 := func(i int) string { return fmt.Sprintf("%032x", 0xfeed0000+i) }
	var list strings.Builder
	for i := range 50 {
		fmt.Fprintf(&list, "md5,%s\n", md5(i))
	}
	listFile := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(listFile, []byte("type,value\n"+list.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "", "import", "--cluster", urls, "--bank", "demo", listFile)
	if code != 0 || !strings.Contains(out, "sent 50 items in 1 changes") || !strings.Contains(out, "sequence 2") {
		t.Fatalf("import --cluster: %d %s %s", code, out, errOut)
	}
	if code, _, errOut = runCLI(t, "", "import", "--cluster", urls, "--bank", "nope", listFile); code == 0 || !strings.Contains(errOut, "bank not found") {
		t.Fatalf("import --cluster into a bank never created: %d %s", code, errOut)
	}

	code, out, errOut = runCLI(t, "", "bank", "update", "demo", "--cluster", urls, "--description", "from the CLI", "--threshold", "pdq=20")
	if code != 0 || !strings.Contains(out, "sequence 3") {
		t.Fatalf("bank update --cluster: %d %s %s", code, out, errOut)
	}
	if code, _, errOut = runCLI(t, "", "bank", "promote", "demo", "--cluster", urls); code == 0 || !strings.Contains(errOut, "not shadow") {
		t.Fatalf("bank promote --cluster of a bank in block mode: %d %s", code, errOut)
	}
	if code, _, errOut = runCLI(t, "", "bank", "disable", "nope", "--cluster", urls); code == 0 || !strings.Contains(errOut, "bank not found") {
		t.Fatalf("bank disable --cluster of a bank never created: %d %s", code, errOut)
	}

	proxy := clustertest.NewProxy(t, nats.URL(2))
	a := serveInProcess(t, "--data", filepath.Join(t.TempDir(), "a"), "--cluster", nats.URL(0)+","+nats.URL(1))
	b := serveInProcess(t, "--data", filepath.Join(t.TempDir(), "b"), "--cluster", proxy.URL())
	for _, base := range []string{a, b} {
		if !matchesMD5(t, base, md5(7)) {
			t.Fatalf("%s does not match an item imported with the CLI", base)
		}
	}

	code, _, body := httpCall(t, "GET", b+"/v1/banks/demo", "")
	if code != 200 || !strings.Contains(string(body), `"description":"from the CLI"`) || !strings.Contains(string(body), `"pdq":20`) {
		t.Fatalf("the bank on b after bank update --cluster: %d %s", code, body)
	}

	// An item added through a matches on b; its retraction through b
	// stops it matching on a.
	code, _, body = httpCall(t, "POST", a+"/v1/banks/demo/items", `{"signals":[{"type":"md5","value":"`+md5(100)+`"}]}`)
	var added struct{ ID uint64 }
	if code != 201 || json.Unmarshal(body, &added) != nil || added.ID != 51 {
		t.Fatalf("add through a: %d %s", code, body)
	}
	if !matchesMD5(t, a, md5(100)) {
		t.Fatal("a does not match its own acknowledged write")
	}
	waitUntil(t, 5*time.Second, "the item on b", func() bool { return matchesMD5(t, b, md5(100)) })
	code, _, body = httpCall(t, "POST", fmt.Sprintf("%s/v1/items/%d/retract", b, added.ID), `{"reason":"test"}`)
	if code != 200 || !strings.Contains(string(body), `"retracted"`) {
		t.Fatalf("retract through b: %d %s", code, body)
	}
	waitUntil(t, 5*time.Second, "the retraction on a", func() bool { return !matchesMD5(t, a, md5(100)) })
	code, _, body = httpCall(t, "POST", a+"/v1/banks", `{"name":"demo"}`)
	if code != 409 || !strings.Contains(string(body), "bank_exists") {
		t.Fatalf("a bank created twice through the cluster: %d %s", code, body)
	}

	// Freshness through the API: from the 201 on one replica to matching
	// on the other.
	rng := rand.New(rand.NewPCG(5, 6))
	var fresh []time.Duration
	for i := range 30 {
		w, other := a, b
		if i%2 == 1 {
			w, other = b, a
		}
		h := fmt.Sprintf("%032x", rng.Uint64())
		if code, _, body := httpCall(t, "POST", w+"/v1/banks/demo/items", `{"signals":[{"type":"md5","value":"`+h+`"}]}`); code != 201 {
			t.Fatalf("add %d: %d %s", i, code, body)
		}
		fresh = append(fresh, waitUntil(t, 5*time.Second, "an addition on the other replica", func() bool { return matchesMD5(t, other, h) }))
	}
	t.Logf("freshness through the API over %d additions (lookups polled every 2 ms): p50 %s max %s", len(fresh), median(fresh), maxOf(fresh))

	code, _, body = httpCall(t, "GET", b+"/v1/status", "")
	var st struct {
		Version uint64 `json:"index_version"`
		Cluster *struct {
			AppliedSeq uint64 `json:"applied_seq"`
			Lag        uint64 `json:"lag"`
			Stale      bool   `json:"stale"`
		} `json:"cluster"`
	}
	if code != 200 || json.Unmarshal(body, &st) != nil || st.Cluster == nil || st.Cluster.AppliedSeq != st.Version || st.Cluster.Stale {
		t.Fatalf("status of b: %d %s", code, body)
	}
	if _, _, m := httpCall(t, "GET", b+"/metrics", ""); !strings.Contains(string(m), "herken_cluster_applied_seq ") || !strings.Contains(string(m), "herken_cluster_lag ") {
		t.Fatalf("metrics of b lack the cluster: %.500s", m)
	}

	// b cut off from NATS.
	proxy.Cut()
	h := fmt.Sprintf("%032x", rng.Uint64())
	if code, _, body := httpCall(t, "POST", a+"/v1/banks/demo/items", `{"signals":[{"type":"md5","value":"`+h+`"}]}`); code != 201 {
		t.Fatalf("add through a while b is cut off: %d %s", code, body)
	}
	waitUntil(t, 10*time.Second, "b saying it is stale", func() bool {
		_, hdr, _ := httpCall(t, "GET", b+"/v1/lookup?type=md5&value="+md5(7), "")
		return hdr.Get("X-Herken-Stale-Seconds") != ""
	})
	code, hdr, body := httpCall(t, "GET", b+"/v1/lookup?type=md5&value="+md5(7), "")
	if code != 200 || !strings.Contains(string(body), `"matched":true`) || hdr.Get("X-Herken-Stale-Seconds") == "" {
		t.Fatalf("lookup on a cut-off replica: %d %v %s", code, hdr, body)
	}
	code, hdr, body = httpCall(t, "POST", b+"/v1/banks/demo/items", `{"signals":[{"type":"md5","value":"`+md5(200)+`"}]}`)
	if code != 503 || hdr.Get("Retry-After") == "" || !strings.Contains(string(body), `"code":"cluster_unavailable"`) {
		t.Fatalf("a write on a cut-off replica: %d %v %s", code, hdr, body)
	}
	if _, _, body = httpCall(t, "GET", b+"/v1/status", ""); !strings.Contains(string(body), `"stale":true`) {
		t.Fatalf("status of a cut-off replica: %s", body)
	}
	proxy.Restore()
	waitUntil(t, 20*time.Second, "b catching up after the cut", func() bool { return matchesMD5(t, b, h) })
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration{}, ds...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

func maxOf(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}

// TestClusterCost compares, in one run, a replica of a 3-node cluster
// with a single node: the lookup rate (the stream is off the read path)
// and the rate of a hash-list import through the API (every batch of 500
// items a change acknowledged by a quorum, then applied). Figures only;
// make cluster-test runs it. Every server here shares the test's process:
// TestClusterLookupRatio measures lookups as deployed, each server a
// process of its own.
func TestClusterCost(t *testing.T) {
	if os.Getenv("HERKEN_CLUSTER_TEST_LONG") == "" {
		t.Skip("a measurement: make cluster-test runs it")
	}
	nats := clustertest.Start(t, 3)
	urls := strings.Join(nats.URLs(), ",")
	if code, _, errOut := runCLI(t, "", "bank", "create", "demo", "--cluster", urls, "--category", "incitement"); code != 0 {
		t.Fatal(errOut)
	}
	single := serveInProcess(t, "--data", newDataDir(t))
	replica := serveInProcess(t, "--data", filepath.Join(t.TempDir(), "r"), "--cluster", urls)

	const n = 20000
	var list strings.Builder
	list.WriteString("type,value\n")
	for i := range n {
		fmt.Fprintf(&list, "md5,%032x\n", 0xc057000000+i)
	}
	importRate := func(base string) float64 {
		start := time.Now()
		code, _, body := httpCall(t, "POST", base+"/v1/banks/demo/import?format=csv", list.String())
		if code != 200 || !strings.Contains(string(body), fmt.Sprintf(`"added":%d`, n)) {
			t.Fatalf("import into %s: %d %.300s", base, code, body)
		}
		return n / time.Since(start).Seconds()
	}
	si, ri := importRate(single), importRate(replica)
	t.Logf("import of %d md5 through the API: single node %.0f items/s, cluster replica %.0f items/s (%.2fx)", n, si, ri, ri/si)

	lookupRate := func(base string) float64 {
		const workers, each = 4, 500
		var wg sync.WaitGroup
		start := time.Now()
		for w := range workers {
			wg.Go(func() {
				client := &http.Client{Timeout: 10 * time.Second}
				for i := range each {
					resp, err := client.Get(fmt.Sprintf("%s/v1/lookup?type=md5&value=%032x", base, 0xc057000000+(w*each+i)%n))
					if err != nil {
						t.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
		wg.Wait()
		return workers * each / time.Since(start).Seconds()
	}
	var s, r float64
	for range 3 { // interleaved, so that both see the same machine
		s += lookupRate(single)
		r += lookupRate(replica)
	}
	t.Logf("lookups over HTTP, 4 clients: single node %.0f/s, cluster replica %.0f/s (%.2fx)", s/3, r/3, r/s)
}
