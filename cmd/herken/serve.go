package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	stdlog "log"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/fetch"
	"github.com/atkm/herken/ingest/service"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/media"
)

const serveUsage = `[--data DIR] [--listen ADDR] [--cluster nats://host:port[,...]] [flags]

With --cluster, this herken is a replica of a cluster: --data is its own
copy of the index (an empty or new folder the first time), fed by the
cluster's stream of changes, and every change made through its API goes
to that stream.

Every flag has an environment fallback: HERKEN_ and the flag's name in
capitals with underscores, e.g. HERKEN_LISTEN, HERKEN_MAX_UPLOAD.`

func runServe(ctx context.Context, args []string, io *stdio) error {
	fs := newFlagSet("serve", serveUsage, io)
	data := dataFlag(fs)
	listen := fs.String("listen", envDefault("listen", "127.0.0.1:8080"), "address to listen on")
	maxUpload := fs.String("max-upload", envDefault("max-upload", "256MiB"), "largest upload (also the largest fetched URL body)")
	workers := fs.String("batch-workers", envDefault("batch-workers", "0"), "lines of a batch worked on at once (0: 2 per CPU)")
	noDihedral := fs.Bool("no-dihedral", envBool("no-dihedral"), "do not match PDQ through the query's rotations and flips")
	noRegions := fs.Bool("no-regions", envBool("no-regions"), "do not look for the picture inside a photo (a frame, padding, caption bars, a screenshot) as query variants")
	fetchTimeout := fs.String("fetch-timeout", envDefault("fetch-timeout", "30s"), "time limit of one URL fetch, redirects and body included")
	fetchAllow := fs.String("fetch-allow", envDefault("fetch-allow", ""), "networks URL fetching may reach although not public (CIDR list, for trusted internal sources and tests)")
	fetchPorts := fs.String("fetch-ports", envDefault("fetch-ports", "80,443"), "ports URL fetching may connect to")
	grace := fs.String("grace", envDefault("grace", "30s"), "how long requests in flight may take to finish at shutdown")
	logLevel := fs.String("log-level", envDefault("log-level", "info"), "debug, info, warn or error")
	noAuth := fs.Bool("insecure-no-auth", envBool("insecure-no-auth"), "serve without API keys, every caller an admin: for a demo, on loopback only")
	tlsCert := fs.String("tls-cert", envDefault("tls-cert", ""), "TLS certificate file (PEM)")
	tlsKey := fs.String("tls-key", envDefault("tls-key", ""), "TLS private key file (PEM)")
	tlsClientCA := fs.String("tls-client-ca", envDefault("tls-client-ca", ""), "require client certificates signed by these CAs (PEM)")
	plaintext := fs.Bool("allow-plaintext", envBool("allow-plaintext"), "listen without TLS on a non-loopback address (behind a TLS-terminating proxy)")
	rateLimit := fs.String("rate-limit", envDefault("rate-limit", "0"), "requests a second per key (0: no limit)")
	rateBurst := fs.String("rate-burst", envDefault("rate-burst", "0"), "burst of requests per key (0: the rate, rounded up)")
	floodLimit := fs.String("flood-limit", envDefault("flood-limit", strconv.Itoa(service.DefaultFloodLimit)),
		"quarantine an item that matches more distinct inputs than this within an hour (-1: never)")
	minFree := fs.String("min-free-disk", envDefault("min-free-disk", "256MiB"), "free disk space below which writes are refused")
	decode := decodeFlag(fs)
	pprofAddr := fs.String("pprof-listen", envDefault("pprof-listen", ""), "serve Go's profiler (net/http/pprof) on this loopback address, for profiling under load")
	idle := fs.String("stream-idle-timeout", envDefault("stream-idle-timeout", "60s"), "cut an upload or batch that makes no progress (no byte sent or read) for this long; a stream that moves is never cut")
	bodyMemory := fs.String("body-memory", envDefault("body-memory", "1GiB"), "memory that uploads held for decoding may take at once (a video counts twice); past it requests get 429")
	syncConfig := fs.String("sync-config", envDefault("sync-config", ""), "sync the partner sources this file configures, each on its interval (see herken sync -h)")
	retention := fs.String("audit-retention", envDefault("audit-retention", "365d"), "how long the audit log keeps its records (at most 365d)")
	clusterURLs := clusterFlag(fs)
	snapshotPolicy := snapshotFlags(fs)
	noSpread := noSpreadFlag(fs)
	statsEvery := statsFlag(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usagef("--log-level: %v", err)
	}
	log := slog.New(slog.NewJSONHandler(io.err, &slog.HandlerOptions{Level: level}))

	uploadLimit, err := parseBytes(*maxUpload)
	if err != nil {
		return usagef("--max-upload: %v", err)
	}
	nWorkers, err := strconv.Atoi(*workers)
	if err != nil || nWorkers < 0 {
		return usagef("--batch-workers: want a number >= 0")
	}
	idleD, err := time.ParseDuration(*idle)
	if err != nil || idleD <= 0 {
		return usagef("--stream-idle-timeout: want a positive duration such as 60s")
	}
	bodyBudget, err := parseBytes(*bodyMemory)
	if err != nil {
		return usagef("--body-memory: %v", err)
	}
	graceD, err := time.ParseDuration(*grace)
	if err != nil {
		return usagef("--grace: %v", err)
	}
	fcfg := fetch.Config{MaxBytes: uploadLimit}
	if fcfg.Timeout, err = time.ParseDuration(*fetchTimeout); err != nil {
		return usagef("--fetch-timeout: %v", err)
	}
	for _, p := range splitList(*fetchAllow) {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			return usagef("--fetch-allow: %v", err)
		}
		fcfg.Allow = append(fcfg.Allow, prefix)
	}
	for _, p := range splitList(*fetchPorts) {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return usagef("--fetch-ports: %q is not a port", p)
		}
		fcfg.Ports = append(fcfg.Ports, port)
	}
	fetcher, err := fetch.New(fcfg)
	if err != nil {
		return err
	}

	rate, err := strconv.ParseFloat(*rateLimit, 64)
	if err != nil || rate < 0 {
		return usagef("--rate-limit: want a number >= 0")
	}
	burst, err := strconv.Atoi(*rateBurst)
	if err != nil || burst < 0 {
		return usagef("--rate-burst: want a number >= 0")
	}
	flood, err := strconv.Atoi(*floodLimit)
	if err != nil || flood == 0 || flood < -1 {
		return usagef("--flood-limit: want a number of distinct inputs >= 1, or -1 for never")
	}
	keep, err := parseDays(*retention)
	if err != nil {
		return usagef("--audit-retention: %v", err)
	}
	if keep > index.DefaultAuditRetention || keep < time.Hour {
		return usagef("--audit-retention: from an hour to at most 365d (the law's limit), not %s", *retention)
	}
	tlsConfig, err := serverTLS(*tlsCert, *tlsKey, *tlsClientCA)
	if err != nil {
		return err
	}
	loopback := isLoopback(*listen)
	switch {
	case *noAuth && !loopback:
		return usagef("--insecure-no-auth serves everyone as an admin: it listens on loopback only (127.0.0.1 or [::1]), not %s", *listen)
	case !loopback && tlsConfig == nil && !*plaintext:
		return usagef("--listen %s is not loopback: give --tls-cert and --tls-key, or --allow-plaintext behind a TLS-terminating proxy", *listen)
	}
	mode, err := decode()
	if err != nil {
		return err
	}
	reserve, err := parseBytes(*minFree)
	if err != nil {
		return usagef("--min-free-disk: %v", err)
	}
	policy, err := snapshotPolicy()
	if err != nil {
		return err
	}
	// A new replica starts from the cluster's newest snapshot.
	store, err := openServeIndex(ctx, *data, index.Options{AuditRetention: keep, Logger: log, MinFreeBytes: reserve, Create: *clusterURLs != ""}, *clusterURLs, log)
	if err != nil {
		return err
	}
	defer store.Close()
	var work *clusterWork // leases of the work done by one replica at a time
	// On a cluster replica, changes go through the cluster.
	var writer service.ContentWriter
	var applier *cluster.Applier
	var replicaOf *cluster.Cluster // the cluster, on a replica
	// On a replica, keys and the audit log are the cluster's too.
	var keys service.KeyStore = store.APIKeys()
	var audit service.AuditLog = store.AuditLog()
	if *clusterURLs != "" {
		r, err := startReplica(ctx, *clusterURLs, store.Content(), log, 30*time.Second)
		if err != nil {
			return err
		}
		defer r.stop()
		work = startClusterWork(r.cl, store.Content(), policy, log)
		defer work.stop()
		writer, applier, replicaOf = r.writer, r.applier, r.cl
		acc, err := startClusterAccess(ctx, r.cl, *data, store, keep, *statsEvery, log)
		if err != nil {
			return err
		}
		defer acc.stop()
		keys, audit = acc.keys, acc.audit
	}
	svc, err := service.New(service.Config{
		DB: store, Writer: writer, Replica: applier, Keys: keys, Audit: audit, Fetcher: fetcher, NoDihedral: *noDihedral, NoRegions: *noRegions,
		Hasher:         matcher.HasherConfig{Limits: media.DefaultLimits, Decode: mode},
		MaxUploadBytes: uploadLimit, BatchWorkers: nWorkers, Logger: log, Version: version,
		InsecureNoAuth: *noAuth, RateLimit: rate, RateBurst: burst, FloodLimit: flood,
		StreamIdleTimeout: idleD, BodyMemory: bodyBudget,
	})
	if err != nil {
		return err
	}
	stopSync, err := startSyncUnder(ctx, *syncConfig, store.Content(), writer, replicaOf, log, work.once())
	if err != nil {
		return err
	}
	defer stopSync()
	if *pprofAddr != "" {
		stop, err := servePprof(*pprofAddr, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if replicaOf != nil {
		defer startBatchWork(replicaOf, svc, ln.Addr().String(), !*noSpread, nWorkers, log)()
	}
	scheme := "http"
	if tlsConfig != nil {
		ln, scheme = tls.NewListener(ln, tlsConfig), "https"
	}
	st := store.Content().Status()
	log.Info("herken serving", "listen", ln.Addr().String(), "tls", tlsConfig != nil, "data", *data,
		"index_version", st.Version, "banks", st.Banks, "keys", len(keys.List()), "jpeg_decoder", media.JPEGDecoder(),
		"audit_retention", keep.String())
	if *noAuth {
		log.Error("INSECURE: --insecure-no-auth: every request is served as an anonymous admin; for a demo on loopback only")
	} else if len(keys.List()) == 0 {
		log.Warn("no API keys yet: every request will be refused; create one with herken keys create --role admin --name ...")
	}
	// Libraries (net/http's client among them) write to Go's standard
	// logger, quoting the bytes they saw: keep content out of the log.
	oldOut, oldFlags := stdlog.Writer(), stdlog.Flags()
	stdlog.SetFlags(0)
	stdlog.SetOutput(service.StdLogWriter(log))
	defer func() { stdlog.SetOutput(oldOut); stdlog.SetFlags(oldFlags) }()
	fmt.Fprintf(io.out, "herken listening on %s://%s\n", scheme, ln.Addr())
	if err := svc.Serve(ctx, ln, graceD); err != nil {
		return err
	}
	log.Info("stopped; closing the index")
	return nil
}

// isLoopback reports whether a listen address is on loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// serverTLS loads the certificate and, with a client CA, requires client
// certificates. No certificate: nil, plain HTTP.
func serverTLS(certFile, keyFile, clientCA string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		if clientCA != "" {
			return nil, usagef("--tls-client-ca needs --tls-cert and --tls-key")
		}
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, usagef("give both --tls-cert and --tls-key")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("loading the TLS certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if clientCA != "" {
		pem, err := os.ReadFile(clientCA)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", clientCA)
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}
