package main

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/fixtures"
)

// TestReadThroughRunningServer: while herken serve holds the index, the
// read-only commands are refused with a pointer to --server, and with it
// they read through the service's API.
func TestReadThroughRunningServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: runs without -short")
	}
	data := newDataDir(t)
	photo := fixtures.Path(bridgeJPEG)
	if code, _, errOut := runCLI(t, "", "item", "add", "--data", data, "--bank", "demo", "--file", photo, "--reference", "RO-7"); code != 0 {
		t.Fatalf("item add: %s", errOut)
	}
	key := func(role string) string {
		t.Helper()
		code, out, errOut := runCLI(t, "", "keys", "create", "--data", data, "--role", role, "--name", role+" test")
		if code != 0 {
			t.Fatalf("keys create: %s", errOut)
		}
		return strings.TrimSpace(out)
	}
	admin, analyst, provider := key("admin"), key("analyst"), key("provider")
	base, _ := startBinary(t, data)

	for _, args := range [][]string{
		{"bank", "list"}, {"item", "list", "--bank", "demo"}, {"audit"}, {"match", photo},
	} {
		code, _, errOut := runCLI(t, "", append(args, "--data", data)...)
		if code != 1 || !strings.Contains(errOut, "in use by another herken process") || !strings.Contains(errOut, "--server URL --key KEY") {
			t.Errorf("%v while serve runs: exit %d %q", args, code, errOut)
		}
	}
	// Changes still say to stop the service or use the API.
	if code, _, errOut := runCLI(t, "", "bank", "create", "other", "--data", data); code != 1 || !strings.Contains(errOut, "through the API") {
		t.Errorf("bank create while serve runs: exit %d %q", code, errOut)
	}

	remote := func(k string, args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, "", append(args, "--server", base, "--key", k)...)
	}
	if code, out, errOut := remote(analyst, "bank", "list"); code != 0 || !strings.Contains(out, "demo") || !strings.Contains(out, "tests") {
		t.Errorf("bank list: exit %d %q %q", code, out, errOut)
	}
	if code, out, errOut := remote(analyst, "bank", "show", "demo"); code != 0 || !strings.Contains(out, "pdq=31") {
		t.Errorf("bank show: exit %d %q %q", code, out, errOut)
	}
	code, out, errOut := remote(analyst, "item", "list", "--bank", "demo", "--json")
	var items []struct {
		ID        uint64
		Reference string
	}
	if err := json.Unmarshal([]byte(out), &items); code != 0 || err != nil || len(items) != 1 || items[0].Reference != "RO-7" {
		t.Fatalf("item list: exit %d %q %q", code, out, errOut)
	}
	if code, out, _ := remote(analyst, "item", "show", itoa(items[0].ID)); code != 0 || !strings.Contains(out, "RO-7") {
		t.Errorf("item show: exit %d %q", code, out)
	}
	if code, _, errOut := remote(analyst, "item", "retract", itoa(items[0].ID), "--reason", "x"); code != 2 || !strings.Contains(errOut, "only list and show") {
		t.Errorf("item retract with --server: exit %d %q", code, errOut)
	}

	// match: a file sent to the service, a hash looked up, a missing file.
	code, out, errOut = remote(provider, "match", photo)
	if code != exitMatched || !strings.Contains(out, "MATCH (1 known item)") || !strings.Contains(out, "reference RO-7") || !strings.Contains(out, "pdq: 0 of 256 bits differ") {
		t.Errorf("match a file: exit %d %q %q", code, out, errOut)
	}
	_, hashOut, _ := runCLI(t, "", "hash", "--json", photo)
	var h struct{ MD5 string }
	json.Unmarshal([]byte(hashOut), &h)
	if code, out, errOut := remote(provider, "match", "--signal", "md5:"+h.MD5); code != exitMatched || !strings.Contains(out, "md5: identical") {
		t.Errorf("match a hash: exit %d %q %q", code, out, errOut)
	}
	missing := filepath.Join(t.TempDir(), "nonexistent.jpg")
	if code, out, _ := remote(provider, "match", missing); code != 1 || strings.Contains(out, "no match") || !strings.Contains(out, "error:") {
		t.Errorf("match a missing file: exit %d %q", code, out)
	}
	if code, out, _ := remote("hk_wrong", "match", photo); code != 1 || strings.Contains(out, "no match") || !strings.Contains(out, "that is not a herken API key") {
		t.Errorf("match with a wrong key: exit %d %q", code, out)
	}

	// audit: an admin's; the server and key may come from the environment.
	if code, _, errOut := remote(analyst, "audit"); code != 1 || !strings.Contains(errOut, "HTTP 403") {
		t.Errorf("audit with an analyst key: exit %d %q", code, errOut)
	}
	t.Setenv("HERKEN_SERVER", base)
	t.Setenv("HERKEN_KEY", admin)
	// Records reach the log within a fraction of a second.
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, out, errOut := runCLI(t, "", "audit", "--action", "match")
		if code == 0 && strings.Count(out, " match ") >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("audit from the environment: exit %d %q %q", code, out, errOut)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, out, _ := runCLI(t, "", "audit", "--action", "key_revoke"); code != 0 || strings.TrimSpace(out) != "no records match these filters" {
		t.Errorf("audit, nothing selected: exit %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "", "bank", "list"); code != 0 || !strings.Contains(out, "demo") {
		t.Errorf("bank list from the environment: exit %d %q", code, out)
	}

	// The digest of empty content is refused through the API too.
	req, _ := http.NewRequest("POST", base+"/v1/banks/demo/items",
		strings.NewReader(`{"signals":[{"type":"md5","value":"d41d8cd98f00b204e9800998ecf8427e"}]}`))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "digest of empty content") {
		t.Errorf("POST items with the md5 of nothing: %d %s", resp.StatusCode, body)
	}
}
