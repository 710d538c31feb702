package service

import (
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/index"
)

// KeyStore holds the API keys the service checks and administers: the
// index's own on a single node (index.APIKeys), the cluster's replicated
// bucket on a replica (cluster.Keys). Its errors are index.APIKeys's
// (ErrKeyMalformed, ErrKeyUnknown, ErrKeyRevoked, ErrKeyExpired,
// ErrKeyNotFound); a replica cut off from the cluster refuses changes
// with cluster.ErrUnavailable.
type KeyStore interface {
	Authenticate(key string) (index.APIKey, error)
	Create(name string, role index.Role, expires *time.Time, by string) (index.APIKey, string, error)
	List() []index.APIKey
	Revoke(id, by string) (index.APIKey, error)
}

// AuditLog records the audited requests and answers GET /v1/audit: the
// index's own on a single node (index.AuditLog), the cluster's stream on
// a replica (cluster.Audit). Record must not block the request.
type AuditLog interface {
	Record(index.AuditRecord)
	Query(index.AuditQuery) ([]index.AuditRecord, error)
}

var (
	_ KeyStore = (*index.APIKeys)(nil)
	_ KeyStore = (*cluster.Keys)(nil)
	_ AuditLog = (*index.AuditLog)(nil)
	_ AuditLog = (*cluster.Audit)(nil)
)

// auditBuffer is an audit log that holds records before it can write
// them (cluster.Audit): /metrics shows how many wait and how many were
// dropped.
type auditBuffer interface {
	Pending() int
	Dropped() uint64
}

// auditMetrics adds an audit buffer's gauges to /metrics, if log has one.
func (m *metrics) auditMetrics(log AuditLog) {
	b, ok := log.(auditBuffer)
	if !ok {
		return
	}
	m.set.NewGauge("herken_audit_records_pending", func() float64 { return float64(b.Pending()) })
	m.set.NewGauge("herken_audit_records_dropped", func() float64 { return float64(b.Dropped()) })
}
