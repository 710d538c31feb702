package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/atkm/herken/index/prefilter"
	"github.com/atkm/herken/ingest/parallel"
	"github.com/atkm/herken/matcher"
)

const prescreenUsage = `--filter FILE [--filter FILE...] [--server URL --key KEY] [--json] PATH...

Checks files against herken's Bloom filters of known digests, offline: no
content and no hash leaves this machine. Download a filter with
  curl -H "Authorization: Bearer $KEY" -o sha256.bloom https://HERKEN/v1/filter/sha256
A filter can say "maybe" for a file that is not known (at its false-positive
rate); with --server, only those positives are confirmed by hash (never by
content) with POST /v1/lookup.

Exit code 0: nothing found; 3: a confirmed match (or, without --server, a
positive); 1: an error.`

func runPrescreen(ctx context.Context, args []string, io *stdio) error {
	fs := newFlagSet("prescreen", prescreenUsage, io)
	var filterFiles multiFlag
	fs.Var(&filterFiles, "filter", "a filter file from GET /v1/filter/{type} (repeatable, one per digest type)")
	server := fs.String("server", envDefault("server", ""), "herken service to confirm positives with (env HERKEN_SERVER)")
	key := fs.String("key", envDefault("key", ""), "API key for --server, a provider key suffices (env HERKEN_KEY)")
	asJSON := fs.Bool("json", false, "write one JSON object per file")
	decode := decodeFlag(fs)
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	mode, err := decode()
	if err != nil {
		return err
	}
	if len(filterFiles) == 0 || len(paths) == 0 {
		fs.Usage()
		return usagef("prescreen needs --filter and at least one PATH")
	}
	filters := map[matcher.SignalType]*prefilter.Filter{}
	for _, name := range filterFiles {
		f, err := readFilterFile(name)
		if err != nil {
			return err
		}
		filters[f.Type()] = f
	}
	var types []matcher.SignalType
	for t := range filters {
		types = append(types, t)
	}
	hasher, err := matcher.NewHasher(matcher.HasherConfig{Signals: types, Decode: mode})
	if err != nil {
		return err
	}
	files, err := expandPaths(paths)
	if err != nil {
		return err
	}
	client := &lookupClient{base: strings.TrimRight(*server, "/"), key: *key, http: &http.Client{Timeout: 30 * time.Second}}

	found, failed := false, false
	err = parallel.OrderedMap(ctx, files, runtime.GOMAXPROCS(0), func(name string) prescreenLine {
		l := prescreenLine{File: name, Verdict: "clean"}
		h := hashFile(hasher, name, nil)
		if h.err != nil {
			l.err = h.err
			return l
		}
		for _, sig := range h.hashes.Signals {
			if filters[sig.Type].MayContain(sig) {
				l.Positives = append(l.Positives, sig)
			}
		}
		if len(l.Positives) == 0 {
			return l
		}
		l.Verdict = "possible_match"
		if client.base == "" {
			return l
		}
		matched, err := client.lookup(ctx, l.Positives)
		switch {
		case err != nil:
			l.err = err
		case matched:
			l.Verdict = "match"
		default:
			l.Verdict = "clean" // a false positive of the filter
		}
		return l
	}, func(l prescreenLine) error {
		if l.err != nil {
			failed = true
			l.Error = l.err.Error()
		}
		found = found || l.Verdict == "match" || (client.base == "" && l.Verdict == "possible_match")
		if *asJSON {
			return writeJSON(io.out, l)
		}
		msg := l.Verdict
		if l.err != nil {
			msg = "error: " + l.Error
		}
		_, err := fmt.Fprintf(io.out, "%s: %s\n", l.File, msg)
		return err
	})
	switch {
	case err != nil:
		return err
	case failed:
		return errSilent
	case found:
		return errMatched
	}
	return nil
}

type prescreenLine struct {
	File string `json:"file"`
	// Verdict is clean, possible_match (the filter says maybe; not
	// confirmed) or match (confirmed by the service).
	Verdict   string           `json:"verdict"`
	Positives []matcher.Signal `json:"positives,omitempty"`
	Error     string           `json:"error,omitempty"`
	err       error
}

func readFilterFile(name string) (*prefilter.Filter, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	filter, err := prefilter.ReadFilter(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return filter, nil
}

// expandPaths lists the regular files below each path.
func expandPaths(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				out = append(out, path)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// lookupClient confirms hashes with a herken service.
type lookupClient struct {
	base, key string
	http      *http.Client
}

func (c *lookupClient) lookup(ctx context.Context, sigs []matcher.Signal) (bool, error) {
	body, err := json.Marshal(map[string]any{"signals": sigs})
	if err != nil {
		return false, err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/v1/lookup", bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return false, fmt.Errorf("confirming with %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return false, err
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("confirming with %s: status %d: %s", c.base, resp.StatusCode, bytes.TrimSpace(b))
	}
	var out struct {
		Matched bool `json:"matched"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return false, fmt.Errorf("confirming with %s: %w", c.base, err)
	}
	return out.Matched, nil
}
