package cluster

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher/signals"
)

// TestAppendAuditRecordIsEncodingJSON checks the hand-written encoder
// against encoding/json byte for byte, on records with every field, none,
// and strings that need escaping.
func TestAppendAuditRecordIsEncodingJSON(t *testing.T) {
	pdq, err := signals.Parse(signals.PDQ, "f8f8f0cee0f4a84f06370a32038f67f0b36e2ed596623e1d33e6339c4e9c9b22")
	if err != nil {
		t.Fatal(err)
	}
	md5, err := signals.Parse(signals.MD5, "0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 29, 20, 1, 2, 345600000, time.UTC)
	records := []index.AuditRecord{
		{},
		{Time: at, Action: "lookup", Status: 200, Decision: "no_match"},
		{Time: at.In(time.FixedZone("x", 3600)), KeyID: "abcdefghijkl", Role: "crawler", Action: "lookup", Status: 200,
			Signals: []signals.Signal{pdq, md5}, URL: "https://example.org/a?b=<c>&d=\"e\"\\", Decision: "match",
			Matched: []uint64{1, 18446744073709551615}, Detail: "tab\there\nnew \x01 \u2028 \u2029 é 日本 \xff end",
			Shadow: []uint64{3}, Suppressed: []uint64{4, 5}, Quarantined: []uint64{6}, Verdict: "false_positive"},
	}
	for i, r := range records {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendAuditRecord([]byte("prefix"), &r)
		if !ok || !bytes.Equal(got, append(append([]byte("prefix"), want...), '\n')) {
			t.Errorf("record %d:\n got %s\nwant %s", i, got, want)
		}
	}
	bad := index.AuditRecord{Signals: []signals.Signal{{}}}
	if _, err := json.Marshal(bad); err == nil {
		t.Fatal("encoding/json encodes a signal of no type")
	}
	if _, ok := appendAuditRecord(nil, &bad); ok {
		t.Error("a signal of no type encoded")
	}
}

// BenchmarkAuditRecordEncoding compares the two encoders on a lookup's
// record.
func BenchmarkAuditRecordEncoding(b *testing.B) {
	md5, _ := signals.Parse(signals.MD5, "0123456789abcdef0123456789abcdef")
	r := index.AuditRecord{Time: time.Now().UTC(), KeyID: "abcdefghijkl", Role: "crawler", Action: "lookup", Status: 200,
		Signals: []signals.Signal{md5}, Decision: "match", Matched: []uint64{12345}}
	b.Run("encoding/json", func(b *testing.B) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for b.Loop() {
			buf.Reset()
			_ = enc.Encode(r)
		}
	})
	b.Run("append", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf, _ = appendAuditRecord(buf[:0], &r)
		}
	})
}
