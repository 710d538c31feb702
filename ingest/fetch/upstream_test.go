package fetch

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

// Failures of the upstream or the network: Client() is false for all.

func TestTimeout(t *testing.T) {
	stop := make(chan struct{})
	s := serve(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			w.Header().Set("Content-Length", "100")
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
		}
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	defer close(stop)
	f := loopFetcher(t, Config{Timeout: 200 * time.Millisecond}, s)
	for _, path := range []string{"/header", "/body"} {
		start := time.Now()
		err := f.Fetch(t.Context(), s.URL+path, func(r io.Reader, _ Meta) error {
			_, err := io.Copy(io.Discard, r)
			return err
		})
		fe := wantCode(t, err, CodeTimeout, "limit 200ms")
		if d := time.Since(start); d > 2*time.Second || fe.Client() {
			t.Errorf("%s: took %v, Client %v", path, d, fe.Client())
		}
	}
}

// A server that announces more than it sends and closes: an error, not a
// hang.
func TestTruncated(t *testing.T) {
	s := serve(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")
		buf.Flush()
		c.Close()
	}))
	f := loopFetcher(t, Config{}, s)
	var body []byte
	var meta Meta
	err := f.Fetch(t.Context(), s.URL, readAll(&body, &meta))
	wantCode(t, err, CodeTruncated, "body ended after 5 bytes")
	if string(body) != "short" {
		t.Errorf("body %q", body)
	}
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now
	res := &fakeResolver{}
	f, err := New(Config{Resolver: res, Ports: []int{p}, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	nop := func(io.Reader, Meta) error { return nil }
	fe := wantCode(t, f.Fetch(t.Context(), "http://127.0.0.1:"+itoa(p)+"/", nop), CodeUnreachable, "connection refused")
	if fe.Client() {
		t.Error("unreachable is not the URL's fault")
	}
	wantCode(t, f.Fetch(t.Context(), "http://nxdomain.test:"+itoa(p)+"/", nop), CodeUnreachable, "cannot resolve host nxdomain.test")
}

func TestTLS(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "tls") }))
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	s.StartTLS()
	defer s.Close()
	f := loopFetcher(t, Config{}, s)
	var body []byte
	var meta Meta
	err := f.Fetch(t.Context(), s.URL, readAll(&body, &meta))
	wantCode(t, err, CodeUnreachable, "certificate")

	pool := x509.NewCertPool()
	pool.AddCert(s.Certificate())
	f = loopFetcher(t, Config{RootCAs: pool}, s)
	if err := f.Fetch(t.Context(), s.URL, readAll(&body, &meta)); err != nil || string(body) != "tls" {
		t.Fatalf("%q, %v", body, err)
	}
}

func TestCancel(t *testing.T) {
	s := serve(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	f := loopFetcher(t, Config{}, s)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	err := f.Fetch(ctx, s.URL, func(io.Reader, Meta) error { return nil })
	var fe *Error
	if !errors.Is(err, context.Canceled) || errors.As(err, &fe) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
