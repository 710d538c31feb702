package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
)

// serveWithKeys runs "herken serve" with args in this process, with API
// keys required, until the test ends; it returns its base URL.
func serveWithKeys(t *testing.T, args ...string) string {
	t.Helper()
	pr, pw := io.Pipe()
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0", "--log-level", "warn"}, args...),
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

// keyCall makes a request with an API key and returns the status and body.
func keyCall(t *testing.T, key, method, url, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type createdKey struct {
	Key    string `json:"key"`
	Record struct {
		ID string `json:"id"`
	} `json:"record"`
}

// TestClusterKeysAndAudit: a key made with the CLI (no --data) works on
// every replica; a key created through replica A authenticates on B, and
// revoked through A is refused on B within a second; audit records of
// requests through A are read through B and with the CLI; the audit
// stream's MaxAge is --audit-retention.
func TestClusterKeysAndAudit(t *testing.T) {
	nts := clustertest.Start(t, 3)
	urls := strings.Join(nts.URLs(), ",")
	code, out, errOut := runCLI(t, "", "keys", "create", "--cluster", urls, "--role", "admin", "--name", "ops", "--json")
	var admin createdKey
	if code != 0 || json.Unmarshal([]byte(out), &admin) != nil || admin.Key == "" {
		t.Fatalf("keys create --cluster: %d %s %s", code, out, errOut)
	}
	if code, _, errOut = runCLI(t, "", "keys", "list", "--cluster", urls, "--data", t.TempDir()); code == 0 || !strings.Contains(errOut, "not both") {
		t.Fatalf("keys list with --cluster and --data: %d %s", code, errOut)
	}

	base := t.TempDir()
	a := serveWithKeys(t, "--data", filepath.Join(base, "a"), "--cluster", nts.URL(0), "--audit-retention", "30d")
	b := serveWithKeys(t, "--data", filepath.Join(base, "b"), "--cluster", nts.URL(2)+","+nts.URL(1), "--audit-retention", "30d")
	for _, r := range []string{a, b} {
		if code, body := keyCall(t, admin.Key, "GET", r+"/v1/whoami", ""); code != 200 || !strings.Contains(string(body), `"role":"admin"`) {
			t.Fatalf("the CLI's admin key on %s: %d %s", r, code, body)
		}
	}
	if got := streamMaxAge(t, nts.URL(1)); got != 30*24*time.Hour {
		t.Fatalf("the audit stream's MaxAge is %s, want --audit-retention 30d", got)
	}

	// Created through A, works on B; revoked through A, refused on B.
	n := 30
	switch {
	case os.Getenv("HERKEN_CLUSTER_TEST_LONG") != "":
		n = 100
	case testing.Short():
		n = 8
	}
	var ds []time.Duration
	var last createdKey
	for range n {
		code, body := keyCall(t, admin.Key, "POST", a+"/v1/keys", `{"name":"crawler feed","role":"provider"}`)
		var k createdKey
		if code != 201 || json.Unmarshal(body, &k) != nil {
			t.Fatalf("POST /v1/keys on a: %d %s", code, body)
		}
		waitUntil(t, 10*time.Second, "a key created on a authenticating on b", func() bool {
			code, _ := keyCall(t, k.Key, "GET", b+"/v1/whoami", "")
			return code == 200
		})
		if code, body := keyCall(t, admin.Key, "POST", a+"/v1/keys/"+k.Record.ID+"/revoke", ""); code != 200 {
			t.Fatalf("revoke on a: %d %s", code, body)
		}
		ds = append(ds, waitUntil(t, 10*time.Second, "a key revoked on a refused on b", func() bool {
			code, _ := keyCall(t, k.Key, "GET", b+"/v1/whoami", "")
			return code == 401
		}))
		last = k
	}
	slices.Sort(ds)
	t.Logf("revoked through a to 401 on b, %d keys: median %s, p99 %s, max %s", n, ds[len(ds)/2], ds[min(len(ds)-1, len(ds)*99/100)], ds[len(ds)-1])
	if code, body := keyCall(t, admin.Key, "POST", b+"/v1/keys/"+last.Record.ID+"/revoke", ""); code != 409 {
		t.Fatalf("revoking again on b: %d %s, want 409", code, body)
	}
	if code, body := keyCall(t, admin.Key, "POST", b+"/v1/keys/0123456789ab/revoke", ""); code != 404 {
		t.Fatalf("revoking an unknown key on b: %d %s, want 404", code, body)
	}
	code, out, errOut = runCLI(t, "", "keys", "list", "--cluster", urls)
	if code != 0 || strings.Count(out, "crawler feed") != n || !strings.Contains(out, last.Record.ID) {
		t.Fatalf("keys list --cluster: %d %s %s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", "keys", "revoke", "--cluster", urls, admin.Record.ID)
	if code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("keys revoke --cluster: %d %s %s", code, out, errOut)
	}
	waitUntil(t, 10*time.Second, "the CLI's revocation on a", func() bool {
		code, _ := keyCall(t, admin.Key, "GET", a+"/v1/whoami", "")
		return code == 401
	})

	// The requests made through A with the last provider key are read
	// through B (and the CLI), from the cluster's audit stream.
	code, out, errOut = runCLI(t, "", "keys", "create", "--cluster", urls, "--role", "admin", "--name", "auditor", "--json")
	var auditor createdKey
	if code != 0 || json.Unmarshal([]byte(out), &auditor) != nil {
		t.Fatalf("keys create --cluster: %d %s %s", code, out, errOut)
	}
	// The key reaches each replica through its own watch of the bucket:
	// wait for both, as /metrics is read on a below.
	for _, r := range []string{a, b} {
		waitUntil(t, 10*time.Second, "the auditor's key on "+r, func() bool {
			code, _ := keyCall(t, auditor.Key, "GET", r+"/v1/whoami", "")
			return code == 200
		})
	}
	var recs struct {
		Records []struct {
			KeyID  string `json:"key_id"`
			Action string `json:"action"`
			Status int    `json:"status"`
			Detail string `json:"detail"`
		} `json:"records"`
	}
	waitUntil(t, 5*time.Second, "a's audit records read through b", func() bool {
		code, body := keyCall(t, auditor.Key, "GET", b+"/v1/audit?action=key_revoke&key="+admin.Record.ID+"&limit=1000", "")
		if code != 200 || json.Unmarshal(body, &recs) != nil {
			t.Fatalf("GET /v1/audit on b: %d %s", code, body)
		}
		return len(recs.Records) == n+2 // every revocation, the refused one and the unknown one
	})
	if r := recs.Records[0]; r.KeyID != admin.Record.ID || r.Status != 200 || !strings.HasPrefix(r.Detail, "revoked key ") {
		t.Fatalf("a's first revocation as read through b: %+v", r)
	}
	code, out, errOut = runCLI(t, "", "audit", "--cluster", urls, "--key-id", admin.Record.ID, "--action", "key_create", "--json")
	if code != 0 || strings.Count(out, "\n") != n {
		t.Fatalf("audit --cluster: %d, %d lines, %s", code, strings.Count(out, "\n"), errOut)
	}
	if code, _, errOut = runCLI(t, "", "audit", "--cluster", urls, "--data", base); code == 0 || !strings.Contains(errOut, "not with") {
		t.Fatalf("audit --cluster --data: %d %s", code, errOut)
	}
	code, body := keyCall(t, auditor.Key, "GET", a+"/metrics", "")
	if code != 200 || !strings.Contains(string(body), "herken_audit_records_dropped 0") {
		t.Fatalf("/metrics on a: %d, no herken_audit_records_dropped 0", code)
	}
}

// streamMaxAge reads the audit stream's MaxAge with a connection of its
// own.
func streamMaxAge(t *testing.T, url string) time.Duration {
	t.Helper()
	ctx, js := clustertest.JetStream(t, url)
	s, err := js.Stream(ctx, cluster.AuditStreamName)
	if err != nil {
		t.Fatal(err)
	}
	return s.CachedInfo().Config.MaxAge
}
