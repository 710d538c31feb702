package hashlist

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// csvColumns maps a header to the columns it names.
type csvColumns struct {
	typed     map[int]matcher.SignalType // one column per signal type
	typeCol   int
	valueCol  int
	categCol  int
	labelCol  int
	refCol    int
	qualCol   int
	srcCol    int
	srcIDCol  int
	labelsCol int
	numFields int
}

func findColumns(header []string) (csvColumns, error) {
	c := csvColumns{typed: map[int]matcher.SignalType{}, typeCol: -1, valueCol: -1, categCol: -1, labelCol: -1, refCol: -1, qualCol: -1, srcCol: -1, srcIDCol: -1, labelsCol: -1, numFields: len(header)}
	set := func(dst *int, i int) {
		if *dst < 0 {
			*dst = i
		}
	}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if t, err := signals.ParseForeignType(name); err == nil {
			c.typed[i] = t
			continue
		}
		switch name {
		case "signal_type", "hash_type", "type", "algorithm":
			set(&c.typeCol, i)
		case "signal_str", "signal_value", "hash_value", "hash", "value", "signal":
			set(&c.valueCol, i)
		case "categories", "category", "tco_category":
			set(&c.categCol, i)
		case "label", "name":
			set(&c.labelCol, i)
		case "reference", "ref", "id":
			set(&c.refCol, i)
		case "pdq_quality", "quality":
			set(&c.qualCol, i)
		case "source":
			set(&c.srcCol, i)
		case "source_id":
			set(&c.srcIDCol, i)
		case "labels":
			set(&c.labelsCol, i)
		}
	}
	if len(c.typed) == 0 && c.valueCol < 0 {
		return c, fmt.Errorf("hashlist: the CSV header %q names no hash column (see the formats in the README)", strings.Join(header, ","))
	}
	return c, nil
}

func readCSV(r io.Reader, opts Options, fn func(Record) error) error {
	var cols *csvColumns
	var row []string
	err := eachLine(r, func(n int, line []byte, tooLong bool) error {
		if tooLong {
			if cols == nil {
				return fmt.Errorf("hashlist: the CSV header on line %d: %w", n, errTooLong)
			}
			return fn(Record{Line: n, Err: errTooLong})
		}
		l := string(line)
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			return nil
		}
		var err error
		row, err = splitCSVLine(l, row)
		if cols == nil {
			if err != nil {
				return fmt.Errorf("hashlist: the CSV header on line %d: %w", n, err)
			}
			c, err := findColumns(row)
			if err != nil {
				return err
			}
			cols = &c
			return nil
		}
		if err != nil {
			return fn(Record{Line: n, Err: fmt.Errorf("malformed CSV: %w", err)})
		}
		rec := Record{Line: n}
		rec.Item, rec.Err = cols.item(row, opts)
		return fn(rec)
	})
	if err == nil && cols == nil {
		return errors.New("hashlist: the CSV list is empty: it has no header")
	}
	return err
}

func (c csvColumns) item(row []string, opts Options) (matcher.Item, error) {
	field := func(i int) string {
		if i < 0 || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	var it matcher.Item
	for i, t := range c.typed {
		if v := field(i); v != "" {
			s, err := matcher.ParseSignal(t, v)
			if err != nil {
				return it, err
			}
			it.Signals = append(it.Signals, s)
		}
	}
	if v := field(c.valueCol); v != "" {
		s, err := parseValue(field(c.typeCol), v, opts)
		if err != nil {
			return it, err
		}
		it.Signals = append(it.Signals, s)
	}
	slices.SortFunc(it.Signals, func(a, b matcher.Signal) int { return int(a.Type) - int(b.Type) })
	return it, c.meta(&it, field, opts)
}

func (c csvColumns) meta(it *matcher.Item, field func(int) string, opts Options) error {
	if len(it.Signals) == 0 {
		return errors.New("no hash on this line")
	}
	it.Label, it.Reference = field(c.labelCol), field(c.refCol)
	cats, err := matcher.ParseCategories(field(c.categCol))
	if err != nil {
		return err
	}
	if src := field(c.srcCol); src != "" {
		// Labels are a JSON array in one cell, as Export writes them: a
		// label may hold any character. A cell that is not one is kept
		// as one label: a partner's words never fail a line.
		p := &known.Provenance{Source: src, SourceID: field(c.srcIDCol)}
		if l := field(c.labelsCol); l != "" {
			if json.Unmarshal([]byte(l), &p.Labels) != nil {
				p.Labels = []string{l}
			}
		}
		it.Provenance = p.Clip()
	}
	it.Categories = categorise(cats, it.Provenance, opts)
	if q := field(c.qualCol); q != "" {
		v, err := strconv.Atoi(q)
		if err != nil || v < 0 || v > 100 {
			return fmt.Errorf("quality %q is not a number from 0 to 100", q)
		}
		it.PDQQuality = &v
	}
	return nil
}

// ndjsonLine is every shape of NDJSON line that Read accepts.
type ndjsonLine struct {
	Signals    []json.RawMessage `json:"signals"`
	Type       string            `json:"type"`
	SignalType string            `json:"signal_type"`
	Value      string            `json:"value"`
	SignalStr  string            `json:"signal_str"`
	Hash       string            `json:"hash"`
	Categories json.RawMessage   `json:"categories"`
	Category   json.RawMessage   `json:"category"`
	Label      string            `json:"label"`
	Reference  string            `json:"reference"`
	PDQQuality *int              `json:"pdq_quality"`
	Provenance *known.Provenance `json:"provenance"`
	Video      *known.VideoInfo  `json:"video"`
}

func readNDJSON(r io.Reader, opts Options, fn func(Record) error) error {
	return eachLine(r, func(n int, line []byte, tooLong bool) error {
		if tooLong {
			return fn(Record{Line: n, Err: errTooLong})
		}
		if len(strings.TrimSpace(string(line))) == 0 {
			return nil
		}
		it, err := ndjsonItem(line, opts)
		return fn(Record{Line: n, Item: it, Err: err})
	})
}

func ndjsonItem(line []byte, opts Options) (matcher.Item, error) {
	var l ndjsonLine
	var it matcher.Item
	if err := json.Unmarshal(line, &l); err != nil {
		return it, fmt.Errorf("malformed JSON: %v", err)
	}
	for _, raw := range l.Signals {
		var s matcher.Signal
		if err := json.Unmarshal(raw, &s); err != nil {
			return it, err
		}
		it.Signals = append(it.Signals, s)
	}
	typeName := cmp.Or(l.Type, l.SignalType)
	if v := cmp.Or(l.Value, l.SignalStr, l.Hash); v != "" {
		s, err := parseValue(typeName, v, opts)
		if err != nil {
			return it, err
		}
		it.Signals = append(it.Signals, s)
	}
	// One key per signal type: {"pdq": "...", "md5": "..."}.
	var flat map[string]json.RawMessage
	if err := json.Unmarshal(line, &flat); err == nil {
		for k, raw := range flat {
			t, err := matcher.ParseSignalType(k)
			if err != nil {
				continue
			}
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return it, fmt.Errorf("%s: want a string", k)
			}
			s, err := matcher.ParseSignal(t, v)
			if err != nil {
				return it, err
			}
			it.Signals = append(it.Signals, s)
		}
	}
	if len(it.Signals) == 0 {
		return it, errors.New("no hash on this line")
	}
	slices.SortFunc(it.Signals, func(a, b matcher.Signal) int { return int(a.Type) - int(b.Type) })
	cats, err := jsonCategories(l.Categories, l.Category)
	if err != nil {
		return it, err
	}
	if l.Provenance != nil && l.Provenance.Source != "" {
		it.Provenance = l.Provenance.Clip()
	}
	it.Categories = categorise(cats, it.Provenance, opts)
	it.Label, it.Reference, it.PDQQuality, it.Video = l.Label, l.Reference, l.PDQQuality, l.Video
	return it, nil
}

// jsonCategories accepts a list of names or one string of names.
func jsonCategories(raws ...json.RawMessage) ([]matcher.Category, error) {
	var names []string
	for _, raw := range raws {
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		var list []string
		if err := json.Unmarshal(raw, &list); err == nil {
			names = append(names, list...)
			continue
		}
		var one string
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, errors.New("categories: want a list of names or a string")
		}
		names = append(names, one)
	}
	return matcher.ParseCategories(strings.Join(names, ","))
}

func readLines(r io.Reader, opts Options, fn func(Record) error) error {
	return eachLine(r, func(n int, line []byte, tooLong bool) error {
		if tooLong {
			return fn(Record{Line: n, Err: errTooLong})
		}
		l := strings.TrimSpace(string(line))
		if l == "" || strings.HasPrefix(l, "#") {
			return nil
		}
		typeName, value := "", l
		if t, v, ok := strings.Cut(l, ":"); ok {
			typeName, value = t, v
		} else if f := strings.Fields(l); len(f) == 2 {
			typeName, value = f[0], f[1]
		}
		s, err := parseValue(typeName, value, opts)
		rec := Record{Line: n, Err: err}
		if err == nil {
			rec.Item = matcher.Item{Signals: []matcher.Signal{s}, Categories: slices.Clone(opts.Categories)}
		}
		return fn(rec)
	})
}
