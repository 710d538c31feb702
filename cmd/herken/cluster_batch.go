package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"runtime"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/ingest/service"
)

// noSpreadFlag adds --no-spread.
func noSpreadFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("no-spread", envBool("no-spread"),
		"with --cluster: answer this replica's batches here only, never sending the lines its workers have no room for to other replicas (its worker still answers theirs)")
}

// startBatchWork makes this replica a worker of the cluster's batches
// and, with spread, lets its own batches overflow to the other replicas
// (URL and hash lines only; content stays here). The replica is named
// by its host and listen address in the answers. stop ends the worker;
// lines it holds go to another worker.
func startBatchWork(cl *cluster.Cluster, svc *service.Service, listen string, spread bool, workers int, log *slog.Logger) (stop func()) {
	host, _ := os.Hostname()
	q := cl.WorkQueue(cluster.WorkOptions{Replica: host + "/" + listen})
	if spread {
		svc.SpreadBatches(q, service.SpreadOptions{})
	}
	if workers <= 0 {
		workers = 2 * runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := svc.WorkBatches(ctx, q, workers); err != nil {
			log.Error("cluster: batch worker stopped", "err", err)
		}
	}()
	return func() { cancel(); <-done; q.Close() }
}
