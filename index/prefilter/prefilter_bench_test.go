package prefilter

import (
	"fmt"
	"testing"

	"github.com/atkm/herken/matcher/signals"
)

var sinkBool bool

func benchFilter(b *testing.B, n int) (*Filter, []signals.Signal, []signals.Signal) {
	b.Helper()
	keys := randSigs(10, signals.SHA256, n)
	f, _ := New(signals.SHA256, uint(n), 0)
	if err := f.Rebuild(uint(n), each(keys)); err != nil {
		b.Fatal(err)
	}
	misses := randSigs(11, signals.SHA256, 4096)
	return f, keys, misses
}

func BenchmarkMayContain(b *testing.B) {
	for _, n := range []int{1e5, 1e6} {
		f, keys, misses := benchFilter(b, n)
		for _, kind := range []string{"hit", "miss"} {
			probe := keys
			if kind == "miss" {
				probe = misses
			}
			b.Run(fmt.Sprintf("items=%.0e/%s", float64(n), kind), func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					sinkBool = f.MayContain(probe[i%len(probe)])
					i++
				}
			})
			b.Run(fmt.Sprintf("items=%.0e/%s/parallel", float64(n), kind), func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					i, ok := 0, false
					for pb.Next() {
						ok = f.MayContain(probe[i%len(probe)])
						i++
					}
					sinkBool = ok
				})
			})
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	f, _, _ := benchFilter(b, 1e6)
	keys := randSigs(12, signals.SHA256, 1<<16)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.Add(keys[i%len(keys)])
		i++
	}
}

func BenchmarkRebuild(b *testing.B) {
	keys := randSigs(13, signals.SHA256, 1e6)
	f, _ := New(signals.SHA256, 1e6, 0)
	b.ReportAllocs()
	for b.Loop() {
		if err := f.Rebuild(uint(len(keys)), each(keys)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(f.Bytes())/float64(len(keys)), "bytes/key")
}
