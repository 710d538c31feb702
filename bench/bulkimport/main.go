// Command bulkimport measures a bulk import of a PDQ hash list into a fresh
// single-node store, as `herken import --type pdq` does it (the importer's
// batches through index.Content.AddItems into a store opened without its
// search structures; -search keeps them up to date, as the service's
// import endpoint does), then the opening of the store it built. It reports items/s (overall and per tenth of the list), the peak
// resident memory of the import and what opening the store costs in time
// and memory. The open is measured in a fresh child process, so that the
// import's heap does not blur it.
//
//	go run ./bench/bulkimport -n 1000000
//	go run ./bench/bulkimport -n 10000000 -dir /tmp/bulk10m -keep
//	go run ./bench/bulkimport -open /tmp/bulk10m
//	go run ./bench/bulkimport -n 1000000 -cluster 1000000   # then through a cluster
//
// The hashes are random (a seeded PCG stream), one per line, streamed to
// the importer through a pipe so that the list is never held in memory.
//
// It is not safe to run two at once on one folder (Badger locks it).
package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/ingest/importer"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

var settle *time.Duration

var bulkBatch int

func main() {
	n := flag.Int("n", 1_000_000, "PDQ hashes in the list")
	dir := flag.String("dir", "", "store folder (default: a temporary one, removed after)")
	keep := flag.Bool("keep", false, "keep the store folder")
	open := flag.String("open", "", "only measure opening the store in this folder")
	settle = flag.Duration("settle", 20*time.Second, "with -open: wait this long after the open before the idle memory figures")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the import (with -open: of the open) here")
	memprofile := flag.String("memprofile", "", "write a heap profile at the end of the import here")
	noOpen := flag.Bool("noopen", false, "skip measuring the open")
	search := flag.Bool("search", false, "keep the in-memory search structures up to date during the import, as the\nservice's import endpoint does (herken import opens the store without them)")
	load := flag.Duration("load", 0, "with -open: then run PDQ lookups for this long and report the memory under load (-n: the list's size)")
	openProfile := flag.String("openprofile", "", "with -open: write a heap profile of the opened store here")
	clusterN := flag.Int("cluster", 0, "then import this many hashes through a cluster (3 embedded NATS nodes,\none replica, all in this process) in the same run; 0: none")
	batch := flag.Int("batch", importer.Batch, "items a batch holds (herken import: importer.Batch)")
	flag.Parse()
	bulkBatch = *batch
	log.SetFlags(0)
	if *open != "" {
		if *cpuprofile != "" {
			f, err := os.Create(*cpuprofile)
			if err != nil {
				log.Fatal(err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				log.Fatal(err)
			}
			defer pprof.StopCPUProfile()
		}
		measureOpen(*open, *openProfile, *n, *load)
		return
	}
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "herken-bulkimport-")
		if err != nil {
			log.Fatal(err)
		}
		*dir = filepath.Join(tmp, "data")
		if !*keep {
			defer os.RemoveAll(tmp)
		}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
	}
	if *n > 0 {
		runImport(*dir, *n, *memprofile, *search)
	}
	if *clusterN > 0 {
		cdir := filepath.Join(filepath.Dir(*dir), "cluster")
		runClusterImport(cdir, *clusterN)
		os.RemoveAll(cdir)
	}
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if !*noOpen && *n > 0 {
		cmd := exec.Command(os.Args[0], "-open", *dir)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			log.Fatal(err)
		}
	}
}

// hashList writes n random PDQ hashes as "pdq:<hex>" lines to w.
func hashList(w io.WriteCloser, n int) {
	bw := bufio.NewWriterSize(w, 1<<16)
	rng := rand.New(rand.NewPCG(1, 2))
	var h [32]byte
	line := make([]byte, 0, 4+64+1)
	for range n {
		for i := 0; i < 32; i += 8 {
			v := rng.Uint64()
			for j := range 8 {
				h[i+j] = byte(v >> (8 * j))
			}
		}
		line = append(hex.AppendEncode(append(line[:0], "pdq:"...), h[:]), '\n')
		if _, err := bw.Write(line); err != nil {
			w.Close()
			return
		}
	}
	bw.Flush()
	w.Close()
}

func runImport(dir string, n int, memprofile string, search bool) {
	db, err := index.Open(dir, index.Options{Create: true, NoSearch: !search})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Content().CreateBank(known.Bank{Name: "bulk", Enabled: true,
		Categories: []known.Category{known.Incitement}}); err != nil {
		log.Fatal(err)
	}
	im, err := importer.New(db.Content(), "bulk", "bench")
	if err != nil {
		log.Fatal(err)
	}
	im.Format = hashlist.Lines
	im.BatchItems = bulkBatch
	im.Options.Type = signals.PDQ

	var peak peakMem
	stop := peak.sample()
	cpu0 := cpuTime()
	step := max(n/10, 1)
	start := time.Now()
	last, lastN := start, 0
	im.Progress = func(s importer.Summary) {
		if s.Read/step == lastN/step || s.Read == n {
			return
		}
		now := time.Now()
		m := current()
		fmt.Printf("%9d items  %7.0f items/s overall  %7.0f items/s last step  rss-anon %6.0f MiB  rss-file %6.0f MiB  heap %6.0f MiB\n",
			s.Read, float64(s.Read)/now.Sub(start).Seconds(), float64(s.Read-lastN)/now.Sub(last).Seconds(),
			mib(m.anon), mib(m.file), mib(m.heap))
		last, lastN = now, s.Read
	}
	pr, pw := io.Pipe()
	go hashList(pw, n)
	if err := im.List(context.Background(), "bench.txt", pr); err != nil {
		log.Fatal(err)
	}
	if err := im.Flush(); err != nil {
		log.Fatal(err)
	}
	sum := im.Summary()
	imported := time.Since(start)
	if memprofile != "" {
		f, err := os.Create(memprofile)
		if err != nil {
			log.Fatal(err)
		}
		runtime.GC()
		if err := pprof.WriteHeapProfile(f); err != nil {
			log.Fatal(err)
		}
		f.Close()
	}
	st := db.Content().Status()
	if err := db.Close(); err != nil {
		log.Fatal(err)
	}
	total := time.Since(start)
	stop()
	if sum.Added != n {
		log.Fatalf("added %d of %d items (%d present, %d rejected)", sum.Added, n, sum.Present, len(sum.Rejected))
	}
	cpu := cpuTime() - cpu0
	fmt.Printf("import of %d PDQ hashes: %.1f s, %.0f items/s (%.0f items/s until the last commit, before Close)\n",
		n, total.Seconds(), float64(n)/total.Seconds(), float64(n)/imported.Seconds())
	// CPU time is what the machine's other load changes least: on a
	// shared machine, wall-clock rates say as much about the neighbours.
	fmt.Printf("import cpu: %.1f s user+system, %.1f us/item, %.2f cores busy on average\n",
		cpu.Seconds(), cpu.Seconds()*1e6/float64(n), cpu.Seconds()/total.Seconds())
	fmt.Printf("import peak: rss %.0f MiB (VmHWM), rss-anon %.0f MiB, go heap in use %.0f MiB; pdq index %.0f MiB\n",
		mib(vmHWM()), mib(peak.anon.Load()), mib(peak.heap.Load()), mib(st.Signals["pdq"].MemoryBytes))
	fmt.Printf("store on disk: %.0f MiB\n", mib(dirSize(dir)))
}

func measureOpen(dir, heapProfile string, n int, load time.Duration) {
	before := settled()
	start := time.Now()
	db, err := index.Open(dir, index.Options{})
	if err != nil {
		log.Fatal(err)
	}
	took := time.Since(start)
	after := settled()
	st := db.Content().Status()
	pdq := st.Signals["pdq"]
	fmt.Printf("open of %d items: %.2f s; growth: rss-anon %.0f MiB, go heap %.0f MiB; rss-file %.0f MiB; pdq index %.0f MiB (%.1f B/item); peak rss %.0f MiB\n",
		pdq.Count, took.Seconds(), mib(after.anon-before.anon), mib(after.heap-before.heap), mib(after.file),
		mib(pdq.MemoryBytes), float64(pdq.MemoryBytes)/float64(max(pdq.Count, 1)), mib(vmHWM()))
	// The duplicate filters fill in the background after Open; give them
	// time, so that the idle figures below include them.
	time.Sleep(*settle)
	fmt.Printf("in memory: pdq hamming index and owners %.0f MiB, duplicate filters %.0f MiB\n",
		mib(pdq.MemoryBytes), mib(db.Content().Status().DuplicateFilterBytes))
	fmt.Println(smapsRollup())
	if heapProfile != "" {
		f, err := os.Create(heapProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			log.Fatal(err)
		}
		f.Close()
	}
	if load > 0 {
		lookupLoad(db, n, load)
	}
	if err := db.Close(); err != nil {
		log.Fatal(err)
	}
}

// smapsRollup sums the process's mappings: anonymous memory (the heap,
// Badger's off-heap buffers) apart from the mapped files (Badger's
// tables, which the kernel may drop and read again).
func smapsRollup() string {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return ""
	}
	var parts []string
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && (f[0] == "Rss:" || f[0] == "Anonymous:" || f[0] == "Pss_File:" || f[0] == "AnonHugePages:") {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			parts = append(parts, fmt.Sprintf("%s %.0f MiB", strings.TrimSuffix(f[0], ":"), mib(kb<<10)))
		}
	}
	return "serving memory (smaps_rollup): " + strings.Join(parts, ", ")
}

type mem struct{ heap, anon, file int64 }

func current() mem {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return mem{heap: int64(ms.HeapInuse), anon: procStatus("RssAnon"), file: procStatus("RssFile")}
}

func settled() mem {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return mem{heap: int64(ms.HeapAlloc), anon: procStatus("RssAnon"), file: procStatus("RssFile")}
}

// peakMem samples anonymous memory and the Go heap every 100 ms.
type peakMem struct{ anon, heap atomic.Int64 }

func (p *peakMem) sample() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			m := current()
			if m.anon > p.anon.Load() {
				p.anon.Store(m.anon)
			}
			if m.heap > p.heap.Load() {
				p.heap.Store(m.heap)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func vmHWM() int64 { return procStatus("VmHWM") }

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procStatus reads a "kB" field of /proc/self/status, in bytes, or -1.
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
