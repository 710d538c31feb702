package service

import (
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/importer"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
)

// ContentWriter changes the known content: the index itself on a single
// node (index.Content), the cluster's writer on a replica
// (cluster.Writer), which answers once the change is stored by the
// cluster and applied here.
type ContentWriter interface {
	importer.Store
	CreateBank(matcher.Bank) (uint64, error)
	UpdateBank(name string, fn func(*matcher.Bank) error) (matcher.Bank, error)
	Reactivate(id uint64, reason, by string) (matcher.Item, error)
	Quarantine(id uint64, q known.Quarantine) (matcher.Item, error)
	Release(id uint64, reason, by string) (matcher.Item, error)
}

var (
	_ ContentWriter = (*index.Content)(nil)
	_ ContentWriter = (*cluster.Writer)(nil)
)

// statusAnswer is the answer of GET /v1/status: the index and, on a
// cluster replica, its place in the stream of changes.
type statusAnswer struct {
	index.Status
	Cluster *cluster.Status `json:"cluster,omitempty"`
}

// staleHeader names how long a cut-off replica has not heard from the
// cluster; it is set on every answer while the replica is stale.
const staleHeader = "X-Herken-Stale-Seconds"

// markStale sets staleHeader while the replica is cut off.
func markStale(ctx *fasthttp.RequestCtx, r *cluster.Applier) {
	if since, stale := r.Stale(); stale {
		ctx.Response.Header.Set(staleHeader, strconv.FormatFloat(since.Seconds(), 'f', 1, 64))
	}
}

// replicaMetrics adds a replica's place in the stream to /metrics.
func (m *metrics) replica(r *cluster.Applier) {
	m.set.NewGauge("herken_cluster_applied_seq", func() float64 { return float64(r.Status().AppliedSeq) })
	m.set.NewGauge("herken_cluster_stream_last_seq", func() float64 { return float64(r.Status().StreamLastSeq) })
	m.set.NewGauge("herken_cluster_lag", func() float64 { return float64(r.Status().Lag) })
	m.set.NewGauge("herken_cluster_seconds_since_contact", func() float64 { return r.Status().SecondsSinceContact })
	m.set.NewGauge("herken_cluster_stale", func() float64 {
		if r.Status().Stale {
			return 1
		}
		return 0
	})
}
