package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/ingest/importer"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// runClusterImport measures the import of n PDQ hashes through a cluster:
// three embedded NATS nodes (routed on loopback, the stream replicated
// three times) and one herken replica with its search structures, all in
// this process, as POST /v1/banks/{bank}/import on that replica does it
// (the importer over the replica's cluster writer: every change is
// acknowledged by the stream and applied by the replica before the next
// batch's outcomes are counted). Its CPU time is that of all four.
func runClusterImport(dir string, n int) {
	var routes []string
	type node struct{ port, cport int }
	nodes := make([]node, 3)
	for i := range nodes {
		nodes[i] = node{freePort(), freePort()}
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", nodes[i].cport))
	}
	var urls []string
	for i, nd := range nodes {
		s, err := server.NewServer(&server.Options{
			ServerName: fmt.Sprintf("n%d", i+1), Host: "127.0.0.1", Port: nd.port,
			JetStream: true, StoreDir: filepath.Join(dir, fmt.Sprintf("nats%d", i+1)),
			NoLog: true, NoSigs: true, JetStreamMaxMemory: 64 << 20, JetStreamMaxStore: 64 << 30,
			Cluster: server.ClusterOpts{Name: "bulk", Host: "127.0.0.1", Port: nd.cport},
			Routes:  server.RoutesFromStr(strings.Join(routes, ",")),
		})
		if err != nil {
			log.Fatal(err)
		}
		go s.Start()
		defer s.Shutdown()
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", nd.port))
	}
	db, err := index.Open(filepath.Join(dir, "replica"), index.Options{Create: true})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cl, err := cluster.Connect(ctx, urls, cluster.Options{Name: "bulkimport"})
	cancel()
	if err != nil {
		log.Fatal(err)
	}
	defer cl.Close()
	a, err := cl.NewApplier(db.Content())
	if err != nil {
		log.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(runCtx); close(done) }()
	w := cl.Writer(a)
	w.ApplyTimeout = time.Minute
	if _, err := w.CreateBank(known.Bank{Name: "bulk", Enabled: true, Categories: []known.Category{known.Incitement}}); err != nil {
		log.Fatal(err)
	}
	im, err := importer.New(w, "bulk", "bench")
	if err != nil {
		log.Fatal(err)
	}
	im.Format = hashlist.Lines
	im.Options.Type = signals.PDQ
	var peak peakMem
	stopPeak := peak.sample()
	cpu0 := cpuTime()
	step := max(n/10, 1)
	start := time.Now()
	last, lastN := start, 0
	im.Progress = func(s importer.Summary) {
		if s.Added/step == lastN/step {
			return
		}
		now := time.Now()
		m := current()
		fmt.Printf("%9d items  %7.0f items/s overall  %7.0f items/s last step  rss-anon %6.0f MiB  heap %6.0f MiB\n",
			s.Added, float64(s.Added)/now.Sub(start).Seconds(), float64(s.Added-lastN)/now.Sub(last).Seconds(),
			mib(m.anon), mib(m.heap))
		last, lastN = now, s.Added
	}
	pr, pw := io.Pipe()
	go hashList(pw, n)
	if err := im.List(context.Background(), "bench.txt", pr); err != nil {
		log.Fatal(err)
	}
	if err := im.Flush(); err != nil {
		log.Fatal(err)
	}
	took := time.Since(start)
	cpu := cpuTime() - cpu0
	stopPeak()
	sum := im.Summary()
	if sum.Added != n {
		log.Fatalf("added %d of %d items (%d present, %d rejected, %d not stored)", sum.Added, n, sum.Present, len(sum.Rejected), sum.NotStored)
	}
	st := db.Content().Status()
	fmt.Printf("cluster import of %d PDQ hashes (3 NATS nodes, stream R3, 1 replica applying, one process): %.1f s, %.0f items/s, last sequence %d\n",
		n, took.Seconds(), float64(n)/took.Seconds(), sum.Version)
	fmt.Printf("cluster import cpu (NATS nodes and replica together): %.1f s user+system, %.1f us/item, %.2f cores busy on average\n",
		cpu.Seconds(), cpu.Seconds()*1e6/float64(n), cpu.Seconds()/took.Seconds())
	fmt.Printf("cluster import peak: rss %.0f MiB (VmHWM), rss-anon %.0f MiB, go heap in use %.0f MiB; replica's pdq index %.0f MiB\n",
		mib(vmHWM()), mib(peak.anon.Load()), mib(peak.heap.Load()), mib(st.Signals["pdq"].MemoryBytes))
	stop()
	<-done
	if err := db.Close(); err != nil {
		log.Fatal(err)
	}
	_ = os.RemoveAll(filepath.Join(dir, "replica"))
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
