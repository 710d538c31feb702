package fetch

import (
	"strings"
)

// Codes of Error. They appear in the service's JSON errors, so they never
// change once released.
const (
	CodeInvalidURL       = "invalid_url"
	CodeForbiddenScheme  = "forbidden_scheme"
	CodeForbiddenAddress = "forbidden_address"
	CodeForbiddenPort    = "forbidden_port"
	CodeUserinfo         = "userinfo_not_allowed"
	CodeTooManyRedirects = "too_many_redirects"
	CodeTooLarge         = "too_large"
	CodeTimeout          = "timeout"
	CodeUpstreamStatus   = "upstream_status"
	CodeUnreachable      = "unreachable"
	CodeTruncated        = "truncated"
)

// Sentinels for errors.Is: errors.Is(err, ErrForbiddenAddress) holds for
// any *Error with that code, wherever it sits in the chain.
var (
	ErrInvalidURL       = &Error{Code: CodeInvalidURL}
	ErrForbiddenScheme  = &Error{Code: CodeForbiddenScheme}
	ErrForbiddenAddress = &Error{Code: CodeForbiddenAddress}
	ErrForbiddenPort    = &Error{Code: CodeForbiddenPort}
	ErrUserinfo         = &Error{Code: CodeUserinfo}
	ErrTooManyRedirects = &Error{Code: CodeTooManyRedirects}
	ErrTooLarge         = &Error{Code: CodeTooLarge}
	ErrTimeout          = &Error{Code: CodeTimeout}
	ErrUpstreamStatus   = &Error{Code: CodeUpstreamStatus}
	ErrUnreachable      = &Error{Code: CodeUnreachable}
	ErrTruncated        = &Error{Code: CodeTruncated}
)

// Error says why a URL was refused or its fetch failed.
//
// Error() reads "fetch: URL: Msg", e.g.
//
//	fetch: http://169.254.169.254/latest/meta-data: address 169.254.169.254 is link-local (cloud metadata); only public addresses are fetched
//
// URL is the URL (or redirect hop) concerned, with any password redacted
// and cut to a readable length; Msg says exactly what was refused and why.
type Error struct {
	Code   string // one of the Code constants
	URL    string // the URL or redirect hop concerned
	Msg    string // what was refused or failed, and why
	Err    error  // the underlying error, if any
	Status int    // the upstream status, for CodeUpstreamStatus
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("fetch: ")
	if e.URL != "" {
		b.WriteString(e.URL)
		b.WriteString(": ")
	}
	if e.Msg != "" {
		b.WriteString(e.Msg)
	} else {
		b.WriteString(e.Code)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel (or any *Error without URL and
// Msg) of e's code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.URL == "" && t.Msg == "" && t.Code == e.Code
}

// Client reports whether the URL itself is at fault (the caller's request
// should be rejected: invalid, forbidden, userinfo, too many redirects, too
// large) rather than the upstream or the network (timeout, upstream status,
// unreachable, truncated body). The service decides the HTTP status.
func (e *Error) Client() bool {
	switch e.Code {
	case CodeInvalidURL, CodeForbiddenScheme, CodeForbiddenAddress, CodeForbiddenPort,
		CodeUserinfo, CodeTooManyRedirects, CodeTooLarge:
		return true
	}
	return false
}

// maxShownURL bounds how much of a URL an error repeats.
const maxShownURL = 256

// shownURL cuts s for messages.
func shownURL(s string) string {
	if len(s) <= maxShownURL {
		return s
	}
	return strings.ToValidUTF8(s[:maxShownURL], "") + "…"
}
