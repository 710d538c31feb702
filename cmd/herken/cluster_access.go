package main

import (
	"context"
	"log/slog"
	"path/filepath"
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

// keysCopyFile is the file in a replica's data folder that keeps its last
// copy of the cluster's keys (hashed secrets only, as in the bucket).
const keysCopyFile = "cluster-keys.json"

// accessWait bounds how long a replica waits for the key bucket and the
// audit stream at its start; past it, a replica cut off from NATS serves
// from its last copy of the keys and holds its audit records.
const accessWait = 10 * time.Second

// startClusterAccess loads the cluster's keys and opens its audit stream
// with retention as its maximum age. The replica's own audit log (local)
// gets every record as well: its statistics are counted from it.
func startClusterAccess(ctx context.Context, cl *cluster.Cluster, data string, local *index.AuditLog, retention time.Duration, log *slog.Logger) (*clusterAccess, error) {
	ctx, cancel := context.WithTimeout(ctx, accessWait)
	defer cancel()
	keys, err := cl.Keys(ctx, cluster.KeysOptions{Copy: filepath.Join(data, keysCopyFile)})
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
	keys, err := cl.Keys(lctx, cluster.KeysOptions{})
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
