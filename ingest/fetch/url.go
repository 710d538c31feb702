package fetch

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// MaxURLLength is the longest URL accepted, in bytes.
const MaxURLLength = 8 << 10

// parseURL parses and checks a URL given to Fetch.
func (f *Fetcher) parseURL(raw string) (*url.URL, *Error) {
	if len(raw) > MaxURLLength {
		return nil, &Error{Code: CodeInvalidURL, URL: shownURL(raw),
			Msg: fmt.Sprintf("URL is %d bytes long; the limit is %d", len(raw), MaxURLLength)}
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // ue repeats the URL, which may hold a password
		}
		return nil, &Error{Code: CodeInvalidURL, URL: "(unparsable URL)",
			Msg: fmt.Sprintf("cannot parse URL: %v", err), Err: err}
	}
	if e := f.checkURL(u); e != nil {
		return nil, e
	}
	return u, nil
}

// checkURL checks u's scheme, host, userinfo and port, and the address if
// the host is an IP literal. It applies to the first URL and to every
// redirect hop. Addresses behind host names are checked when dialed.
func (f *Fetcher) checkURL(u *url.URL) *Error {
	shown := shownURL(u.Redacted())
	fail := func(code, format string, args ...any) *Error {
		return &Error{Code: code, URL: shown, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case u.Scheme == "":
		return fail(CodeInvalidURL, "URL is not absolute (no scheme); only http:// and https:// URLs are fetched")
	case u.Scheme != "http" && u.Scheme != "https":
		return fail(CodeForbiddenScheme, "scheme %q is not allowed; only http and https are fetched", u.Scheme)
	case u.Opaque != "":
		return fail(CodeInvalidURL, "URL has no host (write %s://host/...)", u.Scheme)
	case u.Hostname() == "":
		return fail(CodeInvalidURL, "URL has no host")
	case u.User != nil:
		// Never show the password; the username alone shows the trick
		// in http://trusted.example@127.0.0.1/.
		shownUser := u.User.Username()
		if _, ok := u.User.Password(); ok {
			shownUser += ":xxxxx"
		}
		return fail(CodeUserinfo, "user information %q before host %s is not allowed",
			shownUser+"@", u.Hostname())
	}
	port := uint16(80)
	if u.Scheme == "https" {
		port = 443
	}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return fail(CodeInvalidURL, "port %q is not a number from 0 to 65535", p)
		}
		port = uint16(n)
	}
	if !f.portAllowed(port) {
		e := f.portError(port)
		e.URL = shown
		return e
	}
	if e := f.checkHost(u.Hostname()); e != nil {
		e.URL = shown
		return e
	}
	return nil
}

// checkHost checks an IP literal's address, or that a name is a plain DNS
// name. Names that a URL parser or resolver could read as an IPv4 address
// in another spelling (2130706433, 0177.0.0.1, 0x7f.0.0.1, 127.1) are
// refused: they are not DNS names, and their meaning differs between
// parsers, so the address they stand for could not be shown or checked
// reliably before the dial.
func (f *Fetcher) checkHost(host string) *Error {
	if ip, err := netip.ParseAddr(host); err == nil {
		return f.checkAddr(ip)
	}
	if strings.Contains(host, ":") || strings.Contains(host, "%") {
		return &Error{Code: CodeInvalidURL, Msg: fmt.Sprintf("host %q is not a valid IP address", host)}
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if len(name) > 253 {
		return &Error{Code: CodeInvalidURL, Msg: fmt.Sprintf("host name is %d bytes long; the limit is 253", len(name))}
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if msg := badLabel(l); msg != "" {
			return &Error{Code: CodeInvalidURL, Msg: fmt.Sprintf("host %q is not a valid host name: %s", host, msg)}
		}
	}
	if numeric(labels[len(labels)-1]) {
		return &Error{Code: CodeInvalidURL, Msg: fmt.Sprintf(
			"host %q is neither a host name nor a dotted-decimal IPv4 address; decimal, octal, hex and shortened IPv4 forms are refused", host)}
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return &Error{Code: CodeForbiddenAddress, Msg: fmt.Sprintf(
			"host %s is loopback (localhost names always are, RFC 6761); only public addresses are fetched", host)}
	}
	return nil
}

// badLabel says what is wrong with one DNS label, or "". Letters of any
// script are accepted (IDNA is applied by net/http); the address they end
// up at is checked when dialed.
func badLabel(l string) string {
	switch {
	case l == "":
		return "empty label"
	case len(l) > 63:
		return "label longer than 63 bytes"
	}
	for _, r := range l {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
		case r > unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsMark(r)):
		default:
			return fmt.Sprintf("character %q", r)
		}
	}
	return ""
}

// numeric reports whether a label would be read as a number by the WHATWG
// URL parser's IPv4 rules (decimal, or 0x hex); a last label like that
// makes the whole host an IPv4 address there.
func numeric(l string) bool {
	if h, ok := strings.CutPrefix(l, "0x"); ok {
		l = h
		for _, r := range l {
			if !unicode.Is(unicode.ASCII_Hex_Digit, r) {
				return false
			}
		}
		return true
	}
	for _, r := range l {
		if r < '0' || r > '9' {
			return false
		}
	}
	return l != ""
}
