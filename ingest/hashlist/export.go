package hashlist

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// Writer writes a bank's items in a format Read reads back as the same
// items: CSV and NDJSON with every field herken keeps of a list item,
// pytx as python-threatexchange's dataset CSV (signals and categories,
// the categories as art2_7: tags; its tools read the other rows too).
// Items a format cannot hold (a video's frame list in CSV or pytx) are
// counted in Omitted, never written half.
//
// A Writer is not safe for concurrent use.
type Writer struct {
	w       *bufio.Writer
	f       Format
	started bool
	// Omitted counts the items the format cannot hold.
	Omitted int
}

// csvExportColumns is the header of herken's CSV export.
var csvExportColumns = func() []string {
	var cols []string
	for _, t := range signals.Types() {
		cols = append(cols, t.String())
	}
	return append(cols, "categories", "label", "reference", "pdq_quality", "source", "source_id", "labels")
}()

// NewWriter returns a Writer of format f (CSV, NDJSON or PyTX).
func NewWriter(w io.Writer, f Format) (*Writer, error) {
	switch f {
	case CSV, NDJSON, PyTX:
		return &Writer{w: bufio.NewWriter(w), f: f}, nil
	}
	return nil, fmt.Errorf("hashlist: cannot export as %q (csv, ndjson, pytx)", f)
}

// Write writes one item.
func (x *Writer) Write(it known.Item) error {
	if !x.started {
		x.started = true
		switch x.f {
		case CSV:
			x.w.WriteString(strings.Join(csvExportColumns, ",") + "\n")
		case PyTX:
			x.w.WriteString(PyTXHeader + "\n")
		}
	}
	switch x.f {
	case NDJSON:
		return x.ndjson(it)
	case CSV:
		return x.csv(it)
	}
	return x.pytx(it)
}

// Flush writes what is buffered.
func (x *Writer) Flush() error { return x.w.Flush() }

type exportLine struct {
	Signals    []signals.Signal  `json:"signals"`
	Categories []known.Category  `json:"categories"`
	Label      string            `json:"label,omitempty"`
	Reference  string            `json:"reference,omitempty"`
	PDQQuality *int              `json:"pdq_quality,omitempty"`
	Video      *known.VideoInfo  `json:"video,omitempty"`
	Provenance *known.Provenance `json:"provenance,omitempty"`
}

func (x *Writer) ndjson(it known.Item) error {
	b, err := json.Marshal(exportLine{Signals: it.Signals, Categories: it.Categories, Label: it.Label,
		Reference: it.Reference, PDQQuality: it.PDQQuality, Video: it.Video, Provenance: it.Provenance})
	if err != nil {
		return err
	}
	x.w.Write(b)
	_, err = x.w.WriteString("\n")
	return err
}

// oneOfEach reports whether the item holds at most one signal of each
// type, as a CSV row can.
func oneOfEach(it known.Item) bool {
	seen := map[signals.Type]bool{}
	for _, s := range it.Signals {
		if seen[s.Type] {
			return false
		}
		seen[s.Type] = true
	}
	return it.Video == nil
}

func (x *Writer) csv(it known.Item) error {
	if !oneOfEach(it) {
		x.Omitted++
		return nil
	}
	row := make([]string, len(csvExportColumns))
	for _, s := range it.Signals {
		row[int(s.Type)-1] = s.String()
	}
	n := len(signals.Types())
	cats := make([]string, len(it.Categories))
	for i, c := range it.Categories {
		cats[i] = string(c)
	}
	row[n], row[n+1], row[n+2] = strings.Join(cats, ";"), it.Label, it.Reference
	if it.PDQQuality != nil {
		row[n+3] = strconv.Itoa(*it.PDQQuality)
	}
	if p := it.Provenance; p != nil {
		row[n+4], row[n+5] = p.Source, p.SourceID
		if len(p.Labels) > 0 {
			b, _ := json.Marshal(p.Labels)
			row[n+6] = string(b)
		}
	}
	return x.row(row)
}

// row writes fields quoted where RFC 4180 needs it; a field never holds a
// line break: one is written as a space, since a row is read a line at a
// time.
func (x *Writer) row(fields []string) error {
	for i, f := range fields {
		if i > 0 {
			x.w.WriteByte(',')
		}
		f = strings.NewReplacer("\r", " ", "\n", " ").Replace(f)
		if strings.ContainsAny(f, `,"`) || strings.TrimSpace(f) != f {
			f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
		}
		x.w.WriteString(f)
	}
	_, err := x.w.WriteString("\n")
	return err
}

// pytx writes one row per signal, as python-threatexchange does; the
// collab is the item's bank, the opinion POSITIVE_CLASS, the tags the
// art. 2(7) categories.
func (x *Writer) pytx(it known.Item) error {
	if it.Video != nil {
		x.Omitted++
		return nil
	}
	var tags []string
	for _, c := range it.Categories {
		tags = append(tags, Art27Tag+string(c))
	}
	for _, s := range it.Signals {
		if err := x.row([]string{signals.PyTXName(s.Type), s.String(), it.Bank, "POSITIVE_CLASS", strings.Join(tags, " ")}); err != nil {
			return err
		}
	}
	return nil
}
