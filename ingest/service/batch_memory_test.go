package service

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// TestBatchMemoryIsBounded streams a batch far larger than the memory it
// may use through a real server, reading answers as they come, and checks
// that the heap does not grow with the batch.
func TestBatchMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 200k lines: runs without -short")
	}
	const lines = 200_000
	s := startServer(t, Config{BatchWorkers: 4})
	s.addKnown(t)
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)

	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriter(pw)
		for i := range lines {
			value := knownMD5 // a match has a long answer, with its evidence
			if i%2 != 0 {
				value = fmt.Sprintf("%032x", i)
			}
			fmt.Fprintf(w, `{"id":%d,"signals":[{"type":"md5","value":%q}]}`+"\n", i, value)
		}
		w.Flush()
		pw.Close()
	}()
	resp, err := http.Post(s.url+"/v1/batch", "application/x-ndjson", pr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	n, matched := 0, 0
	var last string
	var outBytes int
	var live int64 // heap still in use halfway, after a collection
	for sc.Scan() {
		n++
		if n == lines/2 {
			var m runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m)
			live = int64(m.HeapAlloc) - int64(base.HeapAlloc)
		}
		outBytes += len(sc.Bytes())
		if strings.Contains(sc.Text(), `"matched":true`) {
			matched++
		}
		last = sc.Text()
	}
	if n != lines+1 || matched != lines/2 || !strings.Contains(last, fmt.Sprintf(`"lines":%d`, lines)) {
		t.Fatalf("%d lines out, %d matched, last %s", n, matched, last)
	}
	t.Logf("%d lines, %d MB out; live heap halfway %.1f MB above the start", lines, outBytes>>20, float64(live)/(1<<20))
	if live > 16<<20 {
		t.Errorf("live heap grew by %d MB halfway through %d MB of answers: the batch is being held in memory", live>>20, outBytes>>20)
	}
}
