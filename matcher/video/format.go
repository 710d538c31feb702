package video

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/atkm/herken/matcher/pdq"
)

// ErrMalformed is wrapped by every error about a malformed vPDQ list.
var ErrMalformed = errors.New("video: malformed vPDQ")

// ParseError locates a malformed line of a vPDQ list.
type ParseError struct {
	Line int // from 1
	Err  error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("video: vPDQ line %d: %v", e.Line, e.Err)
}

// Unwrap makes errors.Is(err, ErrMalformed) true.
func (e *ParseError) Unwrap() []error { return []error{ErrMalformed, e.Err} }

// maxLine bounds one line; a valid one is under 100 bytes.
const maxLine = 4096

// WriteVPDQ writes frames in the reference's text format, one line per
// frame: frame number, quality, PDQ hash in 64 lowercase hex digits and
// the timestamp in seconds with three decimals, separated by commas:
//
//	0,100,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,0.000
func WriteVPDQ(w io.Writer, frames []Frame) error {
	bw := bufio.NewWriter(w)
	b := make([]byte, 0, 96)
	for _, f := range frames {
		b = b[:0]
		b = strconv.AppendInt(b, int64(f.Number), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(f.Quality), 10)
		b = append(b, ',')
		b = append(b, f.Hash.String()...)
		b = append(b, ',')
		b = strconv.AppendFloat(b, f.Timestamp, 'f', 3, 64)
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return fmt.Errorf("video: writing vPDQ: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("video: writing vPDQ: %w", err)
	}
	return nil
}

// ParseVPDQ reads a vPDQ list in the reference's text format (see
// WriteVPDQ). Blank lines and CRLF line ends are accepted; anything else
// that is not four well-formed fields is a *ParseError wrapping
// ErrMalformed. An input without frames is an error too, as in the
// reference, since an empty list can match nothing.
func ParseVPDQ(r io.Reader) ([]Frame, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxLine)
	var frames []Frame
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		f, err := parseLine(text)
		if err != nil {
			return nil, &ParseError{Line: line, Err: err}
		}
		frames = append(frames, f)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &ParseError{Line: line + 1, Err: fmt.Errorf("line over %d bytes", maxLine)}
		}
		return nil, fmt.Errorf("video: reading vPDQ: %w", err)
	}
	if len(frames) == 0 {
		return nil, fmt.Errorf("%w: no frames", ErrMalformed)
	}
	return frames, nil
}

func parseLine(s string) (Frame, error) {
	fields := strings.Split(s, ",")
	if len(fields) != 4 {
		return Frame{}, fmt.Errorf("%d fields, want 4 (frame,quality,hash,timestamp)", len(fields))
	}
	var f Frame
	var err error
	if f.Number, err = strconv.Atoi(fields[0]); err != nil || f.Number < 0 {
		return Frame{}, fmt.Errorf("frame number %q is not a non-negative integer", fields[0])
	}
	q, err := parseQuality(fields[1])
	if err != nil {
		return Frame{}, err
	}
	f.Quality = q
	if f.Hash, err = pdq.ParseHash(fields[2]); err != nil {
		return Frame{}, err
	}
	if f.Timestamp, err = parseTimestamp(fields[3]); err != nil {
		return Frame{}, err
	}
	return f, nil
}

func parseQuality(s string) (int, error) {
	q, err := strconv.Atoi(s)
	if err != nil || q < 0 || q > 100 {
		return 0, fmt.Errorf("quality %q is not an integer in 0..100", s)
	}
	return q, nil
}

func parseTimestamp(s string) (float64, error) {
	t, err := strconv.ParseFloat(s, 64)
	if err != nil || t < 0 || math.IsInf(t, 0) || math.IsNaN(t) {
		return 0, fmt.Errorf("timestamp %q is not a non-negative number", s)
	}
	return t, nil
}

// ParseSignal reads python-threatexchange's (and HMA's) vPDQ signal
// string: a JSON array of "hash,quality,timestamp" strings, one per frame,
// without frame numbers; frames are numbered by position. An error names
// the element (from 1) as its Line.
func ParseSignal(s string) ([]Frame, error) {
	var elems []string
	if err := json.Unmarshal([]byte(s), &elems); err != nil {
		return nil, fmt.Errorf("%w: signal is not a JSON array of strings: %v", ErrMalformed, err)
	}
	if len(elems) == 0 {
		return nil, fmt.Errorf("%w: no frames", ErrMalformed)
	}
	frames := make([]Frame, len(elems))
	for i, e := range elems {
		parts := strings.Split(e, ",")
		if len(parts) != 3 {
			return nil, &ParseError{Line: i + 1, Err: fmt.Errorf("%d fields, want 3 (hash,quality,timestamp)", len(parts))}
		}
		h, err := pdq.ParseHash(parts[0])
		if err == nil {
			frames[i].Quality, err = parseQuality(parts[1])
		}
		if err == nil {
			frames[i].Timestamp, err = parseTimestamp(parts[2])
		}
		if err != nil {
			return nil, &ParseError{Line: i + 1, Err: err}
		}
		frames[i].Number, frames[i].Hash = i, h
	}
	return frames, nil
}

// FormatSignal writes frames as python-threatexchange's vPDQ signal
// string (see ParseSignal), with the timestamp formatted as Python's
// "{:.3}" does (three significant digits).
func FormatSignal(frames []Frame) string {
	elems := make([]string, len(frames))
	for i, f := range frames {
		elems[i] = fmt.Sprintf("%s,%d,%s", f.Hash, f.Quality, pythonG3(f.Timestamp))
	}
	b, _ := json.Marshal(elems) // strings always marshal
	return string(b)
}

// pythonG3 formats like Python's format(x, ".3"): three significant
// digits, scientific when the exponent is below -4 or at least 2 (Python's
// rule for the format without a type letter), trailing zeros dropped but a
// fixed-point result keeps one decimal.
func pythonG3(x float64) string {
	e := strconv.FormatFloat(x, 'e', 2, 64) // d.dde±XX, rounded once
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	if exp < -4 || exp >= 2 {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		return mant + "e" + expStr
	}
	s := strconv.FormatFloat(x, 'f', 2-exp, 64)
	s = strings.TrimRight(s, "0")
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	return s
}
