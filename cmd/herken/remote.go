package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The read-only commands (match, bank list and show, item list and show,
// audit) read the index in the data folder, which a running "herken serve"
// holds locked; with --server they read through that service's API
// instead.

// serverFlags adds --server and --key (env HERKEN_SERVER, HERKEN_KEY) to
// fs; the returned func gives a client after fs.Parse, or nil when no
// server was named.
func serverFlags(fs *flag.FlagSet, role string) func() *remote {
	server := fs.String("server", envDefault("server", ""), "read through this running herken service instead of --data (env HERKEN_SERVER)")
	key := fs.String("key", envDefault("key", ""), "API key for --server, "+role+" (env HERKEN_KEY)")
	return func() *remote {
		if *server == "" {
			return nil
		}
		return &remote{base: strings.TrimRight(*server, "/"), key: *key, http: &http.Client{Timeout: 10 * time.Minute}}
	}
}

// remote calls a herken service's API.
type remote struct {
	base, key string
	http      *http.Client
}

// get calls GET path with query and decodes the JSON answer into out.
func (r *remote) get(ctx context.Context, path string, query url.Values, out any) error {
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	return r.do(ctx, "GET", path, "", nil, out)
}

// post sends body to path and decodes the JSON answer into out.
func (r *remote) post(ctx context.Context, path, contentType string, body io.Reader, out any) error {
	return r.do(ctx, "POST", path, contentType, body, out)
}

func (r *remote) do(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, body)
	if err != nil {
		return fmt.Errorf("--server %s: %w", r.base, err)
	}
	if s, ok := body.(sizedReader); ok {
		req.ContentLength = s.n
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if r.key != "" {
		req.Header.Set("Authorization", "Bearer "+r.key)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return fmt.Errorf("--server: %w", err)
	}
	defer resp.Body.Close()
	// Answers are JSON documents; 256 MiB bounds a wrong --server.
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("--server %s: reading the answer: %w", r.base, err)
	}
	if resp.StatusCode/100 != 2 {
		var p struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(b, &p) != nil || p.Error.Message == "" {
			return fmt.Errorf("--server %s answered %s", r.base, resp.Status)
		}
		return serviceProblem{Status: resp.StatusCode, Code: p.Error.Code, Message: p.Error.Message}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("--server %s: the answer to %s %s is not what herken sends: %w", r.base, method, path, err)
	}
	return nil
}

// jsonBody encodes v for post.
func jsonBody(v any) (io.Reader, error) {
	b, err := json.Marshal(v)
	return bytes.NewReader(b), err
}

// sizedReader is a body whose length is known; net/http sends it as the
// Content-Length.
type sizedReader struct {
	io.Reader
	n int64
}

// serviceProblem is an error as the service words it: its code and
// message, and the HTTP status of a refusal (0 for a problem with one
// input of an answer that succeeded).
type serviceProblem struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (p serviceProblem) Error() string {
	if p.Status == 0 {
		return p.Message
	}
	return fmt.Sprintf("the service refused: %s (%s, HTTP %d)", strings.TrimSuffix(p.Message, "."), p.Code, p.Status)
}
