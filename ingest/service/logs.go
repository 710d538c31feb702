package service

import (
	"bytes"
	"io"
	"log/slog"
	"unicode"
)

// StdLogWriter returns a writer for Go's standard logger (log.SetOutput)
// that passes its messages to l without what they quote. Libraries log
// through the standard logger with the data they saw: net/http's client
// writes "Unsolicited response received on idle HTTP channel starting with
// %q", the first bytes a fetched server sent. herken never logs submitted
// or fetched content, so a message is cut at its first quote, kept to
// printable characters and to maxStdLogMessage bytes.
func StdLogWriter(l *slog.Logger) io.Writer { return stdLogWriter{l} }

type stdLogWriter struct{ l *slog.Logger }

// maxStdLogMessage bounds what is kept of one standard-log message.
const maxStdLogMessage = 160

func (w stdLogWriter) Write(p []byte) (int, error) {
	msg := bytes.TrimSpace(p)
	cut := false
	if i := bytes.IndexAny(msg, "\"'`"); i >= 0 {
		msg, cut = msg[:i], true
	}
	if len(msg) > maxStdLogMessage {
		msg, cut = msg[:maxStdLogMessage], true
	}
	msg = bytes.Map(func(r rune) rune {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, msg)
	attrs := []any{"msg", string(bytes.TrimSpace(msg))}
	if cut {
		attrs = append(attrs, "withheld", "the rest, which may quote content")
	}
	w.l.Warn("go log", attrs...)
	return len(p), nil
}
