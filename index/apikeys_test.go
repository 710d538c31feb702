package index

import (
	"errors"
	"testing"
)

// TestKeyChangesKeepTheIndexVersion: the index version ties a result to
// the known content that produced it, so creating or revoking an API key
// or writing an audit record, none of which changes known content, must
// not move it, before or after a restart.
func TestKeyChangesKeepTheIndexVersion(t *testing.T) {
	d, dir := openNewDB(t)
	mustBank(t, d.Content(), "demo", true)
	before := d.Content().Version()
	rec, key, err := d.APIKeys().Create("crawler one", RoleCrawler, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.APIKeys().Revoke(rec.ID, "test"); err != nil {
		t.Fatal(err)
	}
	d.AuditLog().Record(AuditRecord{Action: "key_revoke", Status: 200, Decision: "done"})
	if got := d.Content().Version(); got != before {
		t.Errorf("index version %d after a key was created and revoked, want %d", got, before)
	}
	if _, err := d.APIKeys().Authenticate(key); !errors.Is(err, ErrKeyRevoked) {
		t.Errorf("revoked key: %v, want ErrKeyRevoked", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := d.Content().Version(); got != before {
		t.Errorf("index version %d after a restart, want %d", got, before)
	}
	if _, err := d.APIKeys().Authenticate(key); !errors.Is(err, ErrKeyRevoked) {
		t.Errorf("revoked key after a restart: %v, want ErrKeyRevoked", err)
	}
	if recs, err := d.AuditLog().Query(AuditQuery{Action: "key_revoke"}); err != nil || len(recs) != 1 {
		t.Errorf("audit records after a restart: %v %+v", err, recs)
	}
}

// TestClosedKeysAndAudit: after Close, key writes fail like content
// writes do.
func TestClosedKeysAndAudit(t *testing.T) {
	d, _ := openNewDB(t)
	d.Close()
	if _, _, err := d.APIKeys().Create("x", RoleAdmin, nil, "test"); !errors.Is(err, ErrClosed) {
		t.Errorf("key created after close: %v", err)
	}
}
