// Package service is herken's HTTP API on fasthttp: matching of uploaded
// files, URLs and bare hashes, NDJSON batches streamed both ways, the
// offline Bloom filters, and the administration of banks and items.
//
// Uploads are streamed through the hashers and never written to disk or
// kept; only their hashes and the decision leave a handler. Every result
// carries the evidence of its matches and the index version.
//
// Errors are answered with a JSON Problem and a 4xx status for anything the
// client can fix; the status is decided in one place (classify).
//
// A Service is safe for concurrent use: fasthttp runs handlers on many
// goroutines.
package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/fetch"
	"github.com/atkm/herken/matcher"
)

// Config configures a Service.
type Config struct {
	// DB is the open index: its known content is matched against, its API
	// keys checked, its audit log written. The caller closes it.
	DB *index.DB
	// Fetcher fetches URLs to match; nil refuses URL matching.
	Fetcher *fetch.Fetcher
	// Hasher configures the hashing of uploads and fetched content.
	Hasher matcher.HasherConfig
	// NoDihedral turns off matching PDQ through the query's rotations and
	// flips (on by default for photos).
	NoDihedral bool
	// NoRegions turns off looking for the picture inside a photo (a frame,
	// padding, caption bars, a screenshot) as query variants.
	NoRegions bool
	// MaxUploadBytes bounds an uploaded file (default 256 MiB).
	MaxUploadBytes int64
	// MaxJSONBytes bounds a JSON request body (default 1 MiB).
	MaxJSONBytes int64
	// MaxBatchLine bounds one NDJSON batch line (default 16 MiB, room for a
	// base64-encoded photo).
	MaxBatchLine int
	// BatchWorkers is how many lines of one batch are worked on at once
	// (default 2 per CPU).
	BatchWorkers int
	// ReadTimeout bounds reading a request's headers and, for JSON
	// endpoints, its body (default 30s). Streams (uploads, batches) have
	// their own idle timeout.
	ReadTimeout time.Duration
	// StreamIdleTimeout cuts an upload or a batch that makes no progress
	// for this long: no byte arrives, or no byte of the answer is taken
	// (default 60s). A stream that keeps moving is never cut, however
	// long it runs. It is also the write timeout of every answer.
	StreamIdleTimeout time.Duration
	// BodyMemory bounds the memory that uploads held for decoding (photos
	// and videos, uploaded or fetched) take at once across all requests
	// (default DefaultBodyMemory); past it a request is answered 429.
	BodyMemory int64
	Logger     *slog.Logger
	// Version is reported by /healthz.
	Version string
	// InsecureNoAuth serves every request as an anonymous admin: for a
	// demo on loopback only (the command line enforces that).
	InsecureNoAuth bool
	// RateLimit is the requests a second each key may make, with bursts
	// of RateBurst (0: no limit).
	RateLimit float64
	RateBurst int
}

// Service answers the HTTP API.
type Service struct {
	cfg    Config
	hasher *matcher.Hasher
	// itemHasher hashes uploads of known items: like hasher, but always
	// decoding exactly.
	itemHasher *matcher.Hasher
	// matcher is the match use case every match endpoint answers from.
	matcher *matcher.Matcher
	// content, keys and audit are the index's three stores.
	content *index.Content
	keys    *index.APIKeys
	audit   *index.AuditLog
	log     *slog.Logger
	routes  []route
	metrics *metrics
	limiter *rateLimiter
	budget  *bodyBudget
	server  *fasthttp.Server
}

// DefaultBodyMemory is the default of Config.BodyMemory: sixteen 64 MiB
// photos, or two 256 MiB videos (each held twice), at once.
const DefaultBodyMemory = 1 << 30

// New returns a Service for cfg.
func New(cfg Config) (*Service, error) {
	if cfg.DB == nil {
		return nil, errors.New("service: no index")
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = 256 << 20
	}
	if cfg.MaxJSONBytes <= 0 {
		cfg.MaxJSONBytes = 1 << 20
	}
	if cfg.MaxBatchLine <= 0 {
		cfg.MaxBatchLine = 16 << 20
	}
	if cfg.BatchWorkers <= 0 {
		cfg.BatchWorkers = 2 * runtime.GOMAXPROCS(0)
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	if cfg.StreamIdleTimeout <= 0 {
		cfg.StreamIdleTimeout = 60 * time.Second
	}
	if cfg.BodyMemory <= 0 {
		cfg.BodyMemory = DefaultBodyMemory
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Hasher.Dihedral = !cfg.NoDihedral
	cfg.Hasher.Regions = !cfg.NoRegions
	h, err := matcher.NewHasher(cfg.Hasher)
	if err != nil {
		return nil, err
	}
	// Known items are always decoded exactly, whatever queries use: their
	// hashes are shared with partners and must be the reference's.
	itemCfg := cfg.Hasher
	itemCfg.Decode = matcher.DecodeExact
	itemCfg.Dihedral, itemCfg.Regions, itemCfg.ItemVariants = false, false, true
	ih, err := matcher.NewHasher(itemCfg)
	if err != nil {
		return nil, err
	}
	m, err := matcher.NewMatcher(matcher.MatcherConfig{Hasher: h, Known: cfg.DB.Content(), NoDihedral: cfg.NoDihedral})
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, hasher: h, itemHasher: ih, matcher: m, log: cfg.Logger,
		content: cfg.DB.Content(), keys: cfg.DB.APIKeys(), audit: cfg.DB.AuditLog()}
	s.metrics = newMetrics(s.content)
	s.limiter = newRateLimiter(cfg.RateLimit, cfg.RateBurst)
	s.budget = &bodyBudget{limit: cfg.BodyMemory}
	s.metrics.set.NewGauge("herken_held_body_bytes", func() float64 { return float64(s.budget.inUse()) })
	s.routes = s.routeTable()
	s.server = &fasthttp.Server{
		Handler:                      s.Handler,
		Name:                         "herken",
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		// With streaming on, this is only how much of a body is read
		// ahead; each handler enforces its own limit.
		MaxRequestBodySize: 64 << 10,
		ReadTimeout:        cfg.ReadTimeout,
		// Streamed answers (batches) move this deadline on as they write.
		WriteTimeout:          cfg.StreamIdleTimeout,
		IdleTimeout:           2 * time.Minute,
		SecureErrorLogMessage: true,
		ReadBufferSize:        16 << 10,
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		ErrorHandler:          s.protocolError,
		Logger:                fasthttpLogger{cfg.Logger},
	}
	return s, nil
}

// Serve answers requests on ln until ctx is done, then shuts down
// gracefully: it stops accepting, lets requests in flight finish (for up
// to grace), and returns. The caller closes the store afterwards.
func (s *Service) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- s.server.Serve(guardListener{ln, s.cfg.StreamIdleTimeout}) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := s.server.ShutdownWithContext(sctx); err != nil {
		return fmt.Errorf("service: shutdown: %w", err)
	}
	return <-errc
}

// protocolError answers requests fasthttp could not parse.
func (s *Service) protocolError(ctx *fasthttp.RequestCtx, err error) {
	status, code := http.StatusBadRequest, "malformed_request"
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		status, code = http.StatusRequestTimeout, "timeout"
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		status, code = http.StatusRequestEntityTooLarge, "too_large"
	}
	writeJSON(ctx, status, map[string]Problem{"error": {Code: code, Message: "the request could not be read: " + err.Error()}})
}

// Handler answers one request.
func (s *Service) Handler(ctx *fasthttp.RequestCtx) {
	start := time.Now()
	path := string(ctx.Path())
	method := string(ctx.Method())
	r, params, allowed := s.match(method, path)
	name := "unknown"
	c := &call{ctx: ctx, params: params, s: s}
	var err error
	switch {
	case r != nil:
		name = r.name
		if err = s.authenticate(c, r); err == nil {
			err = r.handle(c)
		}
	case allowed != "":
		ctx.Response.Header.Set("Allow", allowed)
		err = errorf(http.StatusMethodNotAllowed, "method_not_allowed", "%s is not allowed on %s (allowed: %s)", method, path, allowed)
	default:
		err = errorf(http.StatusNotFound, "not_found", "no such endpoint: %s %s (see /openapi.json)", method, path)
	}
	if err != nil {
		ae := classify(err)
		if ae.status >= 500 {
			s.log.Error("request failed", "endpoint", name, "err", err)
		}
		if ae.retryAfter > 0 {
			ctx.Response.Header.Set("Retry-After", strconv.Itoa(ae.retryAfter))
		}
		c.audit.Detail = ae.Code
		// The rest of an unread body would be taken for the next request.
		if ctx.Request.Header.ContentLength() != 0 {
			ctx.SetConnectionClose()
			if ae.Code == "busy" && c.stream != nil {
				// Read (and drop) the rest of an upload refused for want of
				// memory, so that the client gets its 429 rather than a
				// connection reset by unread bytes; nothing is held.
				_, _ = io.Copy(io.Discard, c.stream)
			}
		}
		writeJSON(ctx, ae.status, map[string]Problem{"error": ae.Problem})
	}
	if c.who.Role != "" {
		s.auditOf(c, r, ctx.Response.StatusCode())
	}
	s.metrics.request(name, ctx.Response.StatusCode(), time.Since(start))
}

// call is one request in a handler.
type call struct {
	ctx    *fasthttp.RequestCtx
	params map[string]string
	s      *Service
	who    index.APIKey      // the caller, once authenticated
	audit  index.AuditRecord // filled by the handler, written after it
	stream io.Reader         // the body as streamed, once a handler asked for it
}

// route is one endpoint: a method and a path pattern whose {name}
// segments are parameters.
type route struct {
	method  string
	pattern []string
	name    string
	roles   []index.Role // who may call it; nil: anyone
	handle  func(*call) error
}

func (s *Service) match(method, path string) (*route, map[string]string, string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var allowed []string
	for i := range s.routes {
		r := &s.routes[i]
		params, ok := matchPattern(r.pattern, segs)
		if !ok {
			continue
		}
		if r.method == method || (method == "HEAD" && r.method == "GET") {
			return r, params, ""
		}
		allowed = append(allowed, r.method)
	}
	return nil, nil, strings.Join(allowed, ", ")
}

func matchPattern(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[strings.Trim(p, "{}")] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"could not encode the response"}}`)
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(append(b, '\n'))
}

// fasthttpLogger passes fasthttp's own messages to slog.
type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Warn("fasthttp", "msg", fmt.Sprintf(format, args...))
}
