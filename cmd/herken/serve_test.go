package main

import (
	"bufio"
	"bytes"

	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atkm/herken/fixtures"
)

// startBinary builds herken and starts "herken serve" on a free loopback
// port; it returns the base URL and the running command.
func startBinary(t *testing.T, data string, extra ...string) (string, *exec.Cmd) {
	t.Helper()
	return startBuilt(t, buildBinary(t), data, extra...)
}

// startBuilt starts "bin serve" on a free loopback port.
func startBuilt(t *testing.T, bin, data string, extra ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--data", data, "--listen", "127.0.0.1:0"}, extra...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "herken listening on ") {
		t.Fatalf("serve did not start: %q %v\n%s", line, err, logs.String())
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "herken listening on ")), cmd
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "herken")
	build := exec.Command("go", "build", "-tags", testTags(), "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestServeBinary runs the real binary, matches a known photo through the
// API, pre-screens files offline with the served filter, and stops it with
// SIGTERM.
func TestServeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: runs without -short")
	}
	data := newDataDir(t)
	photo := fixtures.Path(bridgeJPEG)
	if code, _, errOut := runCLI(t, "", "item", "add", "--data", data, "--bank", "demo", "--file", photo, "--reference", "RO-5"); code != 0 {
		t.Fatalf("item add: %s", errOut)
	}
	code, key, errOut := runCLI(t, "", "keys", "create", "--data", data, "--role", "provider", "--name", "test provider")
	if code != 0 || !strings.HasPrefix(key, "hk_") {
		t.Fatalf("keys create: %s", errOut)
	}
	key = strings.TrimSpace(key)
	base, cmd := startBinary(t, data)
	get := func(method, url string, body io.Reader) (*http.Response, error) {
		req, _ := http.NewRequest(method, url, body)
		req.Header.Set("Authorization", "Bearer "+key)
		return http.DefaultClient.Do(req)
	}
	if resp, err := http.Get(base + "/v1/lookup?type=md5&value=" + strings.Repeat("0", 32)); err != nil || resp.StatusCode != 401 {
		t.Fatalf("without a key: %v %v", resp.Status, err)
	}

	f, _ := os.Open(photo)
	resp, err := get("POST", base+"/v1/match", f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Matched bool
		Matches []struct{ Reference string }
	}
	json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if !res.Matched || res.Matches[0].Reference != "RO-5" {
		t.Fatalf("match through the binary: %+v", res)
	}

	// Offline pre-screening with the served filter.
	resp, err = get("GET", base+"/v1/filter/sha256", nil)
	if err != nil {
		t.Fatal(err)
	}
	filter := filepath.Join(t.TempDir(), "sha256.bloom")
	fb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	os.WriteFile(filter, fb, 0o600)
	dir := t.TempDir()
	pb, _ := os.ReadFile(photo)
	os.WriteFile(filepath.Join(dir, "copy.jpg"), pb, 0o600)
	os.WriteFile(filepath.Join(dir, "other.txt"), []byte("hello"), 0o600)
	code, out, _ := runCLI(t, "", "prescreen", "--filter", filter, dir)
	if code != exitMatched || !strings.Contains(out, "copy.jpg: possible_match") || !strings.Contains(out, "other.txt: clean") {
		t.Errorf("offline prescreen: exit %d %q", code, out)
	}
	code, out, _ = runCLI(t, "", "prescreen", "--filter", filter, "--server", base, "--key", key, dir)
	if code != exitMatched || !strings.Contains(out, "copy.jpg: match") {
		t.Errorf("confirmed prescreen: exit %d %q", code, out)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	// The store was closed cleanly: it opens again at once.
	if code, _, errOut := runCLI(t, "", "bank", "list", "--data", data); code != 0 {
		t.Errorf("store after shutdown: %s", errOut)
	}
}

func TestServeRefusesInsecureSetups(t *testing.T) {
	data := newDataDir(t)
	f := func(want string, args ...string) {
		t.Helper()
		code, _, errOut := runCLI(t, "", append([]string{"serve", "--data", data}, args...)...)
		if code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
	f("loopback only", "--listen", "0.0.0.0:0", "--insecure-no-auth")
	f("--tls-cert", "--listen", "0.0.0.0:0")
	f("both --tls-cert and --tls-key", "--tls-cert", "x.pem")
	f("at most 365d", "--audit-retention", "400d")
	f("--pprof-listen must be a loopback address", "--pprof-listen", "0.0.0.0:6060")
	f("--decode", "--decode", "quick")
	f("--stream-idle-timeout", "--stream-idle-timeout", "0s")
	f("--body-memory", "--body-memory", "lots")
}

// TestServeKeepsFetchedBytesOutOfLogs runs the binary against an upstream
// that sends bytes on an idle kept-alive connection after its answer. Go's
// HTTP client reports that through the standard logger, quoting the bytes;
// the server's log must say what happened without them.
func TestServeKeepsFetchedBytesOutOfLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: runs without -short")
	}
	const secret = "SECRET-FETCHED-CONTENT-0815"
	up, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	go func() {
		for {
			c, err := up.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if line == "\r\n" {
						break
					}
				}
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
				time.Sleep(300 * time.Millisecond)
				io.WriteString(c, secret+" sent unasked\r\n")
				time.Sleep(time.Second)
			}()
		}
	}()
	_, port, _ := net.SplitHostPort(up.Addr().String())
	cmd := exec.Command(buildBinary(t), "serve", "--data", newDataDir(t), "--listen", "127.0.0.1:0", "--insecure-no-auth",
		"--fetch-allow", "127.0.0.1/32", "--fetch-ports", port)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	base := strings.TrimSpace(strings.TrimPrefix(line, "herken listening on "))
	resp, err := http.Post(base+"/v1/match/url", "application/json", strings.NewReader(`{"url":"http://`+up.Addr().String()+`/x"}`))
	if err == nil {
		resp.Body.Close()
	}
	if err != nil || resp.StatusCode != 200 {
		cmd.Process.Kill()
		t.Fatalf("match url: %v %v", resp, err)
	}
	time.Sleep(time.Second) // the unasked bytes arrive after 300 ms
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if !strings.Contains(logs.String(), "Unsolicited response") {
		t.Fatalf("net/http did not report the unasked bytes; log:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), secret) {
		t.Fatalf("fetched bytes in the server's log:\n%s", logs.String())
	}
}

// TestServePprof profiles a running service on its own loopback listener;
// the API's listener does not serve the profiler.
func TestServePprof(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: runs without -short")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base, _ := startBinary(t, newDataDir(t), "--insecure-no-auth", "--pprof-listen", addr)
	resp, err := http.Get("http://" + addr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "goroutine profile") {
		t.Errorf("profiler: %d %.200s", resp.StatusCode, body)
	}
	if resp, err := http.Get(base + "/debug/pprof/"); err != nil || resp.StatusCode != 404 {
		t.Errorf("the API listener serves /debug/pprof/: %v %v", resp.Status, err)
	}
}
