package fetch

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeResolver answers from a map; unknown names fail like NXDOMAIN. It
// counts lookups per name.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][]netip.Addr
	next    func(host string, n int) []netip.Addr // when set, overrides answers
	calls   map[string]int
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls == nil {
		r.calls = map[string]int{}
	}
	r.calls[host]++
	if r.next != nil {
		return r.next(host, r.calls[host]), nil
	}
	if a, ok := r.answers[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func (r *fakeResolver) count(host string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[host]
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

// TestRefusals checks each classic SSRF bypass without any allowlist. The
// literal-address and syntax cases are refused before anything is
// resolved or dialed; the names are resolved by a fake resolver and refused
// by the dial-time guard before connect(2).
func TestRefusals(t *testing.T) {
	res := &fakeResolver{answers: map[string][]netip.Addr{
		"metadata.google.internal": addrs("169.254.169.254"),
		"internal.test":            addrs("10.0.0.1"),
		"mapped.test":              addrs("::ffff:192.168.0.1"),
	}}
	f, err := New(Config{Resolver: res, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	fn := func(t *testing.T, url, code string, want ...string) {
		t.Helper()
		start := time.Now()
		called := false
		err := f.Fetch(t.Context(), url, func(_ io.Reader, _ Meta) error { called = true; return nil })
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("%s: refusal took %v", url, d)
		}
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("%s: err = %v, want *Error %s", shownURL(url), err, code)
			return
		}
		if fe.Code != code || called {
			t.Errorf("%s: code %s (fn called %v), want %s; %v", shownURL(url), fe.Code, called, code, err)
		}
		if !fe.Client() {
			t.Errorf("%s: Client() = false for %s", shownURL(url), fe.Code)
		}
		if !errors.Is(err, &Error{Code: code}) {
			t.Errorf("%s: errors.Is(err, sentinel %s) = false", shownURL(url), code)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: message %q lacks %q", shownURL(url), err, w)
			}
		}
		if len(err.Error()) > 700 {
			t.Errorf("%s: message is %d bytes", shownURL(url), len(err.Error()))
		}
	}
	addr := CodeForbiddenAddress
	fn(t, "http://127.0.0.1/", addr, "address 127.0.0.1 is loopback; only public addresses are fetched")
	fn(t, "http://127.0.0.2:80/x", addr, "127.0.0.2 is loopback")
	fn(t, "http://localhost/", addr, "host localhost is loopback")
	fn(t, "http://LOCALHOST./", addr, "loopback")
	fn(t, "http://www.localhost/", addr, "loopback")
	fn(t, "http://[::1]/", addr, "address ::1 is loopback")
	fn(t, "http://0.0.0.0/", addr, "0.0.0.0 is unspecified")
	fn(t, "http://[::]/", addr, ":: is unspecified")
	fn(t, "http://10.0.0.1/", addr, "10.0.0.1 is private")
	fn(t, "http://172.16.0.1/", addr, "172.16.0.1 is private")
	fn(t, "http://192.168.1.1/", addr, "192.168.1.1 is private")
	fn(t, "http://169.254.169.254/latest/meta-data", addr,
		"fetch: http://169.254.169.254/latest/meta-data: address 169.254.169.254 is link-local (cloud metadata); only public addresses are fetched")
	fn(t, "http://169.254.1.1/", addr, "169.254.1.1 is link-local")
	fn(t, "http://[fe80::1%25eth0]/", addr, "fe80::1 is link-local")
	fn(t, "http://100.64.0.1/", addr, "100.64.0.1 is shared address space (carrier-grade NAT")
	fn(t, "http://[::ffff:127.0.0.1]/", addr, "IPv4-mapped IPv6 address embedding 127.0.0.1, which is loopback")
	fn(t, "http://[::ffff:7f00:1]/", addr, "IPv4-mapped", "127.0.0.1, which is loopback")
	fn(t, "http://[64:ff9b::7f00:1]/", addr, "NAT64", "127.0.0.1, which is loopback")
	fn(t, "http://[64:ff9b::a00:1]/", addr, "NAT64", "10.0.0.1, which is private")
	fn(t, "http://[64:ff9b::808:808]/", addr, "NAT64", "8.8.8.8")
	fn(t, "http://[2002:7f00:1::]/", addr, "6to4", "127.0.0.1, which is loopback")
	fn(t, "http://[2002:a9fe:a9fe::1]/", addr, "6to4", "169.254.169.254, which is link-local (cloud metadata)")
	fn(t, "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", addr, "Teredo", "127.0.0.1, which is loopback")
	fn(t, "http://[fc00::1]/", addr, "unique-local")
	fn(t, "http://[fd00:ec2::254]/", addr, "cloud metadata")
	fn(t, "http://[::127.0.0.1]/", addr, "outside 2000::/3")
	fn(t, "http://[ff02::1]/", addr, "multicast")
	fn(t, "http://224.0.0.1/", addr, "224.0.0.1 is multicast")
	fn(t, "http://255.255.255.255/", addr, "broadcast")
	fn(t, "http://192.0.2.1/", addr, "documentation")
	fn(t, "http://203.0.113.9/", addr, "documentation")
	fn(t, "http://[2001:db8::1]/", addr, "documentation")
	fn(t, "http://198.18.0.1/", addr, "benchmarking")
	fn(t, "http://240.0.0.1/", addr, "reserved")
	fn(t, "http://192.31.196.1/", addr, "special-purpose range 192.31.196.0/24")
	fn(t, "http://[2001:4:112::1]/", addr, "special-purpose range 2001::/23")

	// Names: resolved, then refused by the dial-time guard.
	fn(t, "http://metadata.google.internal/computeMetadata/v1/", addr,
		"host metadata.google.internal: address 169.254.169.254 is link-local (cloud metadata)")
	fn(t, "https://internal.test/", addr, "host internal.test: address 10.0.0.1 is private")
	fn(t, "https://mapped.test/", addr, "address 192.168.0.1 is private")

	inv := CodeInvalidURL
	fn(t, "http://2130706433/", inv, `host "2130706433" is neither a host name nor a dotted-decimal IPv4 address`)
	fn(t, "http://0177.0.0.1/", inv, "0177.0.0.1", "octal")
	fn(t, "http://0x7f.0.0.1/", inv, "0x7f.0.0.1")
	fn(t, "http://0x7f000001/", inv, "0x7f000001")
	fn(t, "http://127.1/", inv, "127.1", "shortened")
	fn(t, "http://127.0.0.1./", inv, "127.0.0.1.")
	fn(t, "http://a..b/", inv, "empty label")
	fn(t, "http://１２７.０.０.１/", inv, "character '１'")
	fn(t, "http://127．0．0．1/", inv, "character '．'")
	fn(t, "http://exa_mple!.com/", inv, "character '!'")
	fn(t, "http:///etc/passwd", inv, "URL has no host")
	fn(t, "http://", inv, "URL has no host")
	fn(t, "http:example.com", inv, "URL has no host")
	fn(t, "/relative/path", inv, "not absolute")
	fn(t, "example.com/path", inv, "not absolute")
	fn(t, "", inv, "not absolute")
	fn(t, "http://exa mple.com/", inv, "cannot parse URL")
	fn(t, "http://%31%32%37.0.0.1/", inv, "cannot parse URL", "invalid URL escape")
	fn(t, "http://example.com:99999/", inv, `port "99999"`)
	fn(t, "http://example.com/"+strings.Repeat("a", MaxURLLength), inv, "URL is 8211 bytes long; the limit is 8192")

	sch := CodeForbiddenScheme
	fn(t, "ftp://example.com/file", sch, `scheme "ftp" is not allowed; only http and https are fetched`)
	fn(t, "file:///etc/passwd", sch, `scheme "file"`)
	fn(t, "gopher://example.com:70/_GET", sch, `scheme "gopher"`)
	fn(t, "javascript:alert(1)", sch, `scheme "javascript"`)
	fn(t, "dict://127.0.0.1:11211/", sch, `scheme "dict"`)

	ui := CodeUserinfo
	fn(t, "http://user:pass@example.com/", ui, `user information "user:xxxxx@" before host example.com is not allowed`)
	fn(t, "http://evil.example@127.0.0.1/", ui, `"evil.example@" before host 127.0.0.1`)
	fn(t, "http://@example.com/", ui, `"@"`)

	port := CodeForbiddenPort
	fn(t, "http://example.com:22/", port, "port 22 is not allowed; only ports 80, 443 are fetched")
	fn(t, "http://example.com:6379/", port, "port 6379")
	fn(t, "https://example.com:8080/", port, "port 8080")
	fn(t, "https://example.com:0/", port, "port 0")

	for _, name := range []string{"internal.test", "metadata.google.internal"} {
		if res.count(name) == 0 {
			t.Errorf("%s was never resolved: the refusal did not come from the dial-time guard", name)
		}
	}
}

// The password of a refused URL never appears in the error.
func TestRefusalHidesPassword(t *testing.T) {
	f, _ := New(Config{})
	for _, u := range []string{"http://u:s3cret@example.com/", "ftp://u:s3cret@example.com/", "http://u:s3cret@example.com:22/"} {
		err := f.Fetch(t.Context(), u, func(io.Reader, Meta) error { return nil })
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: %v", u, err)
		}
	}
}

// TestGuardRefusesBeforeConnect proves that the dial-time check stops the
// connection itself: a listener on 127.0.0.1 that a name resolves to sees
// no connection, and control refuses internal addresses by itself.
func TestGuardRefusesBeforeConnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	res := &fakeResolver{answers: map[string][]netip.Addr{"loop.test": addrs("127.0.0.1")}}
	f, err := New(Config{Resolver: res, Ports: []int{80, 443, port}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = f.Fetch(t.Context(), "http://loop.test:"+strconv.Itoa(port)+"/", func(io.Reader, Meta) error { return nil })
	if !errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), "host loop.test: address 127.0.0.1 is loopback") {
		t.Fatalf("err = %v, want forbidden_address for 127.0.0.1", err)
	}
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(100 * time.Millisecond))
	if c, err := ln.Accept(); err == nil {
		c.Close()
		t.Fatal("the listener got a connection: the guard ran after connect")
	}

	// control alone, as net.Dialer calls it: nothing here is dialed.
	for _, a := range []string{"10.0.0.1:80", "192.168.1.1:443", "169.254.169.254:80", "[fe80::1%eth0]:80", "[::ffff:10.0.0.1]:80", "100.64.0.1:443"} {
		network := "tcp4"
		if strings.HasPrefix(a, "[") {
			network = "tcp6"
		}
		if err := f.control(network, a, nil); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("control(%s) = %v, want forbidden_address", a, err)
		}
	}
	if err := f.control("tcp4", "8.8.8.8:22", nil); !errors.Is(err, ErrForbiddenPort) {
		t.Errorf("control(8.8.8.8:22) = %v, want forbidden_port", err)
	}
	if err := f.control("udp4", "8.8.8.8:80", nil); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("control(udp4) = %v, want refusal", err)
	}
	if err := f.control("tcp4", "8.8.8.8:"+strconv.Itoa(port), nil); err != nil {
		t.Errorf("control(public) = %v, want nil", err)
	}
}

func TestCheckAddrPublic(t *testing.T) {
	f, _ := New(Config{Allow: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}})
	for _, a := range []string{"8.8.8.8", "1.1.1.1", "93.184.216.34", "2a00:1450:4001:82b::200e", "2606:4700::1111", "10.1.2.3", "::ffff:10.1.2.3"} {
		if e := f.checkAddr(netip.MustParseAddr(a)); e != nil {
			t.Errorf("checkAddr(%s) = %v, want allowed", a, e)
		}
	}
}

func TestErrorAPI(t *testing.T) {
	e := &Error{Code: CodeUpstreamStatus, URL: "http://x/", Msg: "upstream answered 404 Not Found", Status: 404}
	if e.Client() || !errors.Is(e, ErrUpstreamStatus) || errors.Is(e, ErrTimeout) {
		t.Error("classification")
	}
	if got := e.Error(); got != "fetch: http://x/: upstream answered 404 Not Found" {
		t.Error(got)
	}
	for _, c := range []*Error{ErrInvalidURL, ErrForbiddenScheme, ErrForbiddenAddress, ErrForbiddenPort, ErrUserinfo, ErrTooManyRedirects, ErrTooLarge} {
		if !c.Client() {
			t.Errorf("%s: Client() = false", c.Code)
		}
	}
	for _, c := range []*Error{ErrTimeout, ErrUpstreamStatus, ErrUnreachable, ErrTruncated} {
		if c.Client() {
			t.Errorf("%s: Client() = true", c.Code)
		}
	}
}
