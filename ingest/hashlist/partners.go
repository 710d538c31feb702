package hashlist

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
	"github.com/atkm/herken/matcher/video"
)

// Lists as partners send them: python-threatexchange's dataset CSV
// ("threatexchange dataset -P --csv"), Tech Against Terrorism's TCAP hash
// list (its JSON pages, an array of entries, or one entry per line) and
// vPDQ as a JSON array. A source's own words (pytx's opinion category and
// tags, TCAP's ideology and file type, the entry's id) become the item's
// Provenance; they never fail a line.

// PyTXHeader is the header of python-threatexchange's dataset CSV.
const PyTXHeader = "signal_type,signal_str,collab,category,tags"

// Art27Tag prefixes a pytx tag that carries an art. 2(7) category: herken's
// pytx export writes one per category, and the reader takes them back.
const Art27Tag = "art2_7:"

// Withdrawal says a source withdrew an entry (TCAP "deleted": true).
type Withdrawal struct {
	Source string
	At     time.Time
}

// Page is the paging state a paged export reports (TCAP's "checkpoint"
// and "next"): a sync resumes from Checkpoint.
type Page struct {
	Checkpoint string
	Next       string
	Count      int
}

// labelCategories returns the categories the admin mapped to any of the
// labels, sorted, without duplicates.
func labelCategories(labels []string, m map[string][]matcher.Category) []matcher.Category {
	var out []matcher.Category
	for _, l := range labels {
		for _, c := range m[l] {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	slices.Sort(out)
	return out
}

// categorise gives an item its own categories, else those the admin mapped
// to its labels, else the list's default.
func categorise(own []matcher.Category, p *known.Provenance, opts Options) []matcher.Category {
	if len(own) > 0 {
		return own
	}
	if p != nil {
		if c := labelCategories(p.Labels, opts.CategoryMap); len(c) > 0 {
			return c
		}
	}
	return slices.Clone(opts.Categories)
}

func sourceOr(opts Options, def string) string {
	if opts.Source != "" {
		return opts.Source
	}
	return def
}

// readPyTX reads python-threatexchange's dataset CSV. Its category column
// is pytx's opinion (POSITIVE_CLASS, INVESTIGATION_SEED, NEGATIVE_CLASS),
// not an art. 2(7) category: it is kept as a label, and a NEGATIVE_CLASS
// row (the partner says: false positive or test data) is not imported.
func readPyTX(r io.Reader, opts Options, fn func(Record) error) error {
	header := true
	var row []string
	return eachLine(r, func(n int, line []byte, tooLong bool) error {
		if tooLong {
			return fn(Record{Line: n, Err: errTooLong})
		}
		l := string(line)
		if strings.TrimSpace(l) == "" {
			return nil
		}
		if header {
			header = false
			if strings.EqualFold(strings.TrimSpace(l), PyTXHeader) {
				return nil
			}
			return fmt.Errorf("hashlist: python-threatexchange CSV header is %q, want %q", l, PyTXHeader)
		}
		var err error
		if row, err = splitCSVLine(l, row); err != nil {
			return fn(Record{Line: n, Err: fmt.Errorf("malformed CSV: %w", err)})
		}
		it, err := pytxItem(row, opts)
		return fn(Record{Line: n, Item: it, Err: err})
	})
}

func pytxItem(row []string, opts Options) (matcher.Item, error) {
	var it matcher.Item
	if len(row) != 5 {
		return it, fmt.Errorf("%d fields, want 5 (%s)", len(row), PyTXHeader)
	}
	kind, value, collab, opinion, tags := row[0], row[1], row[2], strings.TrimSpace(row[3]), strings.Fields(row[4])
	if strings.EqualFold(opinion, "NEGATIVE_CLASS") {
		return it, errors.New("the source's opinion is NEGATIVE_CLASS (a false positive or test data): not imported")
	}
	f, err := signals.ParseForeign(kind)
	if err != nil {
		return it, err
	}
	if f.VPDQ {
		frames, err := vpdqJSON([]byte(value))
		if err != nil {
			return it, err
		}
		if it.Signals, it.Video = matcher.VideoItem(frames); len(it.Signals) == 0 {
			return it, errNoGoodFrame
		}
	} else {
		s, err := matcher.ParseSignal(f.Type, value)
		if err != nil {
			return it, err
		}
		it.Signals = []matcher.Signal{s}
	}
	p := &known.Provenance{Source: sourceOr(opts, "python-threatexchange")}
	if c := strings.TrimSpace(collab); c != "" {
		p.Labels = append(p.Labels, "collab="+c)
	}
	if opinion != "" {
		p.Labels = append(p.Labels, "category="+opinion)
	}
	var own []matcher.Category
	for _, tag := range tags {
		if name, ok := strings.CutPrefix(tag, Art27Tag); ok {
			if c, err := matcher.ParseCategories(name); err == nil {
				own = append(own, c...)
				continue
			}
		}
		p.Labels = append(p.Labels, "tag="+tag)
	}
	it.Provenance = p.Clip()
	slices.Sort(own)
	it.Categories = categorise(slices.Compact(own), it.Provenance, opts)
	return it, nil
}

var errNoGoodFrame = errors.New("no frame of quality >= 50: nothing to match")

// vpdqJSON reads python-threatexchange's vPDQ signal string: a JSON array
// of "pdq_hex,quality,timestamp" strings (vpdq_util.VpdqCompactFeature),
// numbered in order.
func vpdqJSON(b []byte) ([]video.Frame, error) {
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("vPDQ JSON: want an array of \"pdq_hex,quality,timestamp\" strings: %v", err)
	}
	if len(list) == 0 {
		return nil, errors.New("vPDQ JSON: no frames")
	}
	var text strings.Builder
	for i, f := range list {
		parts := strings.Split(f, ",")
		if len(parts) != 3 {
			return nil, fmt.Errorf("vPDQ JSON frame %d: %q has %d fields, want 3 (pdq_hex,quality,timestamp)", i+1, f, len(parts))
		}
		fmt.Fprintf(&text, "%d,%s,%s,%s\n", i, parts[1], parts[0], parts[2])
	}
	frames, err := video.ParseVPDQ(strings.NewReader(text.String()))
	if err != nil {
		return nil, fmt.Errorf("vPDQ JSON: %w", err)
	}
	return frames, nil
}

// tcapEntry is one entry of TCAP's hash list (TATHashListEntry in
// python-threatexchange). updated_on is seconds since the epoch.
type tcapEntry struct {
	HashDigest *string         `json:"hash_digest"`
	Algorithm  string          `json:"algorithm"`
	Ideology   string          `json:"ideology"`
	FileType   string          `json:"file_type"`
	Deleted    bool            `json:"deleted"`
	UpdatedOn  json.RawMessage `json:"updated_on"`
	CreatedOn  json.RawMessage `json:"created_on"`
	ID         json.RawMessage `json:"id"`
}

// tcapPage is one page of TCAP's hash-list API (TATHashListResponse).
type tcapPage struct {
	Count      int               `json:"count"`
	Next       *string           `json:"next"`
	Checkpoint string            `json:"checkpoint"`
	Results    []json.RawMessage `json:"results"`
}

// readTCAP reads TCAP hash-list JSON: pages as the API returns them
// ({"count","next","previous","checkpoint","results":[...]}), arrays of
// entries, or entries, one after another. Records are numbered by entry.
func readTCAP(r io.Reader, opts Options, fn func(Record) error) error {
	dec := json.NewDecoder(r)
	n := 0
	entry := func(raw json.RawMessage) error {
		n++
		rec := tcapRecord(raw, opts)
		rec.Line = n
		return fn(rec)
	}
	for {
		var v json.RawMessage
		if err := dec.Decode(&v); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("hashlist: TCAP JSON after entry %d: %w", n, err)
		}
		switch t := bytes.TrimSpace(v); {
		case len(t) > 0 && t[0] == '[':
			var list []json.RawMessage
			if err := json.Unmarshal(t, &list); err != nil {
				return fmt.Errorf("hashlist: TCAP JSON array: %w", err)
			}
			for _, e := range list {
				if err := entry(e); err != nil {
					return err
				}
			}
		case bytes.Contains(t, []byte(`"results"`)):
			var p tcapPage
			if err := json.Unmarshal(t, &p); err != nil {
				return fmt.Errorf("hashlist: TCAP page: %w", err)
			}
			for _, e := range p.Results {
				if err := entry(e); err != nil {
					return err
				}
			}
			pg := &Page{Checkpoint: p.Checkpoint, Count: p.Count}
			if p.Next != nil {
				pg.Next = *p.Next
			}
			if err := fn(Record{Line: n, Page: pg}); err != nil {
				return err
			}
		default:
			if err := entry(t); err != nil {
				return err
			}
		}
	}
}

func tcapRecord(raw json.RawMessage, opts Options) Record {
	var e tcapEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return Record{Err: fmt.Errorf("malformed TCAP entry: %v", err)}
	}
	if e.HashDigest == nil {
		return Record{Err: errors.New("TCAP entry without hash_digest")}
	}
	t, err := signals.ParseForeignType(e.Algorithm)
	if err != nil {
		return Record{Err: err}
	}
	s, err := matcher.ParseSignal(t, *e.HashDigest)
	if err != nil {
		return Record{Err: err}
	}
	p := &known.Provenance{Source: sourceOr(opts, "tcap"), SourceID: jsonScalar(e.ID)}
	if e.Ideology != "" {
		p.Labels = append(p.Labels, "ideology="+e.Ideology)
	}
	if e.FileType != "" {
		p.Labels = append(p.Labels, "file_type="+e.FileType)
	}
	p = p.Clip()
	it := matcher.Item{Signals: []matcher.Signal{s}, Provenance: p, Categories: categorise(nil, p, opts)}
	if e.Deleted {
		return Record{Item: it, Withdrawn: &Withdrawal{Source: p.Source, At: jsonTime(e.UpdatedOn)}}
	}
	return Record{Item: it}
}

// jsonScalar is a JSON number or string as text ("" for anything else).
func jsonScalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// jsonTime reads seconds since the epoch (TCAP's updated_on) or an
// RFC 3339 time; the zero time when it is neither.
func jsonTime(raw json.RawMessage) time.Time {
	if v := jsonScalar(raw); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			sec := int64(f)
			return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
