// Package service is herken's HTTP API on fasthttp: matching of uploaded
// files, URLs and bare hashes, NDJSON batches streamed both ways, the
// offline Bloom filters, and the administration of banks and items.
//
// Uploads are streamed through the hashers and never written to disk or
// kept; only their hashes and the decision leave a handler. Every result
// carries the evidence of its matches and the index version.
//
// A request goes through the router (router.go), then the middleware
// (middleware.go: metrics, audit, error answers, authentication and roles,
// rate limits), to a thin handler that parses it, calls the match use
// case (matcher.Matcher) or one of the index's stores, and writes one
// answer type per endpoint shape (answers.go).
//
// Errors are answered with a JSON Problem and a 4xx status for anything the
// client can fix; the status is decided in one place (classify, applied by
// the error middleware).
//
// A Service is safe for concurrent use: fasthttp runs handlers on many
// goroutines.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/fetch"
	"github.com/atkm/herken/matcher"
)

// Config configures a Service.
type Config struct {
	// DB is the open index: its known content is matched against, its API
	// keys checked, its audit log written. The caller closes it.
	DB *index.DB
	// Writer, if set, takes the changes of the known content in place of
	// DB's: a cluster replica's writer (cluster.Writer).
	Writer ContentWriter
	// Keys and Audit, if set, take the place of DB's API keys and audit
	// log: a cluster replica's (cluster.Keys, cluster.Audit).
	Keys  KeyStore
	Audit AuditLog
	// Replica, if set, is the cluster replica's Applier: its place in the
	// stream goes to /v1/status and /metrics, and answers say when it is
	// stale.
	Replica *cluster.Applier
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
	// FloodLimit is how many distinct inputs an item may match within an
	// hour before it is quarantined (default DefaultFloodLimit; negative:
	// never).
	FloodLimit int
}

// Service answers the HTTP API. It is the router and the middleware
// chain in front of three groups of thin handlers (match, content,
// access), each holding only what it calls.
type Service struct {
	cfg     Config
	log     *slog.Logger
	router  *router
	match   *matchHandlers
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
	db := cfg.DB
	m, err := matcher.NewMatcher(matcher.MatcherConfig{Hasher: h, Known: db.Content(), NoDihedral: cfg.NoDihedral})
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: cfg.Logger}
	s.metrics = newMetrics(db.Content())
	if cfg.Replica != nil {
		s.metrics.replica(cfg.Replica)
	}
	writer := cfg.Writer
	if writer == nil {
		writer = db.Content()
	}
	keys, audit := cfg.Keys, cfg.Audit
	if keys == nil {
		keys = db.APIKeys()
	}
	if audit == nil {
		audit = db.AuditLog()
	}
	s.metrics.auditMetrics(audit)
	s.limiter = newRateLimiter(cfg.RateLimit, cfg.RateBurst)
	s.budget = newBodyBudget(cfg.BodyMemory, cfg.Hasher)
	s.metrics.set.NewGauge("herken_held_body_bytes", func() float64 { return float64(s.budget.inUse()) })
	s.match = &matchHandlers{cfg: &s.cfg, log: cfg.Logger, matcher: m, hasher: h, budget: s.budget,
		metrics: s.metrics, content: db.Content(), audit: audit}
	s.match.flood = newFloodGuard(cfg.FloodLimit, writer.Quarantine, cfg.Logger, s.metrics)
	content := &contentHandlers{cfg: &s.cfg, content: db.Content(), writer: writer, itemHasher: ih, budget: s.budget, flood: s.match.flood}
	access := &accessHandlers{keys: keys, audit: audit}
	auth := &authenticator{keys: keys, insecure: cfg.InsecureNoAuth}
	// Outermost first: the request is counted and audited as answered,
	// errors become answers in one place, and the handler runs only for
	// an authenticated caller within its rate.
	mw := []middleware{s.metrics.middleware, auditor{audit}.middleware, errorAnswer{cfg.Logger}.middleware,
		auth.middleware, s.limiter.middleware}
	s.router = newRouter(routeTable(s.match, content, access, s.metrics), func(r *route) handlerFunc {
		return chain(r, r.handle, mw...)
	})
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
		ErrorHandler:          protocolError,
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

// Handler answers one request: it finds the route and runs it behind
// its middleware.
func (s *Service) Handler(ctx *fasthttp.RequestCtx) {
	if s.cfg.Replica != nil {
		markStale(ctx, s.cfg.Replica)
	}
	r, params := s.router.find(string(ctx.Method()), string(ctx.Path()))
	_ = r.serve(&call{ctx: ctx, params: params, cfg: &s.cfg})
}

// fasthttpLogger passes fasthttp's own messages to slog.
type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Warn("fasthttp", "msg", fmt.Sprintf(format, args...))
}
