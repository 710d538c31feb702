package cluster

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atkm/herken/cluster/clustertest"
)

// TestWorkQueueWorkerDies: a worker that takes lines and dies before
// answering them (its connection closed) loses none: they come back to
// the other worker after AckWait, and the holder gets every line's
// answer, a second one for none.
func TestWorkQueueWorkerDies(t *testing.T) {
	nts := clustertest.Start(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	connect := func(name string) *Cluster {
		c, err := Connect(ctx, nts.URLs(), Options{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}
	opts := WorkOptions{AckWait: time.Second, AnswerTimeout: 2 * time.Second}
	opts.Replica = "a"
	a := connect("a").WorkQueue(opts)
	opts.Replica = "b"
	bc := connect("b")
	b := bc.WorkQueue(opts)
	<-a.Ready()
	<-b.Ready()

	// b takes lines and never answers them: a replica that hangs, then
	// dies.
	var taken atomic.Int64
	bctx, bstop := context.WithCancel(ctx)
	bDone := make(chan struct{})
	go func() {
		defer close(bDone)
		_ = b.Work(bctx, 4, func(ctx context.Context, data []byte) []byte {
			taken.Add(1)
			<-ctx.Done()
			return nil
		})
	}()
	batch, err := a.OpenBatch()
	if err != nil {
		t.Fatal(err)
	}
	defer batch.Close()
	const lines = 300
	for n := 1; n <= lines; n++ {
		if err := batch.Spread(ctx, n, []byte(strconv.Itoa(n))); err != nil {
			t.Fatal(err)
		}
	}
	// Until b holds some lines, a does not work.
	deadline := time.Now().Add(5 * time.Second)
	for taken.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if taken.Load() == 0 {
		t.Fatal("worker b took no line")
	}
	go func() {
		_ = a.Work(ctx, 4, func(_ context.Context, data []byte) []byte { return append([]byte("a:"), data...) })
	}()
	time.Sleep(100 * time.Millisecond)
	bc.Close() // b dies with its lines in hand, unacked
	bstop()
	<-bDone

	var mu sync.Mutex
	got := map[int]int{}
	dups := 0
	timeout := time.After(20 * time.Second)
	for len(got) < lines {
		select {
		case ans := <-batch.Answers():
			mu.Lock()
			if want := "a:" + strconv.Itoa(ans.Line); string(ans.Data) != want {
				t.Fatalf("line %d answered %q, want %q", ans.Line, ans.Data, want)
			}
			got[ans.Line]++
			if got[ans.Line] > 1 {
				dups++
			}
			mu.Unlock()
		case <-timeout:
			info, _ := a.cons.Info(ctx)
			t.Fatalf("%d of %d lines answered (b took %d); consumer %+v", len(got), lines, taken.Load(), info)
		}
	}
	// The queue is empty: nothing more comes.
	select {
	case ans := <-batch.Answers():
		t.Fatalf("line %d answered again", ans.Line)
	case <-time.After(1500 * time.Millisecond):
	}
	t.Logf("b took %d lines and died; all %d answered by a, %d duplicates", taken.Load(), lines, dups)
	if dups != 0 {
		t.Errorf("%d lines answered twice (no worker acked without answering)", dups)
	}
}
