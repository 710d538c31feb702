package index

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/atkm/herken/matcher/signals"
	"github.com/dgraph-io/badger/v4"
)

// AuditRecord is one audited request (or batch line): who asked, what,
// with which hashes, and what herken decided. It never holds the content
// or the key itself. KeyID and URL are personal data; the whole record is
// removed from disk after the retention period.
type AuditRecord struct {
	Time     time.Time        `json:"time"`
	KeyID    string           `json:"key_id,omitempty"`
	Role     string           `json:"role,omitempty"`
	Action   string           `json:"action"`
	Status   int              `json:"status"`
	Signals  []signals.Signal `json:"signals,omitempty"`
	URL      string           `json:"url,omitempty"`
	Decision string           `json:"decision"` // match, no_match, error, or done for admin actions
	Matched  []uint64         `json:"matched_items,omitempty"`
	Detail   string           `json:"detail,omitempty"`
	// The items whose matches the safeguards held back, by why: a shadow
	// bank's, suppressed by an allow-list, quarantined for a flood. Kept
	// apart from Matched so that statistics count them.
	Shadow      []uint64 `json:"shadow_items,omitempty"`
	Suppressed  []uint64 `json:"suppressed_items,omitempty"`
	Quarantined []uint64 `json:"quarantined_items,omitempty"`
	// Verdict is an analyst's verdict on a match (confirmed,
	// false_positive), for item_feedback.
	Verdict string `json:"verdict,omitempty"`
}

// DefaultAuditRetention is the longest the audit log may keep personal
// data: one year after it was processed (Dutch implementing act, art.
// 6(3)). A shorter period can be configured, a longer one cannot.
const DefaultAuditRetention = 365 * 24 * time.Hour

var prefixAudit = []byte("a/")

// auditHourLen is the length of an audit key's hour prefix,
// "a/2026112208/": records are kept in hourly segments so that expired
// hours can be dropped from disk as a whole.
const auditHourLen = 2 + 10 + 1

func auditHourPrefix(t time.Time) []byte {
	return append(append([]byte{}, prefixAudit...), t.UTC().Format("2006010215")+"/"...)
}

// AuditLog is the record of requests: it batches records into the
// index's database in the background, so that auditing costs a request no
// disk write of its own, removes them after the retention period, and
// answers queries. Its records are not known content: writing them does
// not move the index version.
//
// AuditLog may be used from concurrent goroutines: Record only appends to
// a queue under a mutex; one goroutine of its own writes the queue out.
type AuditLog struct {
	*base
	mu      sync.Mutex // guards pending
	pending []AuditRecord
	seq     uint32 // the writer goroutine's alone
	wake    chan struct{}
	done    chan struct{}
	stopped chan struct{}
}

func newAuditLog(b *base) *AuditLog {
	return &AuditLog{base: b, wake: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{})}
}

// Record queues r. It returns at once; records reach the disk within a
// fraction of a second (at DB.Close at the latest). Time is set by the
// index's clock when zero.
func (a *AuditLog) Record(r AuditRecord) {
	if r.Time.IsZero() {
		r.Time = a.opts.Now().UTC()
	}
	a.mu.Lock()
	a.pending = append(a.pending, r)
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *AuditLog) start() { go a.loop() }

func (a *AuditLog) loop() {
	defer close(a.stopped)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	expire := time.NewTicker(10 * time.Minute)
	defer expire.Stop()
	for {
		select {
		case <-a.done:
			a.flush()
			return
		case <-expire.C:
			if err := a.Expire(); err != nil {
				a.log.Error("index: expiring the audit log", "err", err)
			}
		case <-tick.C:
		case <-a.wake:
			time.Sleep(50 * time.Millisecond) // gather a batch
		}
		a.flush()
	}
}

func (a *AuditLog) flush() {
	a.mu.Lock()
	batch := a.pending
	a.pending = nil
	a.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	wb := a.db.NewWriteBatch()
	defer wb.Cancel()
	for _, r := range batch {
		a.seq++
		k := binary.BigEndian.AppendUint64(auditHourPrefix(r.Time), uint64(r.Time.UnixNano()))
		k = binary.BigEndian.AppendUint32(k, a.seq)
		v, err := json.Marshal(r)
		if err == nil {
			err = wb.Set(k, v)
		}
		if err != nil {
			a.log.Error("index: writing the audit log", "err", err)
			return
		}
	}
	if err := wb.Flush(); err != nil {
		a.log.Error("index: writing the audit log", "err", err)
	}
}

// stop writes out what is queued and ends the writer.
func (a *AuditLog) stop() {
	close(a.done)
	<-a.stopped
}

// Expire removes from disk every audit record older than the retention
// period, whole hours at a time, so that no record outlives it by more
// than an hour, after reducing every complete hour to its statistics.
// The log runs it every ten minutes by itself.
func (a *AuditLog) Expire() error {
	// Complete hours are reduced to their statistics first (stats.go),
	// so that the counts outlive the records; an hour is reduced once it
	// ended a few minutes ago, when its last records are surely written.
	if err := a.aggregateHours(auditHourPrefix(a.opts.Now().Add(-5 * time.Minute))); err != nil {
		return err
	}
	cutoff := auditHourPrefix(a.opts.Now().Add(-a.opts.AuditRetention))
	var expired [][]byte
	err := a.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: prefixAudit})
		defer it.Close()
		for it.Rewind(); it.Valid(); {
			k := it.Item().Key()
			if len(k) < auditHourLen {
				return fmt.Errorf("%w: malformed audit key %q", ErrInconsistent, k)
			}
			hour := append([]byte{}, k[:auditHourLen]...)
			if bytes.Compare(hour, cutoff) >= 0 {
				break
			}
			expired = append(expired, hour)
			it.Seek(append(append([]byte{}, hour...), 0xff))
		}
		return nil
	})
	if err != nil || len(expired) == 0 {
		return err
	}
	// DropPrefix rewrites the tables without these keys: the records are
	// gone from disk, not merely marked deleted.
	if err := a.db.DropPrefix(expired...); err != nil {
		return fmt.Errorf("index: dropping expired audit records: %w", err)
	}
	a.log.Info("index: expired audit records", "hours", len(expired))
	return nil
}

// AuditQuery selects audit records.
type AuditQuery struct {
	Since, Until time.Time // zero: no bound
	KeyID        string
	Action       string
	Limit        int // default 100, at most 10000
}

// Query returns the records matching q, oldest first. Records written in
// the last fraction of a second may not be visible yet.
func (a *AuditLog) Query(q AuditQuery) ([]AuditRecord, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	q.Limit = min(q.Limit, 10000)
	out := []AuditRecord{}
	err := a.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100, Prefix: prefixAudit})
		defer it.Close()
		start := prefixAudit
		if !q.Since.IsZero() {
			start = auditHourPrefix(q.Since)
		}
		for it.Seek(start); it.Valid() && len(out) < q.Limit; it.Next() {
			var r AuditRecord
			if err := it.Item().Value(func(v []byte) error { return decodeJSON(v, &r) }); err != nil {
				return err
			}
			switch {
			case !q.Since.IsZero() && r.Time.Before(q.Since):
				continue
			case !q.Until.IsZero() && !r.Time.Before(q.Until):
				return nil
			case q.KeyID != "" && r.KeyID != q.KeyID, q.Action != "" && r.Action != q.Action:
				continue
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}
