package hashlist

import (
	"errors"
	"strings"
)

// In a hash list a field never spans lines, so CSV is read a line at a
// time: a line with an unbalanced quote is one bad line, reported at its
// own number, and the lines after it are read. (encoding/csv would take
// the rest of the file as one quoted field.)

// Why a CSV line could not be split; the wording follows encoding/csv.
var (
	errUnterminated = errors.New(`unterminated quoted field (a field cannot span lines)`)
	errBareQuote    = errors.New(`bare " in non-quoted field`)
	errExtraneous   = errors.New(`extraneous " in quoted field`)
)

// splitCSVLine splits one line (without its end of line) into fields as
// RFC 4180 does: fields are separated by commas, and a field that starts
// with a quote runs to the next quote not doubled. fields is reused for
// the result.
func splitCSVLine(line string, fields []string) ([]string, error) {
	fields = fields[:0]
	for {
		if !strings.HasPrefix(line, `"`) {
			end := strings.IndexByte(line, ',')
			field := line
			if end >= 0 {
				field = line[:end]
			}
			if strings.IndexByte(field, '"') >= 0 {
				return fields, errBareQuote
			}
			fields = append(fields, field)
			if end < 0 {
				return fields, nil
			}
			line = line[end+1:]
			continue
		}
		// A quoted field: "" stands for one quote.
		var b strings.Builder
		rest := line[1:]
		for {
			q := strings.IndexByte(rest, '"')
			if q < 0 {
				return fields, errUnterminated
			}
			b.WriteString(rest[:q])
			rest = rest[q+1:]
			if strings.HasPrefix(rest, `"`) {
				b.WriteByte('"')
				rest = rest[1:]
				continue
			}
			break
		}
		fields = append(fields, b.String())
		switch {
		case rest == "":
			return fields, nil
		case rest[0] != ',':
			return fields, errExtraneous
		}
		line = rest[1:]
	}
}
