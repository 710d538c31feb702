package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/atkm/herken/ingest/fetch"
	"github.com/atkm/herken/ingest/service"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/media"
)

const serveUsage = `[--data DIR] [--listen ADDR] [flags]

Every flag has an environment fallback: HERKEN_ and the flag's name in
capitals with underscores, e.g. HERKEN_LISTEN, HERKEN_MAX_UPLOAD.`

func runServe(ctx context.Context, args []string, io *stdio) error {
	fs := newFlagSet("serve", serveUsage, io)
	data := dataFlag(fs)
	listen := fs.String("listen", envDefault("listen", "127.0.0.1:8080"), "address to listen on")
	maxUpload := fs.String("max-upload", envDefault("max-upload", "256MiB"), "largest upload (also the largest fetched URL body)")
	workers := fs.String("batch-workers", envDefault("batch-workers", "0"), "lines of a batch worked on at once (0: 2 per CPU)")
	noDihedral := fs.Bool("no-dihedral", envBool("no-dihedral"), "do not match PDQ through the query's rotations and flips")
	fetchTimeout := fs.String("fetch-timeout", envDefault("fetch-timeout", "30s"), "time limit of one URL fetch, redirects and body included")
	fetchAllow := fs.String("fetch-allow", envDefault("fetch-allow", ""), "networks URL fetching may reach although not public (CIDR list, for trusted internal sources and tests)")
	fetchPorts := fs.String("fetch-ports", envDefault("fetch-ports", "80,443"), "ports URL fetching may connect to")
	grace := fs.String("grace", envDefault("grace", "30s"), "how long requests in flight may take to finish at shutdown")
	logLevel := fs.String("log-level", envDefault("log-level", "info"), "debug, info, warn or error")
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

	// Until API keys land (issue 5) the service has no authentication, so
	// it only listens on loopback.
	if err := requireLoopback(*listen); err != nil {
		return err
	}
	store, err := openStore(*data)
	if err != nil {
		return err
	}
	defer store.Close()
	svc, err := service.New(service.Config{
		Store: store, Fetcher: fetcher, NoDihedral: *noDihedral,
		Hasher:         matcher.HasherConfig{Limits: media.DefaultLimits},
		MaxUploadBytes: uploadLimit, BatchWorkers: nWorkers, Logger: log, Version: version,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	st := store.Status()
	log.Info("herken serving", "listen", ln.Addr().String(), "data", *data, "index_version", st.Version,
		"banks", st.Banks, "jpeg_decoder", media.JPEGDecoder())
	log.Warn("no authentication yet: listening on loopback only")
	fmt.Fprintf(io.out, "herken listening on http://%s\n", ln.Addr())
	if err := svc.Serve(ctx, ln, graceD); err != nil {
		return err
	}
	log.Info("stopped; closing the index")
	return nil
}

// requireLoopback refuses an address that is not on loopback.
func requireLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--listen %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return usagef("--listen %q: herken has no authentication yet, so it listens on loopback only (127.0.0.1 or [::1])", addr)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseBytes reads sizes like 256MiB, 1GiB, 500KB or 1048576.
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("want a positive size such as 256MiB")
	}
	return n * mult, nil
}

// envBool reads a boolean HERKEN_ variable ("1", "true").
func envBool(name string) bool {
	v, _ := strconv.ParseBool(envDefault(name, "false"))
	return v
}
