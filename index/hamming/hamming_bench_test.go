package hamming

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"
)

// sink keeps results alive so the compiler cannot drop the work.
var sink []Hit

// benchData is a loaded index, its brute-force twin and queries with hits.
type benchData struct {
	ix      *Index
	ref     *LinearScan
	queries []Hash
}

var benchCache = map[string]*benchData{}

func benchSizes() []int {
	if os.Getenv("HERKEN_BENCH_LARGE") == "1" {
		return []int{1e6, 1e7}
	}
	return []int{1e6}
}

func sizeName(n int) string {
	switch n {
	case 1e6:
		return "1e6"
	case 1e7:
		return "1e7"
	}
	return fmt.Sprint(n)
}

// loadBench builds n hashes. random: uniform hashes, each query a stored
// hash with 0..maxRadius bits flipped. clustered: clusters of 64
// near-duplicates (up to 24 bits from a centre), queries near centres.
func loadBench(b *testing.B, bits, n int, kind string) *benchData {
	key := fmt.Sprint(bits, n, kind)
	if d := benchCache[key]; d != nil {
		return d
	}
	words := bits / 64
	rng := rand.New(rand.NewPCG(uint64(n), uint64(bits)))
	bld, _ := NewBuilder(bits, maxRadiusFor(bits), n)
	ref, _ := NewLinearScan(bits)
	var centre Hash
	for i := range n {
		var h Hash
		switch kind {
		case "random":
			h = randHash(rng, words)
		case "clustered":
			if i%64 == 0 {
				centre = randHash(rng, words)
			}
			h = flip(rng, centre, words, rng.IntN(25))
		}
		bld.Add(ID(i), h)
		ref.Add(ID(i), h)
	}
	d := &benchData{ix: bld.Index(), ref: ref}
	for range 256 {
		stored := ref.slab[rng.IntN(n)*words:]
		var h Hash
		copy(h[:words], stored)
		d.queries = append(d.queries, flip(rng, h, words, rng.IntN(maxRadiusFor(bits)+1)))
	}
	benchCache[key] = d
	return d
}

func BenchmarkSearch(b *testing.B) {
	for _, bits := range []int{256, 64} {
		radius := 31
		if bits == 64 {
			radius = 10
		}
		for _, n := range benchSizes() {
			for _, kind := range []string{"random", "clustered"} {
				name := fmt.Sprintf("bits=%d/items=%s/data=%s/radius=%d", bits, sizeName(n), kind, radius)
				b.Run(name, func(b *testing.B) {
					d := loadBench(b, bits, n, kind)
					b.ReportAllocs()
					hits, i := 0, 0
					for b.Loop() {
						sink = d.ix.Search(d.queries[i%len(d.queries)], radius, sink[:0])
						hits += len(sink)
						i++
					}
					perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
					// The brute-force baseline, on the same data in the same run.
					start, m := time.Now(), 8
					for j := range m {
						sink = d.ref.Search(d.queries[j], radius, sink[:0])
					}
					linear := float64(time.Since(start).Nanoseconds()) / float64(m)
					b.ReportMetric(linear/perOp, "speedup-vs-linear")
					b.ReportMetric(float64(d.ix.Bytes())/float64(d.ix.Len()), "bytes/item")
					b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
				})
			}
		}
	}
}

func BenchmarkLinearScan(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("bits=256/items=%s/radius=31", sizeName(n)), func(b *testing.B) {
			d := loadBench(b, 256, n, "random")
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				sink = d.ref.Search(d.queries[i%len(d.queries)], 31, sink[:0])
				i++
			}
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("bits=256/items=%s", sizeName(n)), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			hashes := make([]Hash, n)
			for i := range hashes {
				hashes[i] = randHash(rng, 4)
			}
			b.ReportAllocs()
			b.SetBytes(int64(n) * 32)
			for b.Loop() {
				bld, _ := NewBuilder(256, 31, n)
				for i, h := range hashes {
					bld.Add(ID(i), h)
				}
				if ix := bld.Index(); ix.Len() != n {
					b.Fatal("short load")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/item")
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	d := loadBench(b, 256, 1e6, "random")
	ix := d.ix
	rng := rand.New(rand.NewPCG(5, 5))
	id := ID(2e6)
	b.ReportAllocs()
	for b.Loop() {
		ix.Add(id, randHash(rng, 4))
		id++
	}
}
