package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/service"
)

// clusterAccess is a replica's API keys and audit log in the cluster: the
// key bucket it authenticates from, the audit stream it appends to.
type clusterAccess struct {
	keys  *cluster.Keys
	audit *cluster.Audit
}

// startClusterAccess loads the cluster's keys and opens its audit stream
// with retention as its maximum age. The replica's own audit log (local)
// gets every record as well: its statistics are counted from it.
func startClusterAccess(ctx context.Context, cl *cluster.Cluster, local *index.AuditLog, retention time.Duration, log *slog.Logger) (*clusterAccess, error) {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	keys, err := cl.Keys(ctx)
	if err != nil {
		return nil, err
	}
	audit, err := cl.Audit(ctx, cluster.AuditOptions{Retention: retention, Local: local})
	if err != nil {
		keys.Close()
		return nil, err
	}
	log.Info("cluster access", "keys_bucket", cluster.KeysBucket, "keys", len(keys.List()),
		"audit_stream", cluster.AuditStreamName, "audit_retention", retention.String())
	return &clusterAccess{keys: keys, audit: audit}, nil
}

// stop sends the audit records still held (for a few seconds at most)
// and stops watching the keys.
func (a *clusterAccess) stop() {
	a.audit.Close(5 * time.Second)
	a.keys.Close()
}

// openKeyStore opens the keys of the data folder, or with --cluster the
// cluster's key bucket (no data folder then). done closes it.
func openKeyStore(ctx context.Context, data, clusterList string, dataGiven bool) (service.KeyStore, func(), error) {
	if clusterList == "" {
		s, err := openStore(data)
		if err != nil {
			return nil, nil, err
		}
		return s.APIKeys(), func() { s.Close() }, nil
	}
	if dataGiven {
		return nil, nil, usagef("the keys of a cluster are in the cluster: give --cluster or --data, not both")
	}
	cl, err := connectCluster(ctx, clusterList, nil)
	if err != nil {
		return nil, nil, err
	}
	lctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	keys, err := cl.Keys(lctx)
	if err != nil {
		cl.Close()
		return nil, nil, err
	}
	return keys, func() { keys.Close(); cl.Close() }, nil
}

// readClusterAudit reads the cluster's audit stream.
func readClusterAudit(ctx context.Context, list string, q index.AuditQuery) ([]index.AuditRecord, error) {
	cl, err := connectCluster(ctx, list, nil)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	return cl.QueryAudit(ctx, q)
}
