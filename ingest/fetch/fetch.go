package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"code.dny.dev/ssrf"
)

// Defaults of Config.
const (
	DefaultMaxBytes     = 64 << 20
	DefaultTimeout      = 30 * time.Second
	DefaultMaxRedirects = 3
	DefaultUserAgent    = "herken/1 (+content hash matching)"
)

// Connection-level limits; Config.Timeout bounds the whole fetch.
const (
	dialTimeout           = 10 * time.Second
	tlsHandshakeTimeout   = 10 * time.Second
	responseHeaderTimeout = 15 * time.Second
	idleConnTimeout       = 90 * time.Second
	maxResponseHeader     = 64 << 10
)

// Config configures a Fetcher. The zero value gives the defaults.
type Config struct {
	MaxBytes     int64          // body limit; default 64 MiB; larger bodies fail with too_large
	Timeout      time.Duration  // whole fetch incl. redirects and body; default 30s
	MaxRedirects int            // default 3; negative: no redirect is followed
	Ports        []int          // allowed destination ports; default 80 and 443
	Allow        []netip.Prefix // networks allowed despite the public-address rule; default none
	UserAgent    string         // default DefaultUserAgent
	Resolver     Resolver       // default net.DefaultResolver
	RootCAs      *x509.CertPool // trusted roots for https; default the system's
}

// Fetcher downloads URLs under the rules in the package doc. It is safe
// for concurrent use and keeps idle connections for reuse.
type Fetcher struct {
	cfg      Config
	ports    []uint16
	allow    []netip.Prefix
	guard    *ssrf.Guardian
	resolver Resolver
	dialer   *net.Dialer
	client   *http.Client
}

// Meta describes a fetched response.
type Meta struct {
	URL           string   // the URL given to Fetch
	FinalURL      string   // the URL of the response, after redirects
	StatusCode    int      // a 2xx status
	ContentType   string   // the Content-Type header, as sent
	ContentLength int64    // as announced; -1 when unknown
	Redirects     []string // each redirect target in order; empty without redirects
}

// New returns a Fetcher for cfg, with defaults filled in.
func New(cfg Config) (*Fetcher, error) {
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxRedirects == 0 {
		cfg.MaxRedirects = DefaultMaxRedirects
	}
	if len(cfg.Ports) == 0 {
		cfg.Ports = []int{80, 443}
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.MaxBytes < 0 || cfg.Timeout < 0 {
		return nil, errors.New("fetch: MaxBytes and Timeout must not be negative")
	}
	f := &Fetcher{cfg: cfg, resolver: cfg.Resolver, guard: ssrf.New(ssrf.WithAnyPort())}
	for _, p := range cfg.Ports {
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("fetch: port %d out of range", p)
		}
		f.ports = append(f.ports, uint16(p))
	}
	for _, p := range cfg.Allow {
		if !p.IsValid() {
			return nil, errors.New("fetch: invalid prefix in Allow")
		}
		f.allow = append(f.allow, p.Masked())
	}
	f.dialer = &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second, Control: f.control}
	tr := &http.Transport{
		Proxy:                  nil, // never from the environment
		DialContext:            f.dialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: cfg.RootCAs},
		TLSHandshakeTimeout:    tlsHandshakeTimeout,
		ResponseHeaderTimeout:  responseHeaderTimeout,
		ExpectContinueTimeout:  time.Second,
		IdleConnTimeout:        idleConnTimeout,
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    8,
		MaxResponseHeaderBytes: maxResponseHeader,
		ForceAttemptHTTP2:      true,
		// The bytes as served are what is hashed: no transparent gzip.
		DisableCompression: true,
	}
	f.client = &http.Client{Transport: tr, CheckRedirect: f.checkRedirect} // no Jar: no cookies
	return f, nil
}

// hopsKey carries a fetch's redirect list to checkRedirect.
type hopsKey struct{}

func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.cfg.MaxRedirects {
		return &Error{Code: CodeTooManyRedirects, URL: shownURL(req.URL.Redacted()),
			Msg: fmt.Sprintf("redirect %d from %s exceeds the limit of %d redirects",
				len(via), shownURL(via[len(via)-1].URL.Redacted()), max(f.cfg.MaxRedirects, 0))}
	}
	if e := f.checkURL(req.URL); e != nil {
		e.Msg += fmt.Sprintf(" (redirect %d from %s)", len(via), shownURL(via[len(via)-1].URL.Redacted()))
		return e
	}
	req.Header.Del("Referer") // the submitted URL is personal data; keep it from the next host
	if hops, ok := req.Context().Value(hopsKey{}).(*[]string); ok {
		*hops = append(*hops, req.URL.String())
	}
	return nil
}

// Fetch downloads rawURL and calls fn with the body stream and metadata;
// fn's error is returned as is. The body fails with a *Error (too_large,
// timeout, truncated, unreachable) when its stream does; fn need not
// close it. Other failures are returned as *Error, except a cancelled ctx,
// which is returned wrapped. Fetch may be called from concurrent
// goroutines.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string, fn func(body io.Reader, meta Meta) error) error {
	u, e := f.parseURL(rawURL)
	if e != nil {
		return e
	}
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	var hops []string
	ctx = context.WithValue(ctx, hopsKey{}, &hops)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return &Error{Code: CodeInvalidURL, URL: shownURL(u.Redacted()), Msg: err.Error(), Err: err}
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	req.Header.Set("Accept", "*/*")

	resp, err := f.client.Do(req)
	if err != nil {
		return f.doError(ctx, u, hops, err)
	}
	defer resp.Body.Close()
	final := resp.Request.URL
	shown := shownURL(final.Redacted())
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &Error{Code: CodeUpstreamStatus, URL: shown, Status: resp.StatusCode,
			Msg: fmt.Sprintf("upstream answered %s", resp.Status)}
	}
	if resp.ContentLength > f.cfg.MaxBytes {
		return &Error{Code: CodeTooLarge, URL: shown,
			Msg: fmt.Sprintf("Content-Length %d exceeds the limit of %d bytes", resp.ContentLength, f.cfg.MaxBytes)}
	}
	meta := Meta{
		URL:           rawURL,
		FinalURL:      final.String(),
		StatusCode:    resp.StatusCode,
		ContentType:   resp.Header.Get("Content-Type"),
		ContentLength: resp.ContentLength,
		Redirects:     hops,
	}
	b := &body{r: resp.Body, max: f.cfg.MaxBytes, ctx: ctx, url: shown, timeout: f.cfg.Timeout}
	if err := fn(b, meta); err != nil {
		return err
	}
	// fn ignored a failed read (a cut or broken stream): what it saw was
	// not the whole body, so the fetch did not succeed.
	return b.err
}

// doError turns an error from http.Client.Do into an *Error. hops are
// the redirects followed so far; the last one is the request that failed.
func (f *Fetcher) doError(ctx context.Context, u *url.URL, hops []string, err error) error {
	at := shownURL(u.Redacted())
	var ue *url.Error
	if errors.As(err, &ue) {
		at = shownURL(ue.URL) // the hop that failed; net/http strips passwords
		err = ue.Err
	}
	var fe *Error
	if errors.As(err, &fe) && fe.Client() {
		e := *fe
		if e.URL == "" { // from the dial: say which redirect led there
			e.URL = at
			if n := len(hops); n > 0 {
				from := u.Redacted()
				if n > 1 {
					from = hops[n-2]
				}
				e.Msg += fmt.Sprintf(" (redirect %d from %s)", n, shownURL(from))
			}
		}
		return &e
	}
	if te := timeoutError(ctx, at, err, f.cfg.Timeout); te != nil {
		return te
	}
	if fe != nil {
		e := *fe
		e.URL = at
		return &e
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("fetch: %s: %w", at, err)
	}
	return &Error{Code: CodeUnreachable, URL: at, Msg: fmt.Sprintf("upstream unreachable: %v", err), Err: err}
}

// timeoutError returns a timeout *Error if err stems from a deadline.
func timeoutError(ctx context.Context, at string, err error, limit time.Duration) *Error {
	var ne net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()) {
		return &Error{Code: CodeTimeout, URL: at, Err: err,
			Msg: fmt.Sprintf("no complete answer in time (limit %v for the whole fetch): %v", limit, err)}
	}
	return nil
}

// body streams a response body and cuts it at max bytes.
type body struct {
	r       io.Reader
	n, max  int64
	ctx     context.Context
	url     string
	timeout time.Duration
	err     error
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if rem := b.max - b.n + 1; int64(len(p)) > rem {
		p = p[:rem] // one byte past the limit shows it is exceeded
	}
	k, err := b.r.Read(p)
	b.n += int64(k)
	if b.n > b.max {
		b.err = &Error{Code: CodeTooLarge, URL: b.url,
			Msg: fmt.Sprintf("body exceeds the limit of %d bytes", b.max)}
		return k - int(b.n-b.max), b.err
	}
	switch {
	case err == nil || err == io.EOF:
		return k, err
	case errors.Is(err, io.ErrUnexpectedEOF):
		b.err = &Error{Code: CodeTruncated, URL: b.url, Err: err,
			Msg: fmt.Sprintf("body ended after %d bytes, before the announced length", b.n)}
	default:
		if te := timeoutError(b.ctx, b.url, err, b.timeout); te != nil {
			b.err = te
		} else if errors.Is(err, context.Canceled) {
			b.err = fmt.Errorf("fetch: %s: %w", b.url, err)
		} else {
			b.err = &Error{Code: CodeUnreachable, URL: b.url, Err: err,
				Msg: fmt.Sprintf("reading body after %d bytes: %v", b.n, err)}
		}
	}
	return k, b.err
}
