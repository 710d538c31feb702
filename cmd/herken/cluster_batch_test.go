package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/cluster/clustertest"
)

// batchAnswers sends an NDJSON batch to base and counts its answers by
// line id, with the replica that answered each; it fails on a line's
// error or a missing summary.
func batchAnswers(t *testing.T, base string, batch []byte) (ids map[string]int, who map[string]string, matched int, took time.Duration) {
	t.Helper()
	start := time.Now()
	resp, err := http.Post(base+"/v1/batch", "application/x-ndjson", bytes.NewReader(batch))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	ids, who = map[string]int{}, map[string]string{}
	summary := false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var a struct {
			ID           string          `json:"id"`
			Error        json.RawMessage `json:"error"`
			Replica      string          `json:"replica"`
			IndexVersion uint64          `json:"index_version"`
			Summary      *struct{ Lines, Matched int }
		}
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("%q: %v", sc.Bytes(), err)
		}
		if a.Summary != nil {
			summary, matched = true, a.Summary.Matched
			continue
		}
		if a.Error != nil {
			t.Fatalf("%s", sc.Bytes())
		}
		if a.IndexVersion == 0 {
			t.Fatalf("an answer without its index version: %s", sc.Bytes())
		}
		ids[a.ID]++
		who[a.ID] = a.Replica
	}
	if err := sc.Err(); err != nil || !summary {
		t.Fatalf("batch answer cut: %v (summary %v)", err, summary)
	}
	return ids, who, matched, time.Since(start)
}

// hashBatch is n lookup lines of MD5s, the even ones imported.
func hashBatch(n int, md5 func(int) string) []byte {
	var b bytes.Buffer
	for i := range n {
		v := md5(i)
		if i%2 == 1 {
			v = fmt.Sprintf("%032x", 0xabc00000+i)
		}
		fmt.Fprintf(&b, `{"id":"h%d","signals":[{"type":"md5","value":"%s"}]}`+"\n", i, v)
	}
	return b.Bytes()
}

func checkOnce(t *testing.T, ids map[string]int, n int) {
	t.Helper()
	if len(ids) != n {
		t.Fatalf("%d lines answered of %d", len(ids), n)
	}
	for id, c := range ids {
		if c != 1 {
			t.Fatalf("line %s answered %d times", id, c)
		}
	}
}

// TestClusterBatchSpread serves two replicas with --cluster: a batch sent
// to a, whose one batch worker has no room for most lines, is answered
// completely, each line once, some lines by b; a replica with
// --no-spread answers all of its batch itself. In long mode it measures
// the batch rate with and without spreading, for hash lines and for URL
// lines from a slow origin.
func TestClusterBatchSpread(t *testing.T) {
	nats := clustertest.Start(t, 1)
	urls := nats.URL(0)
	if code, out, errOut := runCLI(t, "", "bank", "create", "demo", "--cluster", urls, "--category", "incitement"); code != 0 {
		t.Fatalf("bank create: %s %s", out, errOut)
	}
	const items = 200
	md5 := func(i int) string { return fmt.Sprintf("%032x", 0xbee00000+i) }
	var list strings.Builder
	list.WriteString("type,value\n")
	for i := 0; i < 2*items; i += 2 {
		fmt.Fprintf(&list, "md5,%s\n", md5(i))
	}
	listFile := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(listFile, []byte(list.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", "import", "--cluster", urls, "--bank", "demo", listFile); code != 0 {
		t.Fatalf("import: %s %s", out, errOut)
	}
	// A slow origin for URL lines: each fetch waits 100 ms (a remote
	// site), and its body is a small file that only has digests, so
	// that the fetch's wait, not hashing, is what a line costs.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond)
		w.Header().Set("Content-Type", "application/octet-stream")
		fmt.Fprintf(w, "a file at %s\n", r.URL.Path)
	})}
	go func() { _ = origin.Serve(ln) }()
	t.Cleanup(func() { origin.Close() })
	fetchArgs := []string{"--fetch-allow", "127.0.0.0/8", "--fetch-ports", strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)}

	serve := func(name string, args ...string) string {
		args = append([]string{"--data", filepath.Join(t.TempDir(), name), "--cluster", urls}, args...)
		return serveInProcess(t, append(args, fetchArgs...)...)
	}
	a := serve("a", "--batch-workers", "1")
	b := serve("b", "--batch-workers", "4")
	c := serve("c", "--batch-workers", "1", "--no-spread")
	for _, base := range []string{a, b, c} {
		waitUntil(t, 10*time.Second, "the import on "+base, func() bool { return matchesMD5(t, base, md5(2*items-2)) })
	}
	aName, bName, cName := "", "/"+strings.TrimPrefix(b, "http://"), "/"+strings.TrimPrefix(c, "http://")

	// Hash lines and URL lines: a spreads the URL lines (a fetch takes
	// longer than the cluster's round trip), never the MD5 look-ups.
	const lines, urlLines = 300, 30
	batch := hashBatch(lines, md5)
	for i := range urlLines {
		batch = fmt.Appendf(batch, `{"id":"u%d","url":"http://%s/s%d"}`+"\n", i, ln.Addr(), i)
	}
	byReplica := func(who map[string]string, prefix string) map[string]int {
		by := map[string]int{}
		for id, r := range who {
			if strings.HasPrefix(id, prefix) {
				by[r]++
			}
		}
		return by
	}
	// The work queue is ensured in the background: a's first batch may
	// come before it, and stays on a.
	var ids map[string]int
	var who map[string]string
	var matched int
	waitUntil(t, 20*time.Second, "a batch on a answered partly by b", func() bool {
		ids, who, matched, _ = batchAnswers(t, a, batch)
		checkOnce(t, ids, lines+urlLines)
		for r := range byReplica(who, "u") {
			if strings.HasSuffix(r, bName) {
				return true
			}
		}
		return false
	})
	if matched != lines/2 {
		t.Errorf("%d matched of %d, want %d", matched, lines, lines/2)
	}
	for _, r := range who {
		if strings.HasSuffix(r, "/"+strings.TrimPrefix(a, "http://")) {
			aName = r
		}
	}
	hashBy, urlBy := byReplica(who, "h"), byReplica(who, "u")
	t.Logf("a's batch: hash lines answered by %v, URL lines by %v", hashBy, urlBy)
	if hashBy[aName] != lines {
		t.Errorf("hash lines answered by %v: want a only (they do not pay to spread)", hashBy)
	}
	if _, ok := urlBy[""]; ok {
		t.Errorf("answers without their replica: %v", urlBy)
	}

	ids, who, _, _ = batchAnswers(t, c, batch)
	checkOnce(t, ids, lines+urlLines)
	by := byReplica(who, "")
	if len(by) != 1 {
		t.Errorf("--no-spread: c's batch answered by %v, want c only", by)
	}
	for r := range by {
		if !strings.HasSuffix(r, cName) {
			t.Errorf("--no-spread: c's batch answered by %v, want c only", by)
		}
	}

	if testing.Short() {
		return
	}
	// Rates with and without spreading, in this run: a (spreads) against
	// c (--no-spread), each with one batch worker; b adds four workers.
	// Each batch runs twice on each, alternately; the faster run counts.
	measure := func(what string, batch []byte, n int) {
		var tookA, tookC time.Duration
		var who map[string]string
		for range 2 {
			_, w, _, ta := batchAnswers(t, a, batch)
			_, _, _, tc := batchAnswers(t, c, batch)
			if tookA == 0 || ta < tookA {
				tookA, who = ta, w
			}
			if tookC == 0 || tc < tookC {
				tookC = tc
			}
		}
		t.Logf("%s: %d lines, spread %.0f lines/s (answered by %v), not spread %.0f lines/s (ratio %.2f)", what, n,
			float64(n)/tookA.Seconds(), byReplica(who, ""), float64(n)/tookC.Seconds(), tookC.Seconds()/tookA.Seconds())
	}
	measure("hash lines", hashBatch(20000, md5), 20000)
	var ub bytes.Buffer
	for i := range 300 {
		fmt.Fprintf(&ub, `{"id":"u%d","url":"http://%s/p%d.jpg"}`+"\n", i, ln.Addr(), i)
	}
	measure("URL lines (100 ms origin)", ub.Bytes(), 300)
}
