// Package hashlist reads lists of known hashes, as partners and exchanges
// share them, into items for the index.
//
// Three formats are read; Detect picks one from a file's name and first
// line.
//
//   - CSV with a header. Either one column per signal type (named pdq,
//     md5, sha256, sha1, phash, dhash, ahash, or those names with a
//     "_hash" suffix or "hash_" prefix), or a type column (signal_type,
//     hash_type, type, algorithm) beside a value column (signal_str — the
//     ThreatExchange CLI's export —, signal_value, hash_value, hash, value,
//     signal). A lone value column takes its type from Options.Type, or
//     from the value's length where that is unambiguous (32 hex digits:
//     md5; 40: sha1). Optional columns: categories or category,
//     label or name, reference or ref or id, pdq_quality or quality.
//     Other columns are ignored. A field never spans lines: a line with
//     an unbalanced quote is one bad line.
//   - NDJSON: one object per line, with "signals": [{"type", "value"}],
//     or "type"/"signal_type" and "value"/"signal_str"/"hash", or one key
//     per signal type; optional "categories" (a list or a string), "label",
//     "reference", "pdq_quality".
//   - Lines: one hash per line, as "type:value", "type value", or a bare
//     value typed as in CSV. Blank lines and lines starting with # are
//     skipped.
//   - vPDQ: the frame hashes of one known video in the reference's vPDQ
//     text format ("frame,quality,pdq,timestamp" per line); the whole
//     file is one item. Its JSON-array form (python-threatexchange's
//     "pdq_hex,quality,timestamp" strings) is read too, and detected.
//   - pytx: python-threatexchange's dataset CSV (PyTXHeader), detected by
//     its header; see partners.go.
//   - tcap: Tech Against Terrorism's hash-list JSON (pages with a
//     checkpoint, arrays or lines of entries); withdrawn entries become
//     Records with Withdrawn set.
//
// Type names are read through signals.ParseForeign, the one alias table.
// A source's own labels become the item's Provenance; Options.CategoryMap
// turns labels into art. 2(7) categories.
//
// A line that cannot be read becomes a Record with Err set, naming the
// line; reading goes on. A UTF-8 byte order mark before the first line is
// skipped in every format.
//
// Read and Detect are safe for concurrent use; each call has its own state.
package hashlist

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/signals"
	"github.com/atkm/herken/matcher/video"
)

// Format is a hash-list format.
type Format string

// The formats.
const (
	CSV    Format = "csv"
	NDJSON Format = "ndjson"
	Lines  Format = "lines"
	VPDQ   Format = "vpdq"
	// PyTX is python-threatexchange's dataset CSV (PyTXHeader).
	PyTX Format = "pytx"
	// TCAP is Tech Against Terrorism's hash-list JSON.
	TCAP Format = "tcap"
)

// ParseFormat accepts "csv", "ndjson" (or "jsonl") and "lines" (or "txt").
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "csv":
		return CSV, nil
	case "ndjson", "jsonl":
		return NDJSON, nil
	case "lines", "txt", "text":
		return Lines, nil
	case "vpdq":
		return VPDQ, nil
	case "pytx":
		return PyTX, nil
	case "tcap":
		return TCAP, nil
	}
	return "", fmt.Errorf("hashlist: unknown format %q (csv, ndjson, lines, vpdq, pytx, tcap)", s)
}

// Detect picks the format of a list from its file name and its first
// non-blank line.
func Detect(name string, firstLine []byte) Format {
	l := bytes.TrimSpace(bytes.TrimPrefix(firstLine, bom))
	if bytes.EqualFold(l, []byte(PyTXHeader)) {
		// A .csv like any other, whose opinion "category" column is not
		// an art. 2(7) category.
		return PyTX
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return CSV
	case ".ndjson", ".jsonl":
		return NDJSON
	case ".vpdq":
		return VPDQ
	}
	switch {
	case bytes.HasPrefix(l, []byte("[")) && vpdqJSONStart.Match(l):
		return VPDQ
	case bytes.Contains(l, []byte(`"hash_digest"`)) || bytes.Contains(l, []byte(`"checkpoint"`)):
		return TCAP
	case vpdqLine.Match(l):
		return VPDQ
	case bytes.HasPrefix(l, []byte("{")):
		return NDJSON
	case bytes.ContainsRune(l, ','):
		return CSV
	}
	return Lines
}

// DetectHead is Detect for the first bytes of a list (up to a few
// kilobytes), so that JSON spread over lines is recognised: a TCAP page
// or a vPDQ JSON array printed with indentation.
func DetectHead(name string, head []byte) Format {
	h := bytes.TrimSpace(bytes.TrimPrefix(head, bom))
	compact := bytes.Join(bytes.Fields(h), nil)
	switch {
	case filepath.Ext(name) == "" || strings.EqualFold(filepath.Ext(name), ".json"):
		if bytes.HasPrefix(compact, []byte("[")) && vpdqJSONStart.Match(compact) {
			return VPDQ
		}
		if bytes.HasPrefix(compact, []byte("{")) || bytes.HasPrefix(compact, []byte("[{")) {
			if bytes.Contains(compact, []byte(`"hash_digest"`)) || bytes.Contains(compact, []byte(`"checkpoint"`)) {
				return TCAP
			}
		}
	}
	first := h
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	return Detect(name, first)
}

// vpdqJSONStart recognises the start of a vPDQ JSON array.
var vpdqJSONStart = regexp.MustCompile(`^\[\s*"[0-9a-fA-F]{64},`)

// Options say how to read a list.
type Options struct {
	// Type is the signal type of values whose type the list does not
	// give (0: infer from the value's length where unambiguous).
	Type matcher.SignalType
	// Categories are given to items that name none of their own (the bank's
	// default categories apply when this is empty too).
	Categories []matcher.Category
	// Source names the partner in the items' provenance (default: the
	// format's, "tcap" or "python-threatexchange").
	Source string
	// CategoryMap gives the art. 2(7) categories of items that name none
	// of their own by a label of their provenance ("ideology=far-right",
	// "tag=bomb-making", "collab=X"); the categories of every matching
	// label are given. Items with no mapped label get Categories.
	CategoryMap map[string][]matcher.Category
}

// Record is one item read from a list, or why its line was rejected.
type Record struct {
	Line int
	Item matcher.Item
	Err  error
	// Withdrawn says the source withdrew Item (its signals): it is to be
	// retracted, never added.
	Withdrawn *Withdrawal
	// Page, when set, ends a page of a paged export; the record holds no
	// item.
	Page *Page
}

// vpdqLine recognises a line of the vPDQ text format.
var vpdqLine = regexp.MustCompile(`^\d+,\d+,[0-9a-fA-F]{64},[0-9.]+$`)

// readVPDQ reads one known video's vPDQ frame hashes as one item.
func readVPDQ(r io.Reader, opts Options, fn func(Record) error) error {
	br := bufio.NewReader(r)
	if b, err := br.Peek(1); err == nil && b[0] == '[' {
		all, err := io.ReadAll(io.LimitReader(br, maxVPDQJSON+1))
		if err != nil {
			return fmt.Errorf("hashlist: %w", err)
		}
		if len(all) > maxVPDQJSON {
			return fmt.Errorf("hashlist: a vPDQ JSON array over %d bytes", maxVPDQJSON)
		}
		frames, err := vpdqJSON(all)
		if err != nil {
			return fn(Record{Line: 1, Err: err})
		}
		return vpdqRecord(frames, opts, fn)
	}
	frames, err := video.ParseVPDQ(br)
	var pe *video.ParseError
	switch {
	case errors.As(err, &pe):
		return fn(Record{Line: pe.Line, Err: err})
	case err != nil:
		return fmt.Errorf("hashlist: %w", err)
	}
	return vpdqRecord(frames, opts, fn)
}

// maxVPDQJSON bounds a vPDQ JSON array read whole: about 100 bytes a
// frame, a frame a second, a day of video.
const maxVPDQJSON = 10 << 20

func vpdqRecord(frames []video.Frame, opts Options, fn func(Record) error) error {
	it := matcher.Item{Categories: slices.Clone(opts.Categories)}
	it.Signals, it.Video = matcher.VideoItem(frames)
	if len(it.Signals) == 0 {
		return fn(Record{Line: 1, Err: errNoGoodFrame})
	}
	return fn(Record{Line: 1, Item: it})
}

// MaxLine is the longest line read; a longer one is rejected.
const MaxLine = 1 << 20

// Read reads a list in format f, calling fn for every line that holds an
// item or an error. Items carry signals, categories, label and reference;
// the caller sets their bank. It stops at the first error fn returns or
// that r returns.
// A UTF-8 byte order mark at the start, as some editors write, is skipped.
func Read(r io.Reader, f Format, opts Options, fn func(Record) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(len(bom)); bytes.Equal(head, bom) {
		br.Discard(len(bom)) // cannot fail: the bytes are buffered
	}
	r = br
	switch f {
	case CSV:
		return readCSV(r, opts, fn)
	case NDJSON:
		return readNDJSON(r, opts, fn)
	case Lines:
		return readLines(r, opts, fn)
	case VPDQ:
		return readVPDQ(r, opts, fn)
	case PyTX:
		return readPyTX(r, opts, fn)
	case TCAP:
		return readTCAP(r, opts, fn)
	}
	return fmt.Errorf("hashlist: unknown format %q", f)
}

// bom is the UTF-8 byte order mark.
var bom = []byte("\ufeff")

// eachLine calls fn for every line of r, numbered from 1, rejecting lines
// longer than MaxLine.
func eachLine(r io.Reader, fn func(n int, line []byte, tooLong bool) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, err := readLine(br)
		if err == io.EOF && len(line) == 0 {
			return nil
		}
		tooLong := err == errTooLong
		if err != nil && err != io.EOF && !tooLong {
			return fmt.Errorf("hashlist: line %d: %w", n, err)
		}
		if ferr := fn(n, line, tooLong); ferr != nil {
			return ferr
		}
		if err == io.EOF {
			return nil
		}
	}
}

var errTooLong = fmt.Errorf("line longer than %d bytes", MaxLine)

// readLine returns the next line without its end of line. A line over
// MaxLine is consumed and reported with errTooLong.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > MaxLine {
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			return nil, errTooLong
		}
		line = append(line, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		return bytes.TrimRight(line, "\r\n"), err
	}
}

// parseValue parses a value whose type is given by name, by opts.Type, or
// by its length.
func parseValue(typeName, value string, opts Options) (matcher.Signal, error) {
	value = strings.TrimSpace(value)
	if typeName = strings.TrimSpace(typeName); typeName != "" {
		t, err := signals.ParseForeignType(typeName)
		if err != nil {
			return matcher.Signal{}, err
		}
		return matcher.ParseSignal(t, value)
	}
	if opts.Type != 0 {
		return matcher.ParseSignal(opts.Type, value)
	}
	switch len(value) {
	case 32:
		return matcher.ParseSignal(matcher.MD5, value)
	case 40:
		return matcher.ParseSignal(matcher.SHA1, value)
	}
	return matcher.Signal{}, fmt.Errorf("hashlist: cannot tell the type of a %d-digit value: name it (type:value) or give --type", len(value))
}
