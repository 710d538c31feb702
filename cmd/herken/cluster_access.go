package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/service"
)

// clusterAccess is a replica's API keys, audit log and statistics in the
// cluster: the key bucket it authenticates from, the audit stream it
// appends to, the statistics bucket it publishes its hours to.
type clusterAccess struct {
	keys  *cluster.Keys
	audit *cluster.Audit
	stats *cluster.Stats
}

// keysCopyFile is the file in a replica's data folder that keeps its last
// copy of the cluster's keys (hashed secrets only, as in the bucket).
const keysCopyFile = "cluster-keys.json"

// accessWait bounds how long a replica waits for the key bucket and the
// audit stream at its start; past it, a replica cut off from NATS serves
// from its last copy of the keys and holds its audit records.
const accessWait = 10 * time.Second

// startClusterAccess loads the cluster's keys and opens its audit stream
// with retention as its maximum age. The replica's own audit log gets
// every record as well: its statistics are counted from it, published
// for the other replicas, and its reports add theirs.
func startClusterAccess(ctx context.Context, cl *cluster.Cluster, data string, store *index.DB, retention, statsEvery time.Duration, log *slog.Logger) (*clusterAccess, error) {
	ctx, cancel := context.WithTimeout(ctx, accessWait)
	defer cancel()
	node, err := nodeID(data)
	if err != nil {
		return nil, err
	}
	keys, err := cl.Keys(ctx, cluster.KeysOptions{Copy: filepath.Join(data, keysCopyFile)})
	if err != nil {
		return nil, err
	}
	audit, err := cl.Audit(ctx, cluster.AuditOptions{Retention: retention, Local: store.AuditLog()})
	if err != nil {
		keys.Close()
		return nil, err
	}
	stats, err := cl.Stats(store.AuditLog(), cluster.StatsOptions{Node: node, Interval: statsEvery})
	if err != nil {
		audit.Close(time.Second)
		keys.Close()
		return nil, err
	}
	store.CountPeers(stats.Peers)
	log.Info("cluster access", "keys_bucket", cluster.KeysBucket, "keys", len(keys.List()),
		"audit_stream", cluster.AuditStreamName, "audit_retention", retention.String())
	return &clusterAccess{keys: keys, audit: audit, stats: stats}, nil
}

// statsFlag adds --cluster-stats-interval: how often a replica publishes
// the hours its statistics changed in, the most the other replicas' hour
// in progress lags in a report.
func statsFlag(fs *flag.FlagSet) *time.Duration {
	def := cluster.DefaultStatsInterval
	if v, err := time.ParseDuration(envDefault("cluster-stats-interval", "")); err == nil && v > 0 {
		def = v
	}
	return fs.Duration("cluster-stats-interval", def, "on a cluster replica, how often it publishes its statistics' hours in progress for the other replicas' reports (env HERKEN_CLUSTER_STATS_INTERVAL)")
}

// nodeIDFile keeps the name a replica publishes its statistics under: it
// goes with the folder, whose audit log they are counted from, so that a
// restarted replica publishes the same keys again rather than count its
// hours twice.
const nodeIDFile = "cluster-node-id"

// nodeID reads the folder's node name, or makes one.
func nodeID(data string) (string, error) {
	path := filepath.Join(data, nodeIDFile)
	b, err := os.ReadFile(path)
	if err == nil {
		id := strings.TrimSpace(string(b))
		if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
			return "", fmt.Errorf("%s: %q is not a node id (16 hex digits); remove the file to make a new one", path, id)
		}
		return id, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	id := hex.EncodeToString(r[:])
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("keeping the replica's node id: %w", err)
	}
	return id, nil
}

// stop sends the audit records still held (for a few seconds at most)
// and stops watching the keys.
func (a *clusterAccess) stop() {
	a.stats.Close()
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
