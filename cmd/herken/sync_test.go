package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSyncFromFile: herken sync reads a source's TCAP export from a file
// (the two recorded-shape pages of ingest/hashlist/testdata), adds its
// entries and retracts the one it withdrew; a second run changes nothing;
// an unknown source is a usage error naming the configured ones.
func TestSyncFromFile(t *testing.T) {
	data := newDataDir(t)
	dir := t.TempDir()
	var list []byte
	for _, p := range []string{"tcap_page1.json", "tcap_page2.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "ingest", "hashlist", "testdata", p))
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, b...)
	}
	listPath := filepath.Join(dir, "tcap.json")
	cfgPath := filepath.Join(dir, "sources.json")
	if err := os.WriteFile(listPath, list, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `{"sources":[{"name":"tat","bank":"demo","kind":"tcap","url":"file://` + listPath + `","interval":"24h"}]}`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "sync", "--data", data, "--config", cfgPath, "tat")
	if code != 0 || !strings.Contains(out, "4 added") || !strings.Contains(out, "1 withdrawn") || !strings.Contains(out, `unknown signal type "TMK"`) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", "sync", "--data", data, "--config", cfgPath, "tat")
	if code != 0 || !strings.Contains(out, "0 pages, 0 entries read") {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "", "item", "show", "1", "--data", data); code != 0 || !strings.Contains(out, "withdrawn by tat on 2024-01-23") {
		t.Fatalf("retracted items: %s", out)
	}
	code, _, errOut = runCLI(t, "", "sync", "--data", data, "--config", cfgPath, "nope")
	if code != 2 || !strings.Contains(errOut, `no source "nope"`) || !strings.Contains(errOut, "tat") {
		t.Fatalf("unknown source: exit %d %s", code, errOut)
	}
}
