package index

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/atkm/herken/matcher/signals"
)

// filesContain reports whether any file of the store holds b.
func filesContain(t *testing.T, dir string, b []byte) bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil && bytes.Contains(data, b) {
			return true
		}
	}
	return false
}

// TestAuditRetention: records older than the retention period are removed
// from disk by the engine itself; younger ones stay. A fake clock stands in
// for a year.
func TestAuditRetention(t *testing.T) {
	now := time.Date(2026, 1, 10, 12, 30, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	dir := filepath.Join(t.TempDir(), "d")
	opts := Options{Create: true, NoSync: true, Now: clock, AuditRetention: 30 * 24 * time.Hour}
	d, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	s := d.AuditLog()
	md5, _ := signals.Parse(signals.MD5, "d41d8cd98f00b204e9800998ecf8427e")
	s.Record(AuditRecord{KeyID: "aaaaaaaaaaaa", Role: "crawler", Action: "match_url", Status: 200,
		URL: "https://old.example/secret-marker-1", Signals: []signals.Signal{md5}, Decision: "no_match"})
	now = now.Add(20 * 24 * time.Hour)
	s.Record(AuditRecord{KeyID: "bbbbbbbbbbbb", Role: "analyst", Action: "match_url", Status: 200,
		URL: "https://new.example/secret-marker-2", Decision: "match", Matched: []uint64{7}})
	d.Close() // flushes the log and the memtables
	if !filesContain(t, dir, []byte("secret-marker-1")) || !filesContain(t, dir, []byte("secret-marker-2")) {
		t.Fatal("the audit records are not on disk")
	}

	opts.Create = false
	d, err = Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	s = d.AuditLog()
	recs, err := s.Query(AuditQuery{})
	if err != nil || len(recs) != 2 || recs[0].URL != "https://old.example/secret-marker-1" || recs[1].Matched[0] != 7 {
		t.Fatalf("audit log: %v %+v", err, recs)
	}
	if recs, _ := s.Query(AuditQuery{KeyID: "bbbbbbbbbbbb"}); len(recs) != 1 {
		t.Errorf("by key: %+v", recs)
	}
	if recs, _ := s.Query(AuditQuery{Since: now.Add(-time.Hour)}); len(recs) != 1 {
		t.Errorf("since: %+v", recs)
	}

	// 31 days after the first record: it is past the 30-day retention.
	now = now.Add(11 * 24 * time.Hour)
	if err := s.Expire(); err != nil {
		t.Fatal(err)
	}
	recs, _ = s.Query(AuditQuery{})
	if len(recs) != 1 || recs[0].KeyID != "bbbbbbbbbbbb" {
		t.Fatalf("after expiry: %+v", recs)
	}
	d.Close()
	if filesContain(t, dir, []byte("secret-marker-1")) {
		t.Error("an expired audit record is still on disk")
	}
	if !filesContain(t, dir, []byte("secret-marker-2")) {
		t.Error("a record within the retention period was removed")
	}

	if _, err := Open(dir, Options{AuditRetention: 400 * 24 * time.Hour}); err == nil {
		t.Error("a retention longer than a year was accepted")
	}
}
