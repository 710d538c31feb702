package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/sync"
)

const syncUsage = `--config FILE [--json] SOURCE

Fetches the partner list SOURCE names in the sources file (a file or an
https URL), from the checkpoint the index stored at its last sync, into the
source's bank: adds what is new, retracts what the source withdrew
("withdrawn by SOURCE on DATE"), reactivates what the source re-adds after
its own withdrawal, and leaves what an analyst retracted retracted.
Interrupted, it resumes at the last page it applied whole. Credentials are
read from the environment variables the sources file names.

The sources file is JSON:

  {"sources": [{"name": "tcap", "bank": "tcap", "kind": "tcap",
    "url": "https://app.terrorismanalytics.org/api/hash-list/v2/all",
    "interval": "6h", "username_env": "TCAP_USER", "password_env": "TCAP_PASSWORD",
    "category_map": {"ideology=far-right": ["incitement"]}}]}

kind: tcap, pytx, ndjson, csv, lines or vpdq; token_env names a bearer
token's variable instead of a TCAP account. herken serve --sync-config FILE
syncs every source on its interval.`

func runSync(ctx context.Context, args []string, io *stdio) error {
	fs := newFlagSet("sync", syncUsage, io)
	data := dataFlag(fs)
	config := fs.String("config", envDefault("sync-config", ""), "the sources file (required)")
	asJSON := fs.Bool("json", false, "write the result as JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *config == "" || len(rest) != 1 {
		fs.Usage()
		return usagef("sync needs --config and one source name")
	}
	cfg, err := sync.LoadConfig(*config)
	if err != nil {
		return err
	}
	src, err := cfg.Source(rest[0])
	if err != nil {
		return usagef("%v", err)
	}
	s, err := openStore(*data)
	if err != nil {
		return err
	}
	defer s.Close()
	sy := &sync.Syncer{Store: s.Content()}
	if !*asJSON {
		sy.Progress = func(r sync.Result) {
			fmt.Fprintf(io.err, "page %d applied, checkpoint %q\n", r.Pages, r.Checkpoint)
		}
	}
	res, err := sy.Run(ctx, src)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(io.out, res)
	}
	fmt.Fprintf(io.out, "%s: %d pages, %d entries read: %d added, %d already present, %d withdrawn (%d not held), %d re-added, %d kept retracted by an analyst, %d rejected\n",
		res.Source, res.Pages, res.Read, res.Added, res.Present, res.Withdrawn, res.WithdrawnUnknown, res.Reactivated, res.KeptRetracted, len(res.Rejected))
	for i, r := range res.Rejected {
		if i == 50 {
			fmt.Fprintf(io.out, "... and %d more (use --json for all)\n", len(res.Rejected)-50)
			break
		}
		fmt.Fprintf(io.out, "rejected: page %d entry %d: %s\n", r.Page, r.Entry, r.Reason)
	}
	if res.Checkpoint != "" {
		fmt.Fprintf(io.out, "checkpoint: %s\n", res.Checkpoint)
	}
	return nil
}

// startSync runs the sources file's sources on their intervals until the
// returned stop is called; stop waits for runs in progress to end, so the
// index may be closed after it.
func startSync(ctx context.Context, path string, store *index.Content, writes sync.Writes, log *slog.Logger) (stop func(), err error) {
	return startSyncUnder(ctx, path, store, writes, nil, log, nil)
}

// startSyncUnder is startSync whose schedule runs only while once lets
// it: on a cluster replica, while it holds the lease "sync", so that one
// replica of the cluster syncs (nil: always).
func startSyncUnder(ctx context.Context, path string, store *index.Content, writes sync.Writes, cl *cluster.Cluster, log *slog.Logger,
	once func(ctx context.Context, name string, work func(context.Context))) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	cfg, err := sync.LoadConfig(path)
	if err != nil {
		return nil, err
	}
	for _, src := range cfg.Sources {
		if _, err := store.Bank(src.Bank); err != nil {
			return nil, fmt.Errorf("--sync-config: source %s: %w", src.Name, err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sy := &sync.Syncer{Store: store, Writes: writes}
		if cl != nil {
			// The checkpoints are the cluster's: the replica that takes
			// the lease over resumes from them.
			sy.States = cl.SourceStates()
		}
		schedule := func(ctx context.Context) { sy.Schedule(ctx, cfg, log) }
		if once == nil {
			schedule(ctx)
			return
		}
		once(ctx, "sync", schedule)
	}()
	log.Info("syncing sources", "config", path, "sources", len(cfg.Sources))
	return func() { cancel(); <-done }, nil
}
