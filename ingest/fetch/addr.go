package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"code.dny.dev/ssrf"
)

// Resolver looks up a host's addresses; *net.Resolver implements it.
// Implementations must be safe for concurrent use.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

var _ Resolver = (*net.Resolver)(nil)

// maxDialAddrs bounds how many of a host's addresses one dial tries.
const maxDialAddrs = 4

// named ranges refused with a name in messages. Everything else that is not
// public is caught by the ssrf guard's lists (IANA special-purpose
// registries, IPv6 outside 2000::/3) and named by its prefix.
var named = []struct {
	p    netip.Prefix
	what string
}{
	{netip.MustParsePrefix("169.254.169.254/32"), "link-local (cloud metadata)"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "unique-local (cloud metadata)"},
	{netip.MustParsePrefix("0.0.0.0/8"), `in 0.0.0.0/8 ("this network")`},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (carrier-grade NAT, 100.64.0.0/10)"},
	{netip.MustParsePrefix("255.255.255.255/32"), "the broadcast address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved for IETF protocol assignments (192.0.0.0/24)"},
	{netip.MustParsePrefix("192.0.2.0/24"), "reserved for documentation (192.0.2.0/24)"},
	{netip.MustParsePrefix("198.51.100.0/24"), "reserved for documentation (198.51.100.0/24)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "reserved for documentation (203.0.113.0/24)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved for benchmarking (198.18.0.0/15)"},
	{netip.MustParsePrefix("192.88.99.0/24"), "the 6to4 relay anycast range (192.88.99.0/24)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (240.0.0.0/4)"},
	{netip.MustParsePrefix("2001:db8::/32"), "reserved for documentation (2001:db8::/32)"},
	{netip.MustParsePrefix("3fff::/20"), "reserved for documentation (3fff::/20)"},
	{netip.MustParsePrefix("2001:2::/48"), "reserved for benchmarking (2001:2::/48)"},
	{netip.MustParsePrefix("100::/64"), "discard-only (100::/64)"},
}

// Prefixes whose addresses embed an IPv4 address. They are refused
// whatever they embed: a gateway may translate them to the embedded
// address, and nothing public needs them.
var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	teredo     = netip.MustParsePrefix("2001::/32")
)

// reason says why ip (without zone) is not a public address, or "" when
// this function knows nothing against it. The ssrf guard is consulted
// after it.
func reason(ip netip.Addr) string {
	switch {
	case ip.Is4In6():
		return "an IPv4-mapped IPv6 address" + embedded(ip.Unmap())
	case nat64.Contains(ip):
		b := ip.As16()
		return "a NAT64 address (64:ff9b::/96)" + embedded(netip.AddrFrom4([4]byte(b[12:16])))
	case nat64Local.Contains(ip):
		return "a local-use NAT64 address (64:ff9b:1::/48)"
	case sixToFour.Contains(ip):
		b := ip.As16()
		return "a 6to4 address (2002::/16)" + embedded(netip.AddrFrom4([4]byte(b[2:6])))
	case teredo.Contains(ip):
		b := ip.As16()
		var v4 [4]byte
		for i := range v4 {
			v4[i] = b[12+i] ^ 0xff // Teredo stores the client address inverted
		}
		return "a Teredo address (2001::/32)" + embedded(netip.AddrFrom4(v4))
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	}
	for _, n := range named {
		if n.p.Contains(ip) {
			return n.what
		}
	}
	switch {
	case ip.IsPrivate():
		if ip.Is6() {
			return "unique-local (private, fc00::/7)"
		}
		return "private"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsMulticast():
		return "multicast"
	case ip.Is6() && !ssrf.IPv6GlobalUnicast.Contains(ip):
		return "not a global unicast IPv6 address (outside 2000::/3)"
	}
	return ""
}

// embedded describes the IPv4 address v4 inside an IPv6 address.
func embedded(v4 netip.Addr) string {
	if r := reason(v4); r != "" {
		return fmt.Sprintf(" embedding %s, which is %s", v4, r)
	}
	return fmt.Sprintf(" embedding %s", v4)
}

// specialPrefix names the guard list prefix that holds ip.
func specialPrefix(ip netip.Addr) string {
	for _, p := range slices.Concat(ssrf.IPv4DeniedPrefixes, ssrf.IPv6DeniedPrefixes) {
		if p.Contains(ip) {
			return p.String()
		}
	}
	return "a denied range"
}

// allowed reports whether ip is inside Config.Allow.
func (f *Fetcher) allowed(ip netip.Addr) bool {
	for _, p := range f.allow {
		if p.Contains(ip) || p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// checkAddr returns a forbidden_address error unless ip is public or
// allowed. The allowlist is checked first; then this package's named
// ranges, for a clear message; then the ssrf guard, which is authoritative.
func (f *Fetcher) checkAddr(ip netip.Addr) *Error {
	ip = ip.WithZone("") // a zone makes Prefix.Contains false
	if f.allowed(ip) {
		return nil
	}
	why := reason(ip)
	var gerr error
	if why == "" {
		if gerr = f.guard.SafeAddr(ip); gerr != nil {
			why = "in the special-purpose range " + specialPrefix(ip)
		}
	}
	if why == "" {
		return nil
	}
	return &Error{
		Code: CodeForbiddenAddress,
		Msg:  fmt.Sprintf("address %s is %s; only public addresses are fetched", ip, why),
		Err:  gerr,
	}
}

func (f *Fetcher) portAllowed(port uint16) bool {
	return slices.Contains(f.ports, port)
}

func (f *Fetcher) portError(port uint16) *Error {
	s := make([]string, len(f.ports))
	for i, p := range f.ports {
		s[i] = strconv.Itoa(int(p))
	}
	return &Error{
		Code: CodeForbiddenPort,
		Msg:  fmt.Sprintf("port %d is not allowed; only ports %s are fetched", port, strings.Join(s, ", ")),
	}
}

// control is the net.Dialer's Control function: it runs on the socket's
// actual destination after name resolution and before connect(2), so no
// packet leaves for a refused address, and a DNS answer that changed since
// any earlier lookup (rebinding) is judged by what is really dialed.
func (f *Fetcher) control(network, address string, _ syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return &Error{Code: CodeForbiddenAddress, Msg: fmt.Sprintf("network %s is not allowed", network)}
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &Error{Code: CodeForbiddenAddress, Msg: fmt.Sprintf("cannot parse dialed address %q", address), Err: err}
	}
	if !f.portAllowed(ap.Port()) {
		return f.portError(ap.Port())
	}
	if e := f.checkAddr(ap.Addr()); e != nil {
		return e
	}
	return nil
}

// dialContext resolves addr's host with the configured Resolver and dials
// its addresses in turn; control vets each one.
func (f *Fetcher) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("fetch: bad port in %q", addr)
	}
	var ips []netip.Addr
	literal := false
	if ip, err := netip.ParseAddr(host); err == nil {
		ips, literal = []netip.Addr{ip}, true
	} else {
		ips, err = f.resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, &Error{Code: CodeUnreachable, Msg: fmt.Sprintf("cannot resolve host %s: %v", host, err), Err: err}
		}
		if len(ips) == 0 {
			return nil, &Error{Code: CodeUnreachable, Msg: fmt.Sprintf("host %s has no addresses", host)}
		}
	}
	var firstErr, forbidden error
	for i, ip := range ips {
		if i == maxDialAddrs || ctx.Err() != nil {
			break
		}
		// Resolvers may answer IPv4 in mapped form; dial (and judge) the
		// IPv4 address itself.
		ip = ip.Unmap()
		c, err := f.dialer.DialContext(ctx, network, netip.AddrPortFrom(ip, uint16(port)).String())
		if err == nil {
			return c, nil
		}
		var fe *Error
		if errors.As(err, &fe) {
			e := *fe
			if !literal {
				e.Msg = "host " + host + ": " + e.Msg
			}
			err = &e
			if forbidden == nil {
				forbidden = err
			}
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if forbidden != nil {
		return nil, forbidden // the most telling answer
	}
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return nil, firstErr
}
