package fetch

import (
	"net/netip"
	"testing"
)

// FuzzParseURL: whatever parseURL accepts is an http(s) URL with a host,
// no user info, an allowed port, and no literal non-public address.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"https://example.org/a.jpg", "http://127.0.0.1/", "http://[::ffff:127.0.0.1]/", "http://0x7f.1/",
		"http://user@host/", "file:///etc/passwd", "http://example.org:22/", "http://[fe80::1%25eth0]/",
		"http://2130706433/", "HTTP://EXAMPLE.ORG", "http://example.org:443/", "//example.org/",
	} {
		f.Add(s)
	}
	fe, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, ferr := fe.parseURL(raw)
		if ferr != nil {
			if ferr.Code == "" || ferr.Error() == "" {
				t.Fatalf("%q: an error without a code or message", raw)
			}
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" || u.User != nil {
			t.Fatalf("%q accepted as %#v", raw, u)
		}
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
			if e := fe.checkAddr(ip.Unmap()); e != nil {
				t.Fatalf("%q accepted with the refused address %s", raw, ip)
			}
		}
	})
}
