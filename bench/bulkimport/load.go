package main

import (
	"encoding/hex"
	"fmt"
	"log"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/signals"
)

// lookupLoad runs PDQ lookups against the opened store for d on
// 4×GOMAXPROCS goroutines, as a serving replica answers them (the match
// use case's Identify, without HTTP), and reports the rate and the
// memory at its peak: a serving store's memory under load. Half the
// lookups are near copies of items the list holds (a few bits flipped of
// one of the first 100,000 hashes hashList made), half random hashes that
// match nothing.
func lookupLoad(db *index.DB, n int, d time.Duration) {
	if n <= 0 {
		log.Fatal("bulkimport: -load needs -n, the size of the list the store was imported from")
	}
	c := db.Content()
	known := listHashes(min(n, 100_000))
	before := current()
	var peak peakMem
	stop := peak.sample()
	var done atomic.Bool
	var lookups, hits atomic.Int64
	var wg sync.WaitGroup
	workers := 4 * runtime.GOMAXPROCS(0)
	start, cpu := time.Now(), cpuTime()
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for !done.Load() {
				var h [32]byte
				near := rng.IntN(2) == 0
				if near {
					h = known[rng.IntN(len(known))]
					for range 6 {
						b := rng.IntN(256)
						h[b/8] ^= 1 << (b % 8)
					}
				} else {
					for i := range h {
						h[i] = byte(rng.Uint32())
					}
				}
				sg, err := signals.Parse(signals.PDQ, hex.EncodeToString(h[:]))
				if err != nil {
					log.Fatal(err)
				}
				res, err := matcher.Identify(c, []matcher.Query{{Signal: sg, Quality: -1}}, matcher.DefaultRule)
				if err != nil {
					log.Fatal(err)
				}
				lookups.Add(1)
				if len(res.Matches) > 0 {
					hits.Add(1)
				} else if near {
					log.Fatalf("bulkimport: a near copy of item %x matched nothing", h)
				}
			}
		})
	}
	time.Sleep(d)
	done.Store(true)
	wg.Wait()
	took, used := time.Since(start), cpuTime()-cpu
	stop()
	fmt.Printf("under load (%d goroutines, %s): %d lookups, %.0f/s, %d matched, %.1f µs CPU a lookup; peak rss-anon %.0f MiB (%.0f MiB above idle), go heap %.0f MiB\n",
		workers, d, lookups.Load(), float64(lookups.Load())/took.Seconds(), hits.Load(),
		float64(used.Microseconds())/float64(max(lookups.Load(), 1)), mib(peak.anon.Load()), mib(peak.anon.Load()-before.anon), mib(peak.heap.Load()))
	fmt.Println(smapsRollup())
}

// listHashes returns the first k hashes hashList writes (it draws four
// uint64s a hash from the same generator).
func listHashes(k int) [][32]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([][32]byte, k)
	for i := range out {
		for b := 0; b < 32; b += 8 {
			v := rng.Uint64()
			for j := range 8 {
				out[i][b+j] = byte(v >> (8 * j))
			}
		}
	}
	return out
}
