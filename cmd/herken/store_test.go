package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/ingest/importer"
)

// newDataDir runs herken init and herken bank create, as a user would.
func newDataDir(t *testing.T) string {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	if code, _, errOut := runCLI(t, "", "init", "--data", data); code != 0 {
		t.Fatalf("init: %s", errOut)
	}
	if code, _, errOut := runCLI(t, "", "bank", "create", "demo", "--data", data, "--category", "incitement",
		"--source", "tests", "--threshold", "pdq=31"); code != 0 {
		t.Fatalf("bank create: %s", errOut)
	}
	return data
}

func TestCommandsNeedAnInitialisedStore(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo")
	for _, args := range [][]string{
		{"match", "--data", missing, "--signal", "md5:d41d8cd98f00b204e9800998ecf8427e"},
		{"bank", "list", "--data", missing},
		{"import", "--data", missing, "--bank", "x", "list.txt"},
	} {
		code, _, errOut := runCLI(t, "", args...)
		if code != 1 || !strings.Contains(errOut, "not an initialised herken index") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Error("a command created the mistyped data folder")
	}
}

func TestImportMatchRetract(t *testing.T) {
	data := newDataDir(t)
	list := filepath.Join(t.TempDir(), "partner.csv")
	csv := "signal_type,signal_str,reference\n" +
		"pdq," + bridgePDQ + ",RO-2026-001\n" +
		"md5," + abcMD5 + ",RO-2026-002\n" +
		"pdq,not-a-hash,RO-2026-003\n"
	if err := os.WriteFile(list, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "import", "--data", data, "--bank", "demo", "--json", list)
	if code != 0 {
		t.Fatalf("import: exit %d %s", code, errOut)
	}
	var sum importer.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Read != 3 || sum.Added != 2 || len(sum.Rejected) != 1 || sum.Rejected[0].Line != 4 {
		t.Fatalf("summary: %+v", sum)
	}
	// Idempotent: a second import adds nothing.
	_, out, _ = runCLI(t, "", "import", "--data", data, "--bank", "demo", list)
	if !strings.HasPrefix(out, "read 3, added 0, already present 2, rejected 1") {
		t.Errorf("re-import: %q", out)
	}

	// The photo whose PDQ was imported matches, with its evidence.
	photo := fixtures.Path(bridgeJPEG)
	code, out, _ = runCLI(t, "", "match", "--data", data, "--json", photo)
	if code != exitMatched {
		t.Fatalf("match: exit %d, %s", code, out)
	}
	var res struct {
		Result struct {
			Matched bool
			Matches []struct {
				ItemID     uint64 `json:"item_id"`
				Reference  string
				Distance   int
				SignalType string `json:"signal_type"`
			}
			IndexVersion uint64 `json:"index_version"`
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if !res.Result.Matched || len(res.Result.Matches) != 1 || res.Result.Matches[0].Reference != "RO-2026-001" || res.Result.IndexVersion == 0 {
		t.Fatalf("match result: %s", out)
	}
	id := res.Result.Matches[0].ItemID

	// A file that is not known does not match.
	other := fixtures.Path("pdq/debian/derived/t09_astronaut__reencode_q92.jpg")
	if code, out, _ := runCLI(t, "", "match", "--data", data, other); code != 0 || !strings.Contains(out, "no match") {
		t.Errorf("unknown photo: exit %d %q", code, out)
	}

	// Retracted, it no longer matches; re-activated, it does again.
	if code, _, errOut := runCLI(t, "", "item", "retract", itoa(id), "--data", data, "--reason", "complaint upheld"); code != 0 {
		t.Fatalf("retract: %s", errOut)
	}
	if code, _, _ := runCLI(t, "", "match", "--data", data, photo); code != 0 {
		t.Errorf("retracted item still matches (exit %d)", code)
	}
	_, out, _ = runCLI(t, "", "item", "show", itoa(id), "--data", data)
	if !strings.Contains(out, "status:     retracted") || !strings.Contains(out, "complaint upheld") {
		t.Errorf("item show: %q", out)
	}
	if code, _, _ := runCLI(t, "", "item", "retract", itoa(id), "--data", data); code != 2 {
		t.Errorf("retract without --reason: exit %d, want 2", code)
	}
	runCLI(t, "", "item", "reactivate", itoa(id), "--data", data, "--reason", "overturned on appeal")
	if code, _, _ := runCLI(t, "", "match", "--data", data, photo); code != exitMatched {
		t.Errorf("re-activated item does not match (exit %d)", code)
	}
	// By hash alone: the privacy path.
	if code, out, _ := runCLI(t, "", "match", "--data", data, "--signal", "md5:"+abcMD5); code != exitMatched || !strings.Contains(out, "md5: identical") {
		t.Errorf("hash match: exit %d %q", code, out)
	}
}

func TestImportMediaFolderAndBanks(t *testing.T) {
	data := newDataDir(t)
	dir := fixtures.Path("pdq/threatexchange/pdq/data/bridge-mods")
	_, out, errOut := runCLI(t, "", "import", "--data", data, "--bank", "demo", dir)
	if !strings.HasPrefix(out, "read 12, added 12, already present 0, rejected 0") {
		t.Fatalf("media import: %q %s", out, errOut)
	}
	_, out, _ = runCLI(t, "", "item", "list", "--data", data, "--bank", "demo", "--json")
	var items []struct {
		Label      string
		Signals    []json.RawMessage
		PDQQuality *int `json:"pdq_quality"`
	}
	if err := json.Unmarshal([]byte(out), &items); err != nil || len(items) != 12 {
		t.Fatalf("item list: %v, %d items", err, len(items))
	}
	if items[0].Label != "aaa-orig.jpg" || len(items[0].Signals) != 8 /* 4 digests, 4 photo hashes */ || items[0].PDQQuality == nil {
		t.Errorf("first item: %+v", items[0])
	}
	// A disabled bank matches nothing.
	runCLI(t, "", "bank", "disable", "demo", "--data", data)
	if code, _, _ := runCLI(t, "", "match", "--data", data, fixtures.Path(bridgeJPEG)); code != 0 {
		t.Errorf("disabled bank matched (exit %d)", code)
	}
	_, out, _ = runCLI(t, "", "bank", "list", "--data", data)
	if !strings.Contains(out, "demo") || !strings.Contains(out, "false") {
		t.Errorf("bank list: %q", out)
	}
	if code, _, _ := runCLI(t, "", "bank", "create", "demo", "--data", data); code != 1 {
		t.Errorf("duplicate bank: exit %d", code)
	}
	if code, _, _ := runCLI(t, "", "bank", "create", "Bad Name", "--data", data); code != 1 {
		t.Errorf("bad bank name: exit %d", code)
	}
}

// abcMD5 is the MD5 of "abc": a digest of content, for tests that need one.
const abcMD5 = "900150983cd24fb0d6963f7d28e17f72"

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
