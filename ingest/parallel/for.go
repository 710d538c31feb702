package parallel

import (
	"context"
	"sync"
)

// For calls f(0), ..., f(n-1) on up to workers goroutines and returns when
// every call has returned; it starts no new call once ctx is done. f must
// be safe for concurrent use.
func For(ctx context.Context, workers, n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(workers, 1) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
