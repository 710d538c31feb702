package cluster

import (
	"encoding/hex"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/atkm/herken/index"
)

// appendAuditRecord appends r as one line of JSON, as encoding/json would
// write it (the same names, the same omitted empty fields), without
// reflection: a replica encodes a record for every request it answers,
// and encoding/json's reflection was the largest cost a lookup through a
// replica had that a single node's did not. It reports false for a
// record encoding/json would refuse too (a signal of an invalid type).
func appendAuditRecord(b []byte, r *index.AuditRecord) ([]byte, bool) {
	b = append(b, `{"time":"`...)
	b = r.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = appendStringField(b, "key_id", r.KeyID, true)
	b = appendStringField(b, "role", r.Role, true)
	b = appendStringField(b, "action", r.Action, false)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	if len(r.Signals) > 0 {
		b = append(b, `,"signals":[`...)
		for i, s := range r.Signals {
			if !s.Type.Valid() {
				return b, false
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"type":`...)
			b = appendJSONString(b, s.Type.String())
			b = append(b, `,"value":"`...)
			b = hex.AppendEncode(b, s.Bytes())
			b = append(b, `"}`...)
		}
		b = append(b, ']')
	}
	b = appendStringField(b, "url", r.URL, true)
	b = appendStringField(b, "decision", r.Decision, false)
	b = appendIDs(b, "matched_items", r.Matched)
	b = appendStringField(b, "detail", r.Detail, true)
	b = appendIDs(b, "shadow_items", r.Shadow)
	b = appendIDs(b, "suppressed_items", r.Suppressed)
	b = appendIDs(b, "quarantined_items", r.Quarantined)
	b = appendStringField(b, "verdict", r.Verdict, true)
	return append(b, "}\n"...), true
}

func appendStringField(b []byte, name, v string, omitEmpty bool) []byte {
	if omitEmpty && v == "" {
		return b
	}
	b = append(append(append(b, `,"`...), name...), `":`...)
	return appendJSONString(b, v)
}

func appendIDs(b []byte, name string, ids []uint64) []byte {
	if len(ids) == 0 {
		return b
	}
	b = append(append(append(b, `,"`...), name...), `":[`...)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, id, 10)
	}
	return append(b, ']')
}

// appendJSONString appends s quoted as encoding/json quotes it: control
// characters, quotes, backslashes, <, > and & escaped, invalid UTF-8 as
// U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(append(b, s[start:i]...), `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(append(b, s[start:]...), '"')
}
