// Package load drives a herken service with a steady mix of hash lookups
// and photo uploads, on loopback, for a bounded time, and measures
// throughput, latency percentiles and errors. The load test (make
// loadtest) and its short version in the tests use it.
package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Config describes a run.
type Config struct {
	BaseURL string
	Key     string // API key; empty for a server with --insecure-no-auth
	// Duration bounds the run; Workers is the number of concurrent
	// clients.
	Duration time.Duration
	Workers  int
	// UploadShare is the share of requests that upload a photo (the rest
	// look up a hash).
	UploadShare float64
	Photos      [][]byte
	// Hashes are MD5 values to look up (hex), known and unknown.
	Hashes []string
	// Sample, if set, is called about once a second during the run.
	Sample func()
}

// Result is what a run measured.
type Result struct {
	Requests, Errors  int
	Lookups, Uploads  int
	Elapsed           time.Duration
	P50, P99, Max     time.Duration
	UploadP50         time.Duration
	UploadP99         time.Duration
	FirstError        string
	RequestsPerSecond float64
	UploadMBPerSecond float64
	uploadBytes       int64
	lookupLat, upLat  []time.Duration
}

// Run drives the service until cfg.Duration has passed or ctx is done.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Workers <= 0 || cfg.Duration <= 0 || len(cfg.Hashes) == 0 || (cfg.UploadShare > 0 && len(cfg.Photos) == 0) {
		return Result{}, fmt.Errorf("load: incomplete config")
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Workers}}
	var mu sync.Mutex
	var res Result
	var wg sync.WaitGroup
	start := time.Now()
	for w := range cfg.Workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for ctx.Err() == nil {
				upload := rng.Float64() < cfg.UploadShare
				var req *http.Request
				var size int
				if upload {
					photo := cfg.Photos[rng.IntN(len(cfg.Photos))]
					size = len(photo)
					req, _ = http.NewRequestWithContext(ctx, "POST", cfg.BaseURL+"/v1/match", bytes.NewReader(photo))
				} else {
					h := cfg.Hashes[rng.IntN(len(cfg.Hashes))]
					req, _ = http.NewRequestWithContext(ctx, "GET", cfg.BaseURL+"/v1/lookup?type=md5&value="+h, nil)
				}
				if cfg.Key != "" {
					req.Header.Set("Authorization", "Bearer "+cfg.Key)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				lat := time.Since(t0)
				status := 0
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				if ctx.Err() != nil {
					return // the run ended mid-request: not an error of the server
				}
				mu.Lock()
				res.Requests++
				if err != nil || status != http.StatusOK {
					res.Errors++
					if res.FirstError == "" {
						res.FirstError = fmt.Sprintf("status %d, %v", status, err)
					}
				} else if upload {
					res.Uploads++
					res.uploadBytes += int64(size)
					res.upLat = append(res.upLat, lat)
				} else {
					res.Lookups++
					res.lookupLat = append(res.lookupLat, lat)
				}
				mu.Unlock()
			}
		})
	}
	if cfg.Sample != nil {
		wg.Go(func() {
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					cfg.Sample()
				}
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.P50, res.P99, res.Max = percentiles(res.lookupLat)
	res.UploadP50, res.UploadP99, _ = percentiles(res.upLat)
	res.RequestsPerSecond = float64(res.Requests-res.Errors) / res.Elapsed.Seconds()
	res.UploadMBPerSecond = float64(res.uploadBytes) / (1 << 20) / res.Elapsed.Seconds()
	return res, nil
}

func percentiles(d []time.Duration) (p50, p99, maxD time.Duration) {
	if len(d) == 0 {
		return 0, 0, 0
	}
	slices.Sort(d)
	return d[len(d)/2], d[len(d)*99/100], d[len(d)-1]
}

// String summarises a run on one line.
func (r Result) String() string {
	return fmt.Sprintf("%d requests (%d lookups, %d uploads) in %s, %d errors; %.0f req/s; lookup p50 %s p99 %s max %s; upload p50 %s p99 %s, %.1f MB/s",
		r.Requests, r.Lookups, r.Uploads, r.Elapsed.Round(time.Millisecond), r.Errors, r.RequestsPerSecond,
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond),
		r.UploadP50.Round(time.Microsecond), r.UploadP99.Round(time.Microsecond), r.UploadMBPerSecond)
}
