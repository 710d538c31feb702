package media

import (
	"errors"
	"fmt"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
)

// Code classifies a decoding failure. Its values appear in JSON output.
type Code string

// The failure codes.
const (
	CodeUnsupported Code = "unsupported_format" // not an image we decode (or empty input)
	CodeTooLarge    Code = "too_large"          // declared dimensions exceed the Limits
	CodeCorrupt     Code = "corrupt"            // malformed data
	CodeTruncated   Code = "truncated"          // data ends early
)

// Error is a failure to sniff or decode content. Err, when set, is the
// underlying decoder's error.
type Error struct {
	Code   Code
	Format Format
	Msg    string
	Err    error
}

// Sentinels for errors.Is: an *Error matches the sentinel with its Code.
var (
	ErrUnsupported = &Error{Code: CodeUnsupported}
	ErrTooLarge    = &Error{Code: CodeTooLarge}
	ErrCorrupt     = &Error{Code: CodeCorrupt}
	ErrTruncated   = &Error{Code: CodeTruncated}
)

func (e *Error) Error() string {
	msg := e.Msg
	if msg == "" {
		msg = strings.ReplaceAll(string(e.Code), "_", " ")
	}
	if e.Err != nil {
		return "media: " + msg + ": " + e.Err.Error()
	}
	return "media: " + msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel for e's Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Msg == "" && t.Err == nil && t.Code == e.Code
}

func newError(code Code, f Format, err error, format string, args ...any) *Error {
	return &Error{Code: code, Format: f, Msg: fmt.Sprintf(format, args...), Err: err}
}

// classify turns a decoder's error into an *Error.
func classify(f Format, err error) *Error {
	var me *Error
	if errors.As(err, &me) {
		return me
	}
	if isTruncation(err) {
		return newError(CodeTruncated, f, err, "%s data ends early", f)
	}
	var ju jpeg.UnsupportedError
	var pu png.UnsupportedError
	if errors.As(err, &ju) || errors.As(err, &pu) {
		return newError(CodeUnsupported, f, err, "%s variant not supported", f)
	}
	return newError(CodeCorrupt, f, err, "corrupt %s data", f)
}

func isTruncation(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	// Some decoders format the cause with %v, or report running out of
	// input in their own words.
	s := err.Error()
	for _, m := range truncationMessages {
		if strings.Contains(s, m) {
			return true
		}
	}
	return strings.HasSuffix(s, ": EOF")
}

var truncationMessages = []string{
	"unexpected EOF",
	"short Huffman data",    // image/jpeg: entropy-coded data ran out
	"not enough pixel data", // image/png: image data ran out
	"not enough image data", // image/gif
	"Premature end",         // libjpeg
}
