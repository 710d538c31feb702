package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/importer"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
)

// clusterFlag adds --cluster, with the HERKEN_CLUSTER fallback, and the
// flags of the connection's credentials and TLS (clusterAuthFlags).
func clusterFlag(fs *flag.FlagSet) *string {
	list := fs.String("cluster", envDefault("cluster", ""),
		"NATS URLs of a herken cluster, nats://[user:password@]host:port[,...] or tls://... (env HERKEN_CLUSTER): changes go to its stream")
	clusterAuths.add(list, clusterAuthFlags(fs))
	return list
}

// clusterAuthFlags adds the flags of cluster.Auth, each with its HERKEN_
// environment fallback.
func clusterAuthFlags(fs *flag.FlagSet) *cluster.Auth {
	a := &cluster.Auth{}
	fs.StringVar(&a.Creds, "cluster-creds", envDefault("cluster-creds", ""), "NATS credentials file (user JWT and nkey seed) for --cluster (env HERKEN_CLUSTER_CREDS)")
	fs.StringVar(&a.NKey, "cluster-nkey", envDefault("cluster-nkey", ""), "NATS nkey seed file for --cluster (env HERKEN_CLUSTER_NKEY)")
	fs.StringVar(&a.TLSCA, "cluster-tls-ca", envDefault("cluster-tls-ca", ""), "PEM file of the CAs the NATS servers' certificates must chain to (env HERKEN_CLUSTER_TLS_CA)")
	fs.StringVar(&a.TLSCert, "cluster-tls-cert", envDefault("cluster-tls-cert", ""), "client certificate (PEM) for NATS servers that verify clients (env HERKEN_CLUSTER_TLS_CERT)")
	fs.StringVar(&a.TLSKey, "cluster-tls-key", envDefault("cluster-tls-key", ""), "the client certificate's key (PEM) (env HERKEN_CLUSTER_TLS_KEY)")
	return a
}

// clusterAuths finds the credentials and TLS flags given with a --cluster
// value. Commands pass the URL list alone down to where they connect; the
// flags parsed with it are looked up by it here, the latest command's
// first, so that several commands run by one process (tests) keep each
// its own.
var clusterAuths authRegistry

type authRegistry struct {
	mu      sync.Mutex
	entries []authEntry // the latest last
}

type authEntry struct {
	list *string
	auth *cluster.Auth
}

// keep bounds the entries: commands long finished need none.
const keepAuths = 64

func (r *authRegistry) add(list *string, a *cluster.Auth) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, authEntry{list, a})
	if len(r.entries) > keepAuths {
		r.entries = append([]authEntry{}, r.entries[len(r.entries)-keepAuths:]...)
	}
}

// of returns the settings given with the URL list list.
func (r *authRegistry) of(list string) cluster.Auth {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.entries) - 1; i >= 0; i-- {
		if *r.entries[i].list == list {
			return *r.entries[i].auth
		}
	}
	return cluster.Auth{}
}

// clusterOptions are the options of a connection to the cluster at list.
func clusterOptions(list string, log *slog.Logger) cluster.Options {
	return cluster.Options{Name: "herken " + actor(), Logger: log, Auth: clusterAuths.of(list)}
}

// connectTimeout bounds the wait for a NATS cluster electing its leaders.
const connectTimeout = 60 * time.Second

// connectCluster connects to the cluster at list (from --cluster).
func connectCluster(ctx context.Context, list string, log *slog.Logger) (*cluster.Cluster, error) {
	urls, err := cluster.ParseURLs(list)
	if err != nil {
		return nil, usagef("--cluster: %v", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	return cluster.Connect(ctx, urls, clusterOptions(list, log))
}

// replica is this process as a cluster replica: its index follows the
// cluster's stream, and its writes go through the cluster.
type replica struct {
	cl      *cluster.Cluster
	applier *cluster.Applier
	writer  *cluster.Writer
	stop    func()
}

// startReplica makes content a replica of the cluster at list, applying
// the stream until stop is called. It waits (at most catchUp) for the
// changes stored before it started, so that it serves a current index.
func startReplica(ctx context.Context, list string, content *index.Content, log *slog.Logger, catchUp time.Duration) (*replica, error) {
	var cl *cluster.Cluster
	var err error
	if _, ok := content.FollowedLog(); ok {
		// A replica's folder has a state to serve: it serves it at once,
		// stale while the cluster does not answer, and catches up when
		// it does.
		urls, perr := cluster.ParseURLs(list)
		if perr != nil {
			return nil, usagef("--cluster: %v", perr)
		}
		cl, err = cluster.Dial(urls, clusterOptions(list, log))
	} else {
		cl, err = connectCluster(ctx, list, log)
	}
	if err != nil {
		return nil, err
	}
	a, err := cl.NewApplier(content)
	if err != nil {
		cl.Close()
		return nil, err
	}
	// Analysts' verdicts count on every replica.
	feedback := cl.Feedback()
	content.KeepFeedbackIn(feedback)
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(runCtx); close(done) }()
	r := &replica{cl: cl, applier: a, writer: cl.Writer(a), stop: func() { cancel(); <-done; feedback.Close(); cl.Close() }}
	wctx, wcancel := context.WithTimeout(ctx, catchUp)
	defer wcancel()
	select {
	case <-cl.Ready():
		var last uint64
		if last, err = cl.LastSeq(wctx); err == nil {
			err = a.WaitApplied(wctx, last)
		}
	case <-unreachable(wctx, cl, 5*time.Second):
		err = cluster.ErrUnavailable
		log.Warn("cluster: not reachable; serving this replica's last state, stale, until it is", "applied_seq", content.Version())
	}
	st := a.Status()
	log.Info("cluster replica", "applied_seq", st.AppliedSeq, "stream_last_seq", st.StreamLastSeq, "lag", st.Lag, "caught_up", err == nil)
	return r, nil
}

// unreachable is closed when NATS has not answered for grace, or when
// ctx ends: a replica with a state of its own then serves it rather than
// wait longer. While NATS answers (the stream's leader being elected, say)
// it waits for ctx.
func unreachable(ctx context.Context, cl *cluster.Cluster, grace time.Duration) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case <-cl.Ready():
				<-ctx.Done() // the caller goes on without this
				return
			case <-t.C:
				if !cl.Connected() && time.Since(start) > grace {
					return
				}
			}
		}
	}()
	return ch
}

// printSeq tells the admin CLI's user where the change is in the stream.
func printSeq(io *stdio, what string, seq uint64) {
	fmt.Fprintf(io.out, "%s: acknowledged by the cluster at sequence %d; every replica applies it in order\n", what, seq)
}

// publishChange sends one change to the cluster at list and says where
// the stream stored it.
func publishChange(ctx context.Context, io *stdio, list, what string, ch cluster.Change, asJSON bool) error {
	cl, err := connectCluster(ctx, list, nil)
	if err != nil {
		return err
	}
	defer cl.Close()
	seq, err := cl.Writer(nil).Publish(ctx, ch)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(io.out, publishedAnswer{Op: string(ch.Op), Seq: seq})
	}
	printSeq(io, what, seq)
	return nil
}

// publishedAnswer is the --json answer of a change sent to a cluster.
type publishedAnswer struct {
	Op    string `json:"op"`
	Seq   uint64 `json:"acknowledged_seq"`
	Items int    `json:"items,omitempty"`
	Sent  int    `json:"changes,omitempty"`
}

// clusterImport is an import's store when the admin CLI talks to a
// cluster: items are sent to the stream, and the replicas decide which
// are new. It implements importer.Store.
type clusterImport struct {
	ctx     context.Context
	cl      *cluster.Cluster
	w       *cluster.Writer
	seq     uint64
	items   int
	changes int
}

func newClusterImport(ctx context.Context, list string) (*clusterImport, error) {
	cl, err := connectCluster(ctx, list, nil)
	if err != nil {
		return nil, err
	}
	return &clusterImport{ctx: ctx, cl: cl, w: cl.Writer(nil)}, nil
}

func (ci *clusterImport) Bank(name string) (matcher.Bank, error) { return ci.cl.Bank(ci.ctx, name) }

// AddItems sends items; their outcomes are not known here (neither added
// nor rejected nor present), and are counted by the caller as sent. On a
// failure partway, the items the stream did not store are marked
// index.ErrNotStored, and the counts say what it holds.
func (ci *clusterImport) AddItems(items []matcher.Item) ([]index.Outcome, uint64, error) {
	stored, seq, n, err := ci.w.PublishItemsStored(ci.ctx, items)
	out := make([]index.Outcome, len(items))
	for i, ok := range stored {
		if ok {
			ci.items++
		} else {
			out[i].Err = index.ErrNotStored
		}
	}
	if n > 0 {
		ci.seq = max(ci.seq, seq)
	}
	ci.changes += n
	return out, ci.seq, err
}

// ImportBatch is the cluster writer's batch: several changes in flight.
func (ci *clusterImport) ImportBatch() int { return ci.w.ImportBatch() }

func (ci *clusterImport) Version() uint64 { return ci.seq }

var errNoReplica = errors.New("a list that withdraws entries is imported through a replica's API (POST /v1/banks/{bank}/import): the command line holds no copy of the index to find the items to retract")

func (ci *clusterImport) Retract(uint64, string, string) (matcher.Item, error) {
	return matcher.Item{}, errNoReplica
}

func (ci *clusterImport) View(func(known.State) error) error { return errNoReplica }

// report prints what was sent.
func (ci *clusterImport) report(io *stdio, sum importer.Summary, asJSON bool) error {
	if asJSON {
		return writeJSON(io.out, struct {
			publishedAnswer
			Read     int                  `json:"read"`
			Rejected []importer.Rejection `json:"rejected"`
		}{publishedAnswer{Op: string(cluster.OpAddItems), Seq: ci.seq, Items: ci.items, Sent: ci.changes}, sum.Read, sum.Rejected})
	}
	fmt.Fprintf(io.out, "read %d, sent %d items in %d changes, rejected %d before sending\n", sum.Read, ci.items, ci.changes, len(sum.Rejected))
	for _, r := range sum.Rejected {
		fmt.Fprintf(io.out, "rejected %s line %d: %s\n", r.Source, r.Line, r.Reason)
	}
	if ci.changes > 0 {
		printSeq(io, "import", ci.seq)
	}
	return nil
}

// changeClusterBank applies change to the bank's settings as the cluster's
// stream makes them, and sends the result on the condition that no other
// bank update came in between.
func changeClusterBank(ctx context.Context, io *stdio, list, name string, change func(*matcher.Bank) error, asJSON bool) error {
	cl, err := connectCluster(ctx, list, nil)
	if err != nil {
		return err
	}
	defer cl.Close()
	// Published only if no other bank update came in between; re-read
	// and changed again if one did (cluster.Writer.UpdateBankFromStream).
	b, seq, err := cl.Writer(nil).UpdateBankFromStream(ctx, name, func(b *matcher.Bank) error {
		if err := change(b); err != nil {
			return err
		}
		if b.Name != name {
			return usagef("a bank cannot be renamed")
		}
		return nil
	})
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(io.out, struct {
			publishedAnswer
			Bank matcher.Bank `json:"bank"`
		}{publishedAnswer{Op: string(cluster.OpSetBank), Seq: seq}, b})
	}
	printSeq(io, "bank "+name, seq)
	return nil
}
