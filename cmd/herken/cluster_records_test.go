package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/cluster/clustertest"
)

// TestClusterFeedbackOnEveryReplica: verdicts given on two replicas are
// counted together, and each replica shows the item's counts of both.
func TestClusterFeedbackOnEveryReplica(t *testing.T) {
	nats := clustertest.Start(t, 1)
	urls := strings.Join(nats.URLs(), ",")
	dir := t.TempDir()
	if code, out, errOut := runCLI(t, "", "bank", "create", "demo", "--cluster", urls, "--category", "incitement"); code != 0 {
		t.Fatalf("bank create: %s %s", out, errOut)
	}
	list := filepath.Join(dir, "list.csv")
	md5 := "0123456789abcdef0123456789abcdef"
	if err := os.WriteFile(list, []byte("type,value\nmd5,"+md5+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", "import", "--cluster", urls, "--bank", "demo", list); code != 0 {
		t.Fatalf("import: %s %s", out, errOut)
	}
	a := serveInProcess(t, "--data", filepath.Join(dir, "a"), "--cluster", urls)
	b := serveInProcess(t, "--data", filepath.Join(dir, "b"), "--cluster", urls)
	for _, base := range []string{a, b} {
		waitUntil(t, 10*time.Second, "the item on "+base, func() bool { return matchesMD5(t, base, md5) })
	}
	for _, v := range []struct{ base, verdict string }{{a, "confirmed"}, {b, "confirmed"}, {b, "false_positive"}} {
		if code, _, body := httpCall(t, "POST", v.base+"/v1/items/1/feedback", `{"verdict":"`+v.verdict+`","note":"checked"}`); code != 200 {
			t.Fatalf("feedback on %s: %d %s", v.base, code, body)
		}
	}
	// Each replica reads its copy of the bucket, which the others'
	// verdicts reach within milliseconds.
	for _, base := range []string{a, b} {
		var body []byte
		var code int
		var ans struct {
			Feedback struct {
				Confirmed     int `json:"confirmed"`
				FalsePositive int `json:"false_positive"`
			} `json:"feedback"`
		}
		took := waitUntil(t, 5*time.Second, "every verdict on "+base, func() bool {
			code, _, body = httpCall(t, "GET", base+"/v1/items/1", "")
			if code != 200 || json.Unmarshal(body, &ans) != nil {
				t.Fatalf("item on %s: %d %s", base, code, body)
			}
			return ans.Feedback.Confirmed == 2 && ans.Feedback.FalsePositive == 1
		})
		t.Logf("%s shows every verdict %v after the last", base, took)
	}
	// An unknown item is refused as before, not counted.
	if code, _, body := httpCall(t, "POST", a+"/v1/items/99/feedback", `{"verdict":"confirmed"}`); code != 404 {
		t.Fatalf("feedback on an unknown item: %d %s", code, body)
	}
}

// TestClusterSyncResumesAfterLeaseMoves: the replica holding the sync
// lease syncs a paged source; once it stops, the other takes the lease and
// resumes from the stored checkpoint: it reads no page again.
func TestClusterSyncResumesAfterLeaseMoves(t *testing.T) {
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
	synced := regexp.MustCompile(`"msg":"sync","source":"tat","pages":(\d+)`)
	_, la, stopA := serveUntil(t, "--data", filepath.Join(dir, "a"), "--cluster", urls, "--sync-config", cfgPath, "--log-level", "info")
	waitUntil(t, 30*time.Second, "a's sync", func() bool { return synced.MatchString(la.String()) })
	if m := synced.FindStringSubmatch(la.String()); m[1] != "1" {
		t.Fatalf("the first sync read %s pages, want 1", m[1])
	}
	_, lb, _ := serveUntil(t, "--data", filepath.Join(dir, "b"), "--cluster", urls, "--sync-config", cfgPath, "--log-level", "info")
	time.Sleep(time.Second)
	if synced.MatchString(lb.String()) {
		t.Fatal("b synced while a held the lease")
	}
	stopA()
	waitUntil(t, 60*time.Second, "b's sync once a stopped", func() bool { return synced.MatchString(lb.String()) })
	if m := synced.FindStringSubmatch(lb.String()); m[1] != "0" {
		t.Fatalf("b read %s pages again; it should resume from a's checkpoint", m[1])
	}
}

// TestClusterReportCountsEveryReplica: lookups made on two replicas are
// counted together in the report of either, and a replica restarted with
// its folder publishes its hours again without counting them twice.
func TestClusterReportCountsEveryReplica(t *testing.T) {
	nats := clustertest.Start(t, 1)
	urls := strings.Join(nats.URLs(), ",")
	dir := t.TempDir()
	if code, out, errOut := runCLI(t, "", "bank", "create", "demo", "--cluster", urls, "--category", "incitement"); code != 0 {
		t.Fatalf("bank create: %s %s", out, errOut)
	}
	list := filepath.Join(dir, "list.csv")
	md5, other := "0123456789abcdef0123456789abcdef", "ffffffffffffffffffffffffffffffff"
	if err := os.WriteFile(list, []byte("type,value\nmd5,"+md5+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", "import", "--cluster", urls, "--bank", "demo", list); code != 0 {
		t.Fatalf("import: %s %s", out, errOut)
	}
	a, _, _ := serveUntil(t, "--data", filepath.Join(dir, "a"), "--cluster", urls, "--cluster-stats-interval", "100ms")
	b, _, stopB := serveUntil(t, "--data", filepath.Join(dir, "b"), "--cluster", urls, "--cluster-stats-interval", "100ms")
	for _, base := range []string{a, b} {
		waitUntil(t, 10*time.Second, "the item on "+base, func() bool { return matchesMD5(t, base, md5) })
	}
	// With the waits above: a 2 matches, 1 not; b 2 matches, 2 not.
	matchesMD5(t, a, md5)
	matchesMD5(t, a, other)
	matchesMD5(t, b, md5)
	matchesMD5(t, b, other)
	matchesMD5(t, b, other)
	day := time.Now().UTC().Format("2006-01-02")
	report := func(base string) (inputs, matches int) {
		code, _, body := httpCall(t, "GET", base+"/v1/report?from="+day+"&to="+day, "")
		var rep struct {
			Inputs  int `json:"inputs"`
			Matches int `json:"matches"`
		}
		if code != 200 || json.Unmarshal(body, &rep) != nil {
			t.Fatalf("report on %s: %d %s", base, code, body)
		}
		return rep.Inputs, rep.Matches
	}
	// b publishes at its stop what its audit log holds, and all of it
	// again at its start.
	stopB()
	b, _, _ = serveUntil(t, "--data", filepath.Join(dir, "b"), "--cluster", urls, "--cluster-stats-interval", "100ms")
	waitUntil(t, 10*time.Second, "b's hours in a's report", func() bool { in, _ := report(a); return in >= 7 })
	time.Sleep(500 * time.Millisecond)
	for _, base := range []string{a, b} {
		if in, m := report(base); in != 7 || m != 4 {
			t.Fatalf("%s reports %d inputs, %d matches; want the cluster's 7 and 4", base, in, m)
		}
	}
}
