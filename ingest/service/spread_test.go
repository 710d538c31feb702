package service

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/fetch"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/signals"
)

// spreadReplica is a herken replica of a test cluster: its own index
// following the stream, its service on a loopback port, and its batch
// worker on a connection of its own (so that a test can kill the worker
// alone).
type spreadReplica struct {
	name    string
	url     string
	db      *index.DB
	cl      *cluster.Cluster
	applier *cluster.Applier
	svc     *Service
	work    *cluster.Cluster // the worker's connection
	stopW   context.CancelFunc
	doneW   chan struct{}
	// startWorker starts the worker of a replica started without one.
	startWorker func()
}

func startSpreadReplica(t *testing.T, nts *clustertest.NATS, name string, batchWorkers, workWorkers int, spread bool, fetcher *fetch.Fetcher) *spreadReplica {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := index.Open(filepath.Join(t.TempDir(), name), index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := cluster.Connect(ctx, nts.URLs(), cluster.Options{Name: name, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	a, err := cl.NewApplier(db.Content())
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stopRun := context.WithCancel(context.Background())
	applied := make(chan struct{})
	go func() { a.Run(runCtx); close(applied) }()
	svc, err := New(Config{DB: db, Writer: cl.Writer(a), Replica: a, InsecureNoAuth: true, BatchWorkers: batchWorkers, Fetcher: fetcher})
	if err != nil {
		t.Fatal(err)
	}
	r := &spreadReplica{name: name, db: db, cl: cl, applier: a, svc: svc, doneW: make(chan struct{})}
	if r.work, err = cluster.Connect(ctx, nts.URLs(), cluster.Options{Name: name + " worker", Timeout: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	// Both ensure the shared consumer: with the same AckWait. Lines are
	// spread whenever a's workers are busy, whatever they cost
	// (TestClusterBatchSpread checks the choice of what pays).
	wopts := cluster.WorkOptions{Replica: name, AckWait: time.Second, AnswerTimeout: 2 * time.Second}
	wq := r.work.WorkQueue(wopts)
	if spread {
		svc.SpreadBatches(cl.WorkQueue(wopts), SpreadOptions{InFlight: 64, Always: true})
	}
	var wctx context.Context
	wctx, r.stopW = context.WithCancel(context.Background())
	r.startWorker = func() { go func() { defer close(r.doneW); _ = svc.WorkBatches(wctx, wq, workWorkers) }() }
	if workWorkers > 0 {
		r.startWorker()
	} else {
		close(r.doneW) // until startWorker
		r.doneW = make(chan struct{})
		workWorkers = 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.url = "http://" + ln.Addr().String()
	sctx, stopServe := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { _ = svc.Serve(sctx, ln, 5*time.Second); close(served) }()
	t.Cleanup(func() {
		stopServe()
		<-served
		r.work.Close()
		r.stopW()
		select {
		case <-r.doneW:
		case <-time.After(10 * time.Second):
		}
		stopRun()
		<-applied
		cl.Close()
		db.Close()
	})
	return r
}

// killWorker closes the worker's connection before stopping it: the
// lines it holds are never acked.
func (r *spreadReplica) killWorker() {
	r.work.Close()
	r.stopW()
	<-r.doneW
}

// spreadFixture is a cluster of replicas sharing a bank of known MD5s,
// and a batch whose even lines match.
type spreadFixture struct {
	batch   []byte
	lines   int
	urls    int // URL lines added by the test
	version uint64
}

func makeSpreadFixture(t *testing.T, lines int, rs ...*spreadReplica) spreadFixture {
	t.Helper()
	a := rs[0]
	w := a.cl.Writer(a.applier)
	if _, err := w.CreateBank(matcher.Bank{Name: "demo", Enabled: true, Categories: []matcher.Category{matcher.Incitement}}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(15, 5))
	var items []matcher.Item
	var batch bytes.Buffer
	for n := 1; n <= lines; n++ {
		b := make([]byte, 16)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		if n%2 == 0 {
			sig, err := signals.New(signals.MD5, b)
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, matcher.Item{Bank: "demo", Signals: []signals.Signal{sig}, Label: fmt.Sprint(n)})
		}
		fmt.Fprintf(&batch, `{"id":"l%d","signals":[{"type":"md5","value":"%s"}]}`+"\n", n, hex.EncodeToString(b))
	}
	if _, _, err := w.AddItems(items); err != nil {
		t.Fatal(err)
	}
	v := a.db.Content().Version()
	for _, r := range rs {
		deadline := time.Now().Add(10 * time.Second)
		for r.db.Content().Version() < v {
			if time.Now().After(deadline) {
				t.Fatalf("replica %s did not apply version %d", r.name, v)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return spreadFixture{batch: batch.Bytes(), lines: lines, version: v}
}

type spreadLineAnswer struct {
	ID           string          `json:"id"`
	Line         int             `json:"line"`
	Result       json.RawMessage `json:"result"`
	Error        *Problem        `json:"error"`
	Replica      string          `json:"replica"`
	IndexVersion uint64          `json:"index_version"`
	Summary      *batchSummary   `json:"summary"`
}

// postBatch sends the batch and reads its answer; each is handed to
// seen as it comes.
func postBatch(t *testing.T, url string, batch []byte, seen func(spreadLineAnswer)) (map[string]int, batchSummary) {
	t.Helper()
	resp, err := http.Post(url+"/v1/batch", "application/x-ndjson", bytes.NewReader(batch))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := map[string]int{}
	var sum *batchSummary
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var a spreadLineAnswer
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("%q: %v", sc.Bytes(), err)
		}
		if a.Summary != nil {
			sum = a.Summary
			continue
		}
		if a.Error != nil {
			t.Fatalf("line %d: %+v", a.Line, a.Error)
		}
		got[a.ID]++
		if seen != nil {
			seen(a)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if sum == nil {
		t.Fatal("no summary")
	}
	return got, *sum
}

// checkAnswered: every line answered once, half of the hash lines
// matched.
func (f spreadFixture) checkAnswered(t *testing.T, got map[string]int, sum batchSummary) {
	t.Helper()
	for n := 1; n <= f.lines; n++ {
		if c := got[fmt.Sprintf("l%d", n)]; c != 1 {
			t.Errorf("line l%d answered %d times", n, c)
		}
	}
	for i := range f.urls {
		if c := got[fmt.Sprintf("u%d", i)]; c != 1 {
			t.Errorf("line u%d answered %d times", i, c)
		}
	}
	all := f.lines + f.urls
	if len(got) != all || sum.Lines != all || sum.Matched != f.lines/2 || sum.Errors != 0 {
		t.Errorf("%d answers, summary %+v; want %d lines, %d matched", len(got), sum, all, f.lines/2)
	}
}

// TestBatchSpreads: a batch sent to replica a whose local workers are
// busy is answered completely, each line once, some lines by replica b,
// each answer naming its replica and the index version it matched.
func TestBatchSpreads(t *testing.T) {
	nts := clustertest.Start(t, 1)
	a := startSpreadReplica(t, nts, "a", 1, 1, true, nil)
	b := startSpreadReplica(t, nts, "b", 4, 4, true, nil)
	f := makeSpreadFixture(t, 400, a, b)
	by := map[string]int{}
	start := time.Now()
	defer func() { t.Logf("the batch took %s", time.Since(start).Round(time.Millisecond)) }()
	got, sum := postBatch(t, a.url, f.batch, func(l spreadLineAnswer) {
		by[l.Replica]++
		if l.IndexVersion != f.version {
			t.Errorf("line %d answered by %q at version %d, want %d", l.Line, l.Replica, l.IndexVersion, f.version)
		}
		var m lookupAnswer
		if err := json.Unmarshal(l.Result, &m); err != nil || m.Matched != (l.Line%2 == 0) {
			t.Errorf("line %d (replica %s): matched %v, %v", l.Line, l.Replica, m.Matched, err)
		}
	})
	f.checkAnswered(t, got, sum)
	t.Logf("answered by %v", by)
	if by["b"] == 0 || by["a"] == 0 || len(by) != 2 {
		t.Errorf("answers by replica %v: want some by a and some by b, none unnamed", by)
	}
}

// TestBatchSpreadWorkerDies: replica b's worker dies (its connection
// closed) in the middle of a batch while it holds lines (URL lines whose
// origin has not answered yet): no line is lost, none answered twice, and
// the lines b held were delivered again.
func TestBatchSpreadWorkerDies(t *testing.T) {
	nts := clustertest.Start(t, 1)
	// The origin holds every fetch until released.
	var inFlight atomic.Int64
	release := make(chan struct{})
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight.Add(1)
		<-release
		fmt.Fprintf(w, "a file at %s\n", r.URL.Path)
	}))
	defer origin.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	port, _ := strconv.Atoi(origin.URL[strings.LastIndex(origin.URL, ":")+1:])
	fetcher, err := fetch.New(fetch.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Ports: []int{port}, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// a has one batch worker and no queue worker yet: its overflow goes
	// to b's four.
	a := startSpreadReplica(t, nts, "a", 1, 0, true, fetcher)
	b := startSpreadReplica(t, nts, "b", 4, 4, true, fetcher)
	f := makeSpreadFixture(t, 200, a, b)
	batch := append([]byte(nil), f.batch...)
	const urls = 20
	for i := range urls {
		batch = fmt.Appendf(batch, `{"id":"u%d","url":"%s/p%d"}`+"\n", i, origin.URL, i)
	}
	type outcome struct {
		got map[string]int
		sum batchSummary
		by  map[string]int
	}
	done := make(chan outcome, 1)
	go func() {
		by := map[string]int{}
		got, sum := postBatch(t, a.url, batch, func(l spreadLineAnswer) { by[l.Replica]++ })
		done <- outcome{got, sum, by}
	}()
	// a's own worker holds at most one fetch: past two, b holds lines.
	deadline := time.Now().Add(10 * time.Second)
	for inFlight.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d fetches in flight: b took no URL line", inFlight.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.killWorker()
	close(release)
	a.startWorker()
	var o outcome
	select {
	case o = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the batch was not answered")
	}
	f.urls = urls
	f.checkAnswered(t, o.got, o.sum)
	t.Logf("answered by %v", o.by)
	// The lines b held were given to a worker again: the stream
	// delivered more than it stored.
	nc, err := nats.Connect(nts.URL(0))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cons, err := js.Consumer(ctx, cluster.WorkStreamName, "herken-workers")
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("work queue: %d lines stored, %d deliveries", info.Delivered.Stream, info.Delivered.Consumer)
	if info.Delivered.Consumer <= info.Delivered.Stream {
		t.Errorf("no line was delivered again after b died (%d deliveries of %d lines)", info.Delivered.Consumer, info.Delivered.Stream)
	}
}
