package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/index"
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

// TestServeSync: herken serve --sync-config syncs each source at start
// (and then on its interval) and stops with the server; a source whose
// bank does not exist stops serve from starting, naming it.
func TestServeSync(t *testing.T) {
	data := newDataDir(t)
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("..", "..", "ingest", "hashlist", "testdata", "tcap_page1.json"))
	if err != nil {
		t.Fatal(err)
	}
	listPath, cfgPath, badPath := filepath.Join(dir, "tcap.json"), filepath.Join(dir, "ok.json"), filepath.Join(dir, "bad.json")
	os.WriteFile(listPath, b, 0o600)
	os.WriteFile(cfgPath, []byte(`{"sources":[{"name":"tat","bank":"demo","kind":"tcap","url":"`+listPath+`","interval":"1h"}]}`), 0o600)
	os.WriteFile(badPath, []byte(`{"sources":[{"name":"tat","bank":"nope","kind":"tcap","url":"`+listPath+`"}]}`), 0o600)
	s, err := openStore(data)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := startSync(context.Background(), badPath, s.Content(), nil, log); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("a source of a missing bank: %v", err)
	}
	stop, err := startSync(context.Background(), cfgPath, s.Content(), nil, log)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := s.Content().SourceState("tat")
		if err != nil {
			t.Fatal(err)
		}
		if st.Checkpoint == "1704901040.25555,2822" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the scheduled sync did not run")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	items, err := s.Content().Items(index.ItemFilter{Bank: "demo"})
	if err != nil || len(items) != 4 || items[0].AddedBy != "sync:tat" {
		t.Fatalf("after the scheduled sync: %d items, %v", len(items), err)
	}
}
