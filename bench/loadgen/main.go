// Command loadgen is the load test behind make loadtest: it drives a
// running herken service on loopback with a steady mix of hash lookups and
// photo uploads for a bounded time, samples the server's memory, and
// prints the results as a Markdown section for the bench report.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/atkm/herken/bench/load"
	"github.com/atkm/herken/fixtures"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "the service (loopback only)")
	key := flag.String("key", os.Getenv("HERKEN_KEY"), "API key (crawler or analyst)")
	duration := flag.Duration("duration", 3*time.Minute, "how long to run")
	workers := flag.Int("workers", 8, "concurrent clients")
	uploads := flag.Float64("uploads", 0.2, "share of requests that upload a photo")
	pid := flag.Int("pid", 0, "the server's process id, to sample its memory")
	flag.Parse()
	if !strings.HasPrefix(*url, "http://127.") && !strings.HasPrefix(*url, "http://localhost") && !strings.HasPrefix(*url, "http://[::1]") {
		fmt.Fprintln(os.Stderr, "loadgen: only a service on loopback may be loaded")
		os.Exit(2)
	}
	photos, err := loadPhotos()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	hashes := []string{"d35c785545392755e7e4164457657269"}
	for i := range 999 {
		hashes = append(hashes, fmt.Sprintf("%032x", i))
	}
	var rss []int64
	sample := func() {
		if kb := rssKB(*pid); kb > 0 {
			rss = append(rss, kb)
		}
	}
	sample()
	res, err := load.Run(context.Background(), load.Config{BaseURL: *url, Key: *key, Duration: *duration,
		Workers: *workers, UploadShare: *uploads, Photos: photos, Hashes: hashes, Sample: sample})
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	fmt.Printf("## Load test\n\n`make loadtest` (%s, %d workers, %.0f%% uploads of %d photos; %s, %d cores, %s)\n\n",
		*duration, *workers, 100**uploads, len(photos), runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Printf("| measure | value |\n|---|---|\n")
	fmt.Printf("| requests | %d (%d lookups, %d uploads) |\n| errors | %d |\n| throughput | %.0f requests/s |\n",
		res.Requests, res.Lookups, res.Uploads, res.Errors, res.RequestsPerSecond)
	fmt.Printf("| lookup latency | p50 %s, p99 %s, max %s |\n| upload latency | p50 %s, p99 %s |\n| upload throughput | %.1f MB/s |\n",
		res.P50.Round(time.Microsecond), res.P99.Round(time.Microsecond), res.Max.Round(time.Microsecond),
		res.UploadP50.Round(time.Microsecond), res.UploadP99.Round(time.Microsecond), res.UploadMBPerSecond)
	if len(rss) > 2 {
		mid := rss[len(rss)/2]
		fmt.Printf("| server memory (RSS) | start %d MB, middle %d MB, end %d MB |\n", rss[0]>>10, mid>>10, rss[len(rss)-1]>>10)
	}
	if res.Errors > 0 {
		fmt.Fprintf(os.Stderr, "loadgen: %d errors; first: %s\n", res.Errors, res.FirstError)
		os.Exit(1)
	}
}

func loadPhotos() ([][]byte, error) {
	files, err := filepath.Glob(fixtures.Path("pdq/threatexchange/pdq/data/bridge-mods/*.jpg"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no photos: %v", err)
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// rssKB reads a process's resident memory from /proc.
func rssKB(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
