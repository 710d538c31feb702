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
	"syscall"
	"testing"
	"time"

	"github.com/atkm/herken/cluster/clustertest"
)

// batchUntil sends batch to base and reads its answers until the
// connection ends or stop says so after an answer; it returns the
// answers by line id (only whole lines count: a line cut by the
// connection's end is no answer), and whether the summary came. stop is
// given the number of lines answered so far and the replica that
// answered the last one.
func batchUntil(t *testing.T, base string, batch []byte, stop func(answered int, replica string) bool) (answers map[string][]string, summary bool) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Post(base+"/v1/batch", "application/x-ndjson", bytes.NewReader(batch))
	if err != nil {
		t.Fatalf("batch to %s: %v", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("batch to %s: %d", base, resp.StatusCode)
	}
	answers = map[string][]string{}
	br := bufio.NewReader(resp.Body)
	for {
		line, err := br.ReadBytes('\n')
		if err != nil {
			return answers, summary // a last line without its newline was cut
		}
		var a struct {
			ID      string          `json:"id"`
			Replica string          `json:"replica"`
			Error   json.RawMessage `json:"error"`
			Summary json.RawMessage `json:"summary"`
		}
		if err := json.Unmarshal(line, &a); err != nil {
			t.Fatalf("an answer line that is not JSON: %q: %v", line, err)
		}
		switch {
		case a.Summary != nil:
			summary = true
		case a.ID == "":
			t.Fatalf("an answer without its line's id: %s", line)
		default:
			answers[a.ID] = append(answers[a.ID], string(line))
			if stop != nil && stop(len(answers), a.Replica) {
				stop = nil
			}
		}
	}
}

// TestClusterBatchHolderDies sends a batch of URL and hash lines to
// replica a, which spreads the URL lines over the cluster, and SIGKILLs a
// (the replica holding the batch's connection) once part of the answers
// came back. The client sends the lines it has no answer for again, by
// id, to replica b: every line is then answered exactly once from the
// client's point of view, none lost, and each answer is the right one. NATS
// and both replicas are processes of their own.
func TestClusterBatchHolderDies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds herken and runs 3 processes: runs without -short")
	}
	nodes := clustertest.Plan(t, 1, t.TempDir())
	startNATSProcess(t, nodes[0])
	urls := nodes[0].URL()
	if code, out, errOut := runCLI(t, "", "bank", "create", "demo", "--cluster", urls, "--category", "incitement"); code != 0 {
		t.Fatalf("bank create: %s %s", out, errOut)
	}
	md5 := func(i int) string { return fmt.Sprintf("%032x", 0x401de00000+i) }
	var list strings.Builder
	list.WriteString("type,value\n")
	for i := 0; i < 200; i += 2 {
		fmt.Fprintf(&list, "md5,%s\n", md5(i))
	}
	listFile := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(listFile, []byte(list.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", "import", "--cluster", urls, "--bank", "demo", listFile); code != 0 {
		t.Fatalf("import: %s %s", out, errOut)
	}
	// A slow origin: each URL line keeps a worker for 100 ms, so that the
	// batch takes long enough to be cut, and its URL lines spread.
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
	args := []string{"--cluster", urls, "--insecure-no-auth", "--log-level", "warn",
		"--fetch-allow", "127.0.0.0/8", "--fetch-ports", strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)}
	built := time.Now()
	bin := buildBinary(t)
	start := time.Now()
	t.Logf("herken built in %s", start.Sub(built).Round(time.Millisecond))
	a, aCmd := startBuilt(t, bin, filepath.Join(t.TempDir(), "a"), append(args, "--batch-workers", "1")...)
	b, _ := startBuilt(t, bin, filepath.Join(t.TempDir(), "b"), append(args, "--batch-workers", "4")...)
	for _, base := range []string{a, b} {
		waitUntil(t, 20*time.Second, "the import on "+base, func() bool { return matchesMD5(t, base, md5(198)) })
	}

	const hashLines, urlLines = 200, 60
	lines := map[string][]byte{}
	var batch []byte
	for i := range hashLines {
		lines[fmt.Sprintf("h%d", i)] = fmt.Appendf(nil, `{"id":"h%d","signals":[{"type":"md5","value":"%s"}]}`+"\n", i, md5(i))
	}
	for i := range urlLines {
		lines[fmt.Sprintf("u%d", i)] = fmt.Appendf(nil, `{"id":"u%d","url":"http://%s/f%d"}`+"\n", i, ln.Addr(), i)
	}
	// URL and hash lines mixed, so that hash lines are still to come
	// when a dies.
	for i := range hashLines {
		batch = append(batch, lines[fmt.Sprintf("h%d", i)]...)
		if i%4 == 0 && i/4 < urlLines {
			batch = append(batch, lines[fmt.Sprintf("u%d", i/4)]...)
		}
	}
	for i := hashLines / 4; i < urlLines; i++ {
		batch = append(batch, lines[fmt.Sprintf("u%d", i)]...)
	}

	// a is killed once it has passed on answers of other replicas'
	// workers: lines of its batch are then out in the cluster.
	killed, byOthers := false, 0
	aName := "/" + strings.TrimPrefix(a, "http://")
	first, summary := batchUntil(t, a, batch, func(answered int, replica string) bool {
		if replica != "" && !strings.HasSuffix(replica, aName) {
			byOthers++
		}
		if answered < 20 || byOthers < 3 {
			return false
		}
		aCmd.Process.Signal(syscall.SIGKILL)
		killed = true
		return true
	})
	if !killed || summary {
		t.Fatalf("the batch on a ended before a was killed (%d answers, summary %v): make it longer", len(first), summary)
	}
	aCmd.Wait()
	if len(first) >= len(lines) {
		t.Fatalf("every line answered before a died (%d): make the batch longer", len(first))
	}
	// The client sends what was not answered, by id, to b.
	var rest []byte
	for id, l := range lines {
		if _, ok := first[id]; !ok {
			rest = append(rest, l...)
		}
	}
	second, summary := batchUntil(t, b, rest, nil)
	if !summary {
		t.Fatal("the resent lines' batch on b ended without its summary")
	}
	for id := range lines {
		n := len(first[id]) + len(second[id])
		if n != 1 {
			t.Errorf("line %s answered %d times (%d by a, %d by b after a died)", id, n, len(first[id]), len(second[id]))
			continue
		}
		ans := append(first[id], second[id]...)[0]
		if strings.Contains(ans, `"error"`) {
			t.Errorf("line %s: %s", id, ans)
		}
		var i int
		if _, err := fmt.Sscanf(id, "h%d", &i); err == nil && strings.Contains(ans, `"matched":true`) != (i%2 == 0) {
			t.Errorf("line %s answered wrongly: %s", id, ans)
		}
	}
	for id := range second {
		if _, ok := lines[id]; !ok {
			t.Errorf("an answer for a line never sent: %s", id)
		}
	}
	t.Logf("%d lines: %d answered through a before it was killed (%d of them by another replica's worker), %d by b when sent again; %s after the build",
		len(lines), len(first), byOthers, len(second), time.Since(start).Round(time.Millisecond))
}
