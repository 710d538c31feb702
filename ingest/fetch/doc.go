// Package fetch downloads the content behind a submitted URL so that it can
// be hashed, and refuses to be used as a way into the networks around the
// service (server-side request forgery, SSRF).
//
// The service and the batch pipelines take URLs from anyone; Fetcher.Fetch
// streams the response body to a callback (it is never buffered whole nor
// written to disk) and says, with an *Error whose Code goes into the API's
// JSON errors, why a URL was refused or failed.
//
// # Rules
//
//   - Only absolute http and https URLs with a host, at most MaxURLLength
//     bytes; no user information ("user:pass@", "trusted.example@");
//     only the ports in Config.Ports (80 and 443 by default), for the URL
//     and for every dial.
//   - Host names must be DNS names. Hosts that some parser or resolver
//     reads as IPv4 in another spelling (2130706433, 0177.0.0.1,
//     0x7f.0.0.1, 127.1) are refused as invalid_url before anything is
//     resolved; localhost and *.localhost are refused as loopback.
//   - Only public addresses are connected to. The authoritative check runs
//     as the net.Dialer's Control function, on the address actually being
//     dialed, after resolution and before connect(2): so it holds on every
//     redirect hop, and against DNS answers that change between lookups
//     (rebinding). It refuses loopback, unspecified, private and
//     unique-local, link-local (with the cloud metadata address
//     169.254.169.254, which names like metadata.google.internal resolve
//     to), shared CGNAT space, multicast, broadcast, documentation,
//     benchmarking and reserved ranges, IPv4-mapped IPv6, NAT64, 6to4 and
//     Teredo (whatever IPv4 they embed), IPv6 outside 2000::/3, and
//     whatever else code.dny.dev/ssrf's guard denies. IP literals in a URL
//     are checked before any dial as well, for a quick and clear answer.
//     A name's addresses (at most 4) are tried in turn and each is judged
//     by itself; if none can be used, a refusal is reported in preference
//     to other dial errors.
//   - Config.Allow lists networks exempt from the public-address rule
//     (tests, trusted internal sources); it is consulted first. The port
//     rule still applies to them: tests that serve on random ports list
//     those in Config.Ports.
//   - At most Config.MaxRedirects redirects, each re-checked as above; no
//     Referer is passed on.
//   - No proxy from the environment, no cookies, no transparent
//     decompression (the bytes as served are hashed), TLS verified.
//   - Limits: 10s to connect, 10s for the TLS handshake, 15s for the
//     response header, Config.Timeout (30s) for the whole fetch including
//     the body; Config.MaxBytes (64 MiB) for the body, refused up front by
//     Content-Length and cut mid-stream otherwise. A non-2xx final status
//     is an upstream_status error and its body is not read.
//
// # Errors
//
// Error.Client reports whether the URL was at fault (invalid_url,
// forbidden_scheme, forbidden_address, forbidden_port,
// userinfo_not_allowed, too_many_redirects, too_large) or the upstream
// (timeout, upstream_status, unreachable, truncated); the service maps
// these to HTTP statuses. errors.Is(err, ErrForbiddenAddress) and the other
// sentinels match by code.
//
// # Concurrency
//
// A Fetcher is safe for concurrent use by many goroutines; it holds one
// http.Client whose Transport keeps idle connections for reuse.
package fetch
