package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher/media"
)

const (
	bridgeJPEG = "pdq/threatexchange/pdq/data/bridge-mods/aaa-orig.jpg"
	bridgePDQ  = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
)

// runCLI runs herken in-process and returns its exit code and output.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &stdio{in: strings.NewReader(stdin), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

func decodeLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestHashJSON(t *testing.T) {
	photo := fixtures.Path(bridgeJPEG)
	text := filepath.Join(t.TempDir(), "notes.jpg") // a misleading name: sniffing decides
	if err := os.WriteFile(text, []byte("not an image at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "", "hash", "--json", "--dihedral", photo, text)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := decodeLines(t, out)
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
	p := lines[0]
	if p["file"] != photo || p["content_type"] != "photo" || p["pdq"] != bridgePDQ || p["pdq_quality"] != 100.0 {
		t.Errorf("photo line: %v", p)
	}
	for _, k := range []string{"sha256", "md5", "sha1", "phash", "dhash", "ahash", "size"} {
		if _, ok := p[k]; !ok {
			t.Errorf("photo line lacks %q", k)
		}
	}
	dih, _ := p["pdq_dihedral"].(map[string]any)
	if len(dih) != 8 || dih["orig"] != bridgePDQ || dih["rot90"] != "f0a10efd51c83d429053d48d0fffbc52e34e0e17ada956a9d29685211ea9e58f" {
		t.Errorf("pdq_dihedral: %v", dih)
	}
	f := lines[1]
	if f["content_type"] != "file" || f["md5"] == nil || f["pdq"] != nil || f["error"] != nil {
		t.Errorf("file line: %v", f)
	}
}

func TestHashFailuresDoNotStopOthers(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(fixtures.Path(bridgeJPEG))
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "cut.jpg")
	if err := os.WriteFile(truncated, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.png")
	code, out, _ := runCLI(t, "", "hash", "--json", missing, truncated, fixtures.Path(bridgeJPEG))
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	lines := decodeLines(t, out)
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	errCode := func(m map[string]any) any {
		e, _ := m["error"].(map[string]any)
		return e["code"]
	}
	if errCode(lines[0]) != "not_found" {
		t.Errorf("missing file: %v", lines[0])
	}
	if c := errCode(lines[1]); (c != "truncated" && c != "corrupt") || lines[1]["sha256"] == nil {
		t.Errorf("truncated file: %v", lines[1])
	}
	if lines[2]["pdq"] != bridgePDQ || lines[2]["error"] != nil {
		t.Errorf("good file after failures: %v", lines[2])
	}
}

func TestHashStdinAndText(t *testing.T) {
	code, out, _ := runCLI(t, "", "hash", "--signals", "md5,sha256", "-")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	const emptyMD5 = "md5=d41d8cd98f00b204e9800998ecf8427e"
	if !strings.HasPrefix(out, "-  file 0 bytes") || !strings.Contains(out, emptyMD5) || strings.Contains(out, "sha1=") {
		t.Errorf("text output: %q", out)
	}
	// Flags may follow the files.
	code, out, _ = runCLI(t, "abc", "hash", "-", "--signals", "sha1", "--json")
	if code != 0 || !strings.Contains(out, `"sha1":"a9993e364706816aba3e25717850c26c9cd0d89d"`) {
		t.Errorf("exit %d, %q", code, out)
	}
}

func TestHashDecodeFast(t *testing.T) {
	large := filepath.Join(t.TempDir(), "large.jpg")
	if err := os.WriteFile(large, fixtures.LargeJPEG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	_, out, _ := runCLI(t, "", "hash", "--json", "--signals", "pdq", large)
	exactPDQ := decodeLines(t, out)[0]["pdq"]
	code, out, errOut := runCLI(t, "", "hash", "--json", "--decode", "fast", "--signals", "pdq", large)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	p := decodeLines(t, out)[0]
	if p["width"] != 3200.0 || p["height"] != 2008.0 {
		t.Errorf("size: %v", p)
	}
	if !strings.HasPrefix(media.JPEGDecoder(), "libjpeg-turbo") {
		if p["decoded_width"] != nil || p["pdq"] != exactPDQ {
			t.Errorf("pure-Go fast decoding is not exact: %v", p)
		}
		return
	}
	if p["decoded_width"] != 1600.0 || p["decoded_height"] != 1004.0 || p["pdq"] == exactPDQ {
		t.Errorf("fast decoding: %v (exact pdq %v)", p, exactPDQ)
	}
	t.Setenv("HERKEN_DECODE", "fast")
	_, out, _ = runCLI(t, "", "hash", "--json", "--signals", "pdq", large)
	if decodeLines(t, out)[0]["decoded_width"] != 1600.0 {
		t.Errorf("HERKEN_DECODE=fast is ignored: %s", out)
	}
}

func TestUsageErrors(t *testing.T) {
	f := func(want int, args ...string) {
		t.Helper()
		if code, _, errOut := runCLI(t, "", args...); code != want {
			t.Errorf("herken %v: exit %d, want %d (%s)", args, code, want, errOut)
		}
	}
	f(2)
	f(0, "help")
	f(2, "frobnicate")
	f(2, "hash")
	f(2, "hash", "--signals", "sha384", "x")
	f(2, "hash", "--workers", "0", "x")
	f(2, "hash", "--no-such-flag", "x")
	for _, cmd := range [][]string{{"hash", "x"}, {"match", "x"}, {"prescreen", "--filter", "f", "x"}} {
		args := append([]string{cmd[0], "--decode", "quick"}, cmd[1:]...)
		if code, _, errOut := runCLI(t, "", args...); code != 2 || !strings.Contains(errOut, `--decode: unknown decode mode "quick"`) {
			t.Errorf("herken %v: exit %d %q", args, code, errOut)
		}
	}
	f(0, "hash", "-h")
	f(0, "version")
}

// TestBinary builds the real binary and runs it, as a user would.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: runs without -short")
	}
	bin := buildBinary(t)
	out, err := exec.Command(bin, "hash", "--json", fixtures.Path(bridgeJPEG)).Output()
	if err != nil {
		t.Fatalf("herken hash: %v", err)
	}
	if l := decodeLines(t, string(out)); l[0]["pdq"] != bridgePDQ {
		t.Errorf("binary printed %s", out)
	}
	cmd := exec.Command(bin, "hash", filepath.Join(t.TempDir(), "nope"))
	if err := cmd.Run(); cmd.ProcessState.ExitCode() != 1 {
		t.Errorf("missing file: exit %d (%v), want 1", cmd.ProcessState.ExitCode(), err)
	}
	out, err = exec.Command(bin, "version").Output()
	if err != nil || !strings.Contains(string(out), "jpeg decoder:") {
		t.Errorf("version: %v %s", err, out)
	}
}

// testTags are the build tags of this test binary, for building herken
// with the same JPEG decoder.
func testTags() string {
	if strings.HasPrefix(media.JPEGDecoder(), "libjpeg-turbo") {
		return "turbojpeg"
	}
	return ""
}
