package index_test

// Store-level benchmarks for issue 3's bench report: import throughput,
// start-up load time and memory, and lookups end to end through the store.
//
// Sizes: 1e5 items by default; HERKEN_BENCH_LARGE=1 adds 1e6 and
// HERKEN_BENCH_HUGE=1 adds 1e7 (which needs about 10 minutes to build and
// several GiB of disk). Each item holds one random PDQ and one random MD5,
// as a line of an exchanged hash list does. A store of each size is built
// once per run (synced writes off, to build it quickly) and shared by the
// benchmarks that read it; TestMain removes it.
//
//	go test -run '^$' -bench . -benchtime 2s ./index/
//	HERKEN_BENCH_LARGE=1 go test -run '^$' -bench . -benchtime 1x -timeout 60m ./index/

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/importer"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// Package-level sinks keep results alive, so the work is not optimised away.
var (
	sinkLookup matcher.Identification
	sinkStore  *index.DB
)

const benchBank = "bench"

// Seeds of the random items: stored ones and ones that are never stored.
const (
	seedStored  = 1
	seedMissing = 2
)

func storeSizes() []int {
	sizes := []int{1e5}
	if os.Getenv("HERKEN_BENCH_LARGE") == "1" {
		sizes = append(sizes, 1e6)
	}
	if os.Getenv("HERKEN_BENCH_HUGE") == "1" {
		sizes = append(sizes, 1e7)
	}
	return sizes
}

func sizeName(n int) string {
	switch n {
	case 1e5:
		return "1e5"
	case 1e6:
		return "1e6"
	case 1e7:
		return "1e7"
	}
	return fmt.Sprint(n)
}

// benchItem returns item i of the stream with the given seed: one random
// PDQ and one random MD5. The same (seed, i) always gives the same item, so
// queries can name stored items without keeping them in memory.
func benchItem(seed uint64, i int) known.Item {
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	return known.Item{Bank: benchBank, Signals: []signals.Signal{
		randomSignal(rng, signals.PDQ),
		randomSignal(rng, signals.MD5),
	}}
}

func randomSignal(rng *rand.Rand, t signals.Type) signals.Signal {
	b := make([]byte, t.Size())
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	s, err := signals.New(t, b)
	if err != nil {
		panic(err)
	}
	return s
}

// flipBits returns s with n distinct random bits inverted.
func flipBits(rng *rand.Rand, s signals.Signal, n int) signals.Signal {
	b := append([]byte{}, s.Bytes()...)
	for _, i := range rng.Perm(8 * len(b))[:n] {
		b[i/8] ^= 1 << (i % 8)
	}
	out, err := signals.New(s.Type, b)
	if err != nil {
		panic(err)
	}
	return out
}

func signalOf(it known.Item, t signals.Type) signals.Signal {
	for _, s := range it.Signals {
		if s.Type == t {
			return s
		}
	}
	panic("no " + t.String() + " signal")
}

// newBenchStore creates an empty store in dir with the bench bank.
func newBenchStore(tb testing.TB, dir string, noSync bool) *index.DB {
	tb.Helper()
	s, err := index.Open(dir, index.Options{Create: true, NoSync: noSync})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := s.Content().CreateBank(known.Bank{Name: benchBank, Enabled: true,
		Categories: []known.Category{known.Incitement}}); err != nil {
		tb.Fatal(err)
	}
	return s
}

// addAll adds items in batches of importer.Batch, as herken import does,
// and fails unless every item was added.
func addAll(tb testing.TB, s *index.Content, items []known.Item) {
	tb.Helper()
	for start := 0; start < len(items); start += importer.Batch {
		batch := items[start:min(start+importer.Batch, len(items))]
		out, _, err := s.AddItems(batch)
		if err != nil {
			tb.Fatal(err)
		}
		for i, o := range out {
			if !o.Added {
				tb.Fatalf("item %d not added: %+v", start+i, o)
			}
		}
	}
}

// The stores built in this run, by size, and the open instance of each
// shared by the lookup benchmarks. Badger locks its folder, so a store is
// opened at most once at a time: BenchmarkOpen closes the shared instance
// before it opens the folder itself.
var (
	benchMu     sync.Mutex
	benchRoot   string
	benchDirs   = map[int]string{}
	benchShared = map[int]*index.DB{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	benchMu.Lock()
	for n, s := range benchShared {
		s.Close()
		delete(benchShared, n)
	}
	if benchRoot != "" {
		os.RemoveAll(benchRoot)
	}
	benchMu.Unlock()
	os.Exit(code)
}

// storeDir returns the folder of a closed store holding n bench items
// (stream seedStored, 0..n-1), building it on first use.
func storeDir(b *testing.B, n int) string {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if dir, ok := benchDirs[n]; ok {
		if s := benchShared[n]; s != nil {
			s.Close()
			delete(benchShared, n)
		}
		return dir
	}
	if benchRoot == "" {
		root, err := os.MkdirTemp("", "herken-index-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchRoot = root
	}
	dir := filepath.Join(benchRoot, "items="+sizeName(n))
	start := time.Now()
	s := newBenchStore(b, dir, true)
	items := make([]known.Item, 0, importer.Batch)
	for i := 0; i < n; i++ {
		items = append(items, benchItem(seedStored, i))
		if len(items) == importer.Batch || i == n-1 {
			addAll(b, s.Content(), items)
			items = items[:0]
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.Logf("built a store of %d items in %v", n, time.Since(start).Round(time.Millisecond))
	benchDirs[n] = dir
	return dir
}

// sharedStore returns an open store of n bench items, shared by the
// lookup benchmarks and closed by TestMain.
func sharedStore(b *testing.B, n int) *index.DB {
	b.Helper()
	benchMu.Lock()
	s := benchShared[n]
	benchMu.Unlock()
	if s != nil {
		return s
	}
	dir := storeDir(b, n)
	s, err := index.Open(dir, index.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	benchMu.Lock()
	benchShared[n] = s
	benchMu.Unlock()
	return s
}

// BenchmarkImport measures AddItems of n random items (one PDQ, one MD5
// each) in batches of importer.Batch into a fresh store, with every commit
// synced (the default) and without. One op is the whole import, including
// the final Close that flushes Badger's memtable; items/s is the figure
// to quote.
func BenchmarkImport(b *testing.B) {
	for _, n := range storeSizes() {
		if n > 1e6 {
			continue // a 10M-line import is extrapolated from 1M
		}
		items := make([]known.Item, n)
		for i := range items {
			items[i] = benchItem(seedStored, i)
		}
		for _, noSync := range []bool{false, true} {
			b.Run(fmt.Sprintf("items=%s/sync=%t", sizeName(n), !noSync), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					b.StopTimer()
					dir := filepath.Join(b.TempDir(), "data")
					s := newBenchStore(b, dir, noSync)
					b.StartTimer()
					addAll(b, s.Content(), items)
					if err := s.Close(); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					os.RemoveAll(dir)
					b.StartTimer()
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
			})
		}
	}
}

// memUse is the live Go heap after a full collection, and the process's
// anonymous resident memory, which also counts what is allocated outside
// the Go heap (mmap), or -1 where /proc is missing.
type memUse struct{ heap, anon int64 }

func measureMem() memUse {
	debug.FreeOSMemory() // collects, and returns freed pages so that RssAnon drops too
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memUse{heap: int64(ms.HeapAlloc), anon: rssAnon()}
}

func (m memUse) sub(o memUse) memUse { return memUse{m.heap - o.heap, m.anon - o.anon} }

// rssAnon reads RssAnon from /proc/self/status, or returns -1.
func rssAnon() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}

// openMem opens the store in dir and returns it with the growth of memory
// that opening it caused.
func openMem(b *testing.B, dir string) (*index.DB, memUse) {
	b.Helper()
	before := measureMem()
	s, err := index.Open(dir, index.Options{})
	if err != nil {
		b.Fatal(err)
	}
	sinkStore = s
	return s, measureMem().sub(before)
}

// BenchmarkOpen measures start-up: index.Open of a store of n items,
// which verifies every table's checksums and either reads the search
// structures saved by the last Close (from=snapshot) or reads every
// posting into the Bloom filters and Hamming indexes (from=postings). It also reports memory per item:
// pdq-B/item is what the PDQ Hamming index says it holds
// (Status().Signals["pdq"]); heap-B/item and anon-B/item are the growth of
// the live Go heap and of the process's anonymous resident memory (which
// counts memory mapped outside the heap too) over an opened empty store's,
// divided by n.
func BenchmarkOpen(b *testing.B) {
	for _, n := range storeSizes() {
		b.Run("items="+sizeName(n), func(b *testing.B) {
			emptyDir := filepath.Join(b.TempDir(), "empty")
			empty := newBenchStore(b, emptyDir, true)
			if err := empty.Close(); err != nil {
				b.Fatal(err)
			}
			empty, emptyMem := openMem(b, emptyDir)
			empty.Close()

			dir := storeDir(b, n)
			// Close saves the search structures and Open reads them back;
			// the build from the postings is timed apart, the snapshot
			// removed before each open.
			for _, from := range []string{"snapshot", "postings"} {
				b.Run("from="+from, func(b *testing.B) {
					if from == "postings" {
						os.Remove(filepath.Join(dir, "memory.snapshot"))
					}
					s, mem := openMem(b, dir)
					st := s.Content().Status()
					if err := s.Close(); err != nil {
						b.Fatal(err)
					}
					pdq, md5 := st.Signals["pdq"], st.Signals["md5"]
					// A Bloom filter's count bounds its keys from above (a key
					// added while it was rebuilt counts twice), and the snapshot
					// keeps the filter the build left.
					if pdq.Count != n || md5.Count < n {
						b.Fatalf("store holds %d pdq and %d md5 signals, want %d", pdq.Count, md5.Count, n)
					}
					b.Logf("items=%d from %s: growth of the heap %.1f MiB, of anonymous memory %.1f MiB (empty store: %.1f, %.1f MiB); pdq index %.1f MiB; md5 bloom %.1f MiB",
						n, from, mib(mem.heap), mib(mem.anon), mib(emptyMem.heap), mib(emptyMem.anon),
						mib(pdq.MemoryBytes), mib(md5.MemoryBytes))
					for b.Loop() {
						b.StopTimer()
						if from == "postings" {
							os.Remove(filepath.Join(dir, "memory.snapshot"))
						}
						b.StartTimer()
						s, err := index.Open(dir, index.Options{})
						if err != nil {
							b.Fatal(err)
						}
						b.StopTimer()
						if err := s.Close(); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
					b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/(float64(n)/1e6), "s/Mitems")
					b.ReportMetric(float64(pdq.MemoryBytes)/float64(pdq.Count), "pdq-B/item")
					b.ReportMetric(float64(md5.MemoryBytes)/float64(n), "md5-B/item")
					b.ReportMetric(float64(mem.heap-emptyMem.heap)/float64(n), "heap-B/item")
					if mem.anon >= 0 {
						b.ReportMetric(float64(mem.anon-emptyMem.anon)/float64(n), "anon-B/item")
					}
				})
			}
		})
	}
}

// lookupQueries returns 1024 one-signal queries of type t: for hits, a
// stored item's signal with flip bits inverted; for misses, signals of
// items never stored.
func lookupQueries(t signals.Type, n int, hit bool, flip int) [][]matcher.Query {
	rng := rand.New(rand.NewPCG(uint64(n), uint64(t)))
	qs := make([][]matcher.Query, 1024)
	for i := range qs {
		var sig signals.Signal
		if hit {
			sig = flipBits(rng, signalOf(benchItem(seedStored, rng.IntN(n)), t), flip)
		} else {
			sig = signalOf(benchItem(seedMissing, i), t)
		}
		q := matcher.Query{Signal: sig, Quality: -1}
		if t == signals.PDQ {
			q.Quality = 100
		}
		qs[i] = []matcher.Query{q}
	}
	return qs
}

// checkLookups fails the benchmark unless each query matches (hit) or
// does not (miss).
func checkLookups(b *testing.B, s *index.Content, qs [][]matcher.Query, hit bool) {
	b.Helper()
	for _, q := range qs[:64] {
		res, err := matcher.Identify(s, q, matcher.DefaultRule)
		if err != nil {
			b.Fatal(err)
		}
		if got := len(res.Matches) > 0; got != hit {
			b.Fatalf("lookup of %s: %d matches, want hit=%t", q[0].Signal, len(res.Matches), hit)
		}
	}
}

// benchLookups runs the serial and the parallel variant of one lookup
// benchmark.
func benchLookups(b *testing.B, name string, s *index.Content, qs [][]matcher.Query, hit bool) {
	b.Run(name, func(b *testing.B) {
		checkLookups(b, s, qs, hit)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			res, err := matcher.Identify(s, qs[i%len(qs)], matcher.DefaultRule)
			if err != nil {
				b.Fatal(err)
			}
			sinkLookup = res
			i++
		}
	})
	b.Run(name+"/parallel", func(b *testing.B) {
		checkLookups(b, s, qs, hit)
		b.ReportAllocs()
		var next sync.Mutex
		seed := 0
		b.RunParallel(func(pb *testing.PB) {
			next.Lock()
			i := seed * 97
			seed++
			next.Unlock()
			var res matcher.Identification
			for pb.Next() {
				var err error
				res, err = matcher.Identify(s, qs[i%len(qs)], matcher.DefaultRule)
				if err != nil {
					b.Error(err)
					return
				}
				i++
			}
			next.Lock()
			sinkLookup = res
			next.Unlock()
		})
	})
}

// BenchmarkLookupExact looks up an MD5 through the store: a hit passes the
// Bloom filter and reads the posting and the item; a miss stops at the
// filter (or, once in 1e6, at the posting scan).
func BenchmarkLookupExact(b *testing.B) {
	for _, n := range storeSizes() {
		s := sharedStore(b, n).Content()
		for _, hit := range []bool{true, false} {
			qs := lookupQueries(signals.MD5, n, hit, 0)
			benchLookups(b, fmt.Sprintf("items=%s/md5=%s", sizeName(n), hitName(hit)), s, qs, hit)
		}
	}
}

// BenchmarkLookupPDQ looks up a PDQ hash through the store at the default
// threshold 31: a hit is a stored hash with 5 bits flipped; a miss is a
// random hash (about 128 bits from every stored one).
func BenchmarkLookupPDQ(b *testing.B) {
	for _, n := range storeSizes() {
		s := sharedStore(b, n).Content()
		for _, hit := range []bool{true, false} {
			qs := lookupQueries(signals.PDQ, n, hit, 5)
			benchLookups(b, fmt.Sprintf("items=%s/pdq=%s", sizeName(n), hitName(hit)), s, qs, hit)
		}
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func hitName(hit bool) string {
	if hit {
		return "hit"
	}
	return "miss"
}
