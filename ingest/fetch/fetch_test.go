package fetch

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func itoa(i int) string { return strconv.Itoa(i) }

// serve starts h on addr ("127.0.0.1:0", "127.0.0.2:0", ...).
func serve(t testing.TB, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = ln
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func port(s *httptest.Server) int { return s.Listener.Addr().(*net.TCPAddr).Port }

// loopFetcher returns a Fetcher that may reach the given servers: their
// addresses are allowlisted and their ports allowed.
func loopFetcher(t testing.TB, cfg Config, servers ...*httptest.Server) *Fetcher {
	t.Helper()
	for _, s := range servers {
		ap := s.Listener.Addr().(*net.TCPAddr).AddrPort()
		cfg.Ports = append(cfg.Ports, int(ap.Port()))
		cfg.Allow = append(cfg.Allow, netip.PrefixFrom(ap.Addr().Unmap(), 32))
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// readAll is a Fetch callback that keeps the body and meta.
func readAll(body *[]byte, meta *Meta) func(io.Reader, Meta) error {
	return func(r io.Reader, m Meta) error {
		*meta = m
		b, err := io.ReadAll(r)
		*body = b
		return err
	}
}

func wantCode(t *testing.T, err error, code string, msg ...string) *Error {
	t.Helper()
	var fe *Error
	if !errors.As(err, &fe) || fe.Code != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
	for _, m := range msg {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("message %q lacks %q", err, m)
		}
	}
	return fe
}

func TestFetchBody(t *testing.T) {
	var ua, accept atomic.Value
	s := serve(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.UserAgent())
		accept.Store(r.Header.Get("Accept-Encoding"))
		if r.Header.Get("Cookie") != "" {
			t.Error("cookie sent")
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Set-Cookie", "a=b")
		w.Write([]byte("hello, world"))
	}))
	f := loopFetcher(t, Config{}, s)
	for range 2 { // the second fetch must not send the cookie
		var body []byte
		var meta Meta
		if err := f.Fetch(t.Context(), s.URL+"/a.png", readAll(&body, &meta)); err != nil {
			t.Fatal(err)
		}
		if string(body) != "hello, world" {
			t.Errorf("body %q", body)
		}
		want := Meta{URL: s.URL + "/a.png", FinalURL: s.URL + "/a.png", StatusCode: 200, ContentType: "image/png", ContentLength: 12}
		if meta.URL != want.URL || meta.FinalURL != want.FinalURL || meta.StatusCode != 200 ||
			meta.ContentType != want.ContentType || meta.ContentLength != 12 || len(meta.Redirects) != 0 {
			t.Errorf("meta %+v, want %+v", meta, want)
		}
	}
	if ua.Load() != DefaultUserAgent || accept.Load() != "" {
		t.Errorf("User-Agent %q, Accept-Encoding %q", ua.Load(), accept.Load())
	}
	// A body error that fn swallows still fails the fetch.
	small := loopFetcher(t, Config{MaxBytes: 5}, s)
	err := small.Fetch(t.Context(), s.URL, func(r io.Reader, _ Meta) error { io.ReadAll(r); return nil })
	wantCode(t, err, CodeTooLarge)
	// fn's error is returned as is.
	sentinel := errors.New("hasher failed")
	if err := f.Fetch(t.Context(), s.URL, func(io.Reader, Meta) error { return sentinel }); err != sentinel {
		t.Errorf("err = %v, want fn's error", err)
	}
}

func TestRedirects(t *testing.T) {
	mux := http.NewServeMux()
	for i := 1; i <= 4; i++ {
		mux.HandleFunc("/r"+itoa(i), func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/r"+itoa(i-1), http.StatusFound)
		})
	}
	mux.HandleFunc("/r0", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "end") })
	s := serve(t, "127.0.0.1:0", mux)

	f := loopFetcher(t, Config{}, s) // MaxRedirects 3
	var body []byte
	var meta Meta
	if err := f.Fetch(t.Context(), s.URL+"/r3", readAll(&body, &meta)); err != nil {
		t.Fatal(err)
	}
	want := []string{s.URL + "/r2", s.URL + "/r1", s.URL + "/r0"}
	if string(body) != "end" || meta.FinalURL != s.URL+"/r0" || strings.Join(meta.Redirects, " ") != strings.Join(want, " ") {
		t.Errorf("body %q, meta %+v", body, meta)
	}
	err := f.Fetch(t.Context(), s.URL+"/r4", readAll(&body, &meta))
	fe := wantCode(t, err, CodeTooManyRedirects, "redirect 4 from "+s.URL+"/r1 exceeds the limit of 3 redirects")
	if !fe.Client() {
		t.Error("too_many_redirects is the URL's fault")
	}

	f = loopFetcher(t, Config{MaxRedirects: -1}, s)
	wantCode(t, f.Fetch(t.Context(), s.URL+"/r1", readAll(&body, &meta)), CodeTooManyRedirects, "limit of 0")
}

// A public server on 127.0.0.2 (allowlisted) redirects to an internal one
// on 127.0.0.1: the hop is refused and the internal server never reached.
func TestRedirectToInternal(t *testing.T) {
	var hits atomic.Int32
	internal := serve(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	target := "http://127.0.0.1:" + itoa(port(internal)) + "/admin"
	res := &fakeResolver{answers: map[string][]netip.Addr{"internal.test": addrs("127.0.0.1")}}
	public := serve(t, "127.0.0.2:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/literal":
			http.Redirect(w, r, target, http.StatusMovedPermanently)
		case "/name":
			http.Redirect(w, r, "http://internal.test:"+itoa(port(internal))+"/admin", http.StatusFound)
		case "/scheme":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/userinfo":
			http.Redirect(w, r, "http://a:b@127.0.0.2:"+itoa(port(internal))+"/", http.StatusFound)
		case "/port":
			http.Redirect(w, r, "http://127.0.0.2:6379/", http.StatusFound)
		}
	}))
	cfg := Config{Resolver: res, Ports: []int{port(internal)}}
	f := loopFetcher(t, cfg, public)
	nop := func(io.Reader, Meta) error { t.Error("fn called"); return nil }

	err := f.Fetch(t.Context(), public.URL+"/literal", nop)
	fe := wantCode(t, err, CodeForbiddenAddress,
		"fetch: "+target+": address 127.0.0.1 is loopback; only public addresses are fetched (redirect 1 from "+public.URL+"/literal)")
	if fe.URL != target {
		t.Errorf("URL %q, want the hop %q", fe.URL, target)
	}
	err = f.Fetch(t.Context(), public.URL+"/name", nop)
	wantCode(t, err, CodeForbiddenAddress, "fetch: http://internal.test:"+itoa(port(internal))+"/admin: host internal.test: address 127.0.0.1 is loopback; only public addresses are fetched (redirect 1 from "+public.URL+"/name)")
	wantCode(t, f.Fetch(t.Context(), public.URL+"/scheme", nop), CodeForbiddenScheme, `"file"`, "redirect 1")
	wantCode(t, f.Fetch(t.Context(), public.URL+"/userinfo", nop), CodeUserinfo, "redirect 1")
	wantCode(t, f.Fetch(t.Context(), public.URL+"/port", nop), CodeForbiddenPort, "port 6379")
	if n := hits.Load(); n != 0 {
		t.Errorf("internal server was reached %d times", n)
	}
}

// TestDNSRebinding: rebind.test first resolves to an allowlisted address
// (127.0.0.2, standing for a public one) and later to 127.0.0.1, where an
// internal server listens on the same port. The server closes each
// connection, so every fetch dials anew; the check must judge the address
// dialed, not an earlier answer.
func TestDNSRebinding(t *testing.T) {
	var pub *httptest.Server
	var internalHits atomic.Int32
	for attempt := 0; ; attempt++ {
		pub = serve(t, "127.0.0.2:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			io.WriteString(w, "public")
		}))
		ln, err := net.Listen("tcp", "127.0.0.1:"+itoa(port(pub)))
		if err != nil {
			if attempt < 10 {
				continue // port taken on 127.0.0.1; try another
			}
			t.Fatal(err)
		}
		s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			internalHits.Add(1)
			io.WriteString(w, "secret")
		}))
		s.Listener.Close()
		s.Listener = ln
		s.Start()
		t.Cleanup(s.Close)
		break
	}
	res := &fakeResolver{next: func(host string, n int) []netip.Addr {
		if n == 1 {
			return addrs("127.0.0.2")
		}
		return addrs("127.0.0.1")
	}}
	f := loopFetcher(t, Config{Resolver: res}, pub)
	url := "http://rebind.test:" + itoa(port(pub)) + "/"
	var body []byte
	var meta Meta
	if err := f.Fetch(t.Context(), url, readAll(&body, &meta)); err != nil || string(body) != "public" {
		t.Fatalf("first fetch: %q, %v", body, err)
	}
	err := f.Fetch(t.Context(), url, readAll(&body, &meta))
	wantCode(t, err, CodeForbiddenAddress, "host rebind.test: address 127.0.0.1 is loopback")
	if res.count("rebind.test") != 2 || internalHits.Load() != 0 {
		t.Errorf("lookups %d, internal hits %d", res.count("rebind.test"), internalHits.Load())
	}
}

func TestTooLarge(t *testing.T) {
	const limit = 1000
	s := serve(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if r.URL.Path == "/length" {
			w.Header().Set("Content-Length", itoa(n))
			w.Write(make([]byte, n))
			return
		}
		for i := 0; i < n; i += 100 { // chunked, no Content-Length
			w.Write(make([]byte, min(100, n-i)))
			w.(http.Flusher).Flush()
		}
	}))
	f := loopFetcher(t, Config{MaxBytes: limit}, s)

	err := f.Fetch(t.Context(), s.URL+"/length?n=1001", func(io.Reader, Meta) error { t.Error("fn called"); return nil })
	wantCode(t, err, CodeTooLarge, "Content-Length 1001 exceeds the limit of 1000 bytes")

	var got int64
	err = f.Fetch(t.Context(), s.URL+"/chunked?n=5000", func(r io.Reader, m Meta) error {
		if m.ContentLength != -1 {
			t.Errorf("ContentLength %d, want -1", m.ContentLength)
		}
		var err error
		got, err = io.Copy(io.Discard, r)
		return err
	})
	wantCode(t, err, CodeTooLarge, "body exceeds the limit of 1000 bytes")
	if got != limit {
		t.Errorf("delivered %d bytes before the cut, want %d", got, limit)
	}
	for _, path := range []string{"/length?n=1000", "/chunked?n=1000"} {
		var body []byte
		var meta Meta
		if err := f.Fetch(t.Context(), s.URL+path, readAll(&body, &meta)); err != nil || len(body) != limit {
			t.Errorf("%s: %d bytes, %v", path, len(body), err)
		}
	}
}

func TestUpstreamStatus(t *testing.T) {
	s := serve(t, "127.0.0.1:0", http.NotFoundHandler())
	f := loopFetcher(t, Config{}, s)
	err := f.Fetch(t.Context(), s.URL+"/gone", func(io.Reader, Meta) error { t.Error("fn called"); return nil })
	fe := wantCode(t, err, CodeUpstreamStatus, "upstream answered 404 Not Found")
	if fe.Status != 404 || fe.Client() {
		t.Errorf("Status %d, Client %v", fe.Status, fe.Client())
	}
}

func TestConcurrent(t *testing.T) {
	payload := bytes.Repeat([]byte("herken"), 10000)
	s := serve(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(payload) }))
	f := loopFetcher(t, Config{}, s)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 10 {
				var body []byte
				var meta Meta
				if err := f.Fetch(t.Context(), s.URL, readAll(&body, &meta)); err != nil || !bytes.Equal(body, payload) {
					t.Errorf("%d bytes, %v", len(body), err)
				}
			}
		})
	}
	wg.Wait()
}
