package hashlist

import (
	"fmt"
	"strings"
	"testing"

	"github.com/atkm/herken/matcher"
)

// TestCSVBadQuoteSkipsOnlyItsLine reads a large list with an unterminated
// quote half-way: that line alone is rejected, at its own line number, and
// every row after it is read.
func TestCSVBadQuoteSkipsOnlyItsLine(t *testing.T) {
	const rows, bad = 100_000, 50_000
	var b strings.Builder
	b.WriteString("md5,label\n")
	for i := 1; i <= rows; i++ {
		if i == bad {
			fmt.Fprintf(&b, "%032x,\"an unterminated label\n", i)
			continue
		}
		fmt.Fprintf(&b, "%032x,row %d\n", i, i)
	}
	recs := readAll(t, CSV, b.String(), Options{Categories: []matcher.Category{matcher.Threat}})
	if len(recs) != rows {
		t.Fatalf("%d records, want %d", len(recs), rows)
	}
	var failed []Record
	for _, r := range recs {
		if r.Err != nil {
			failed = append(failed, r)
		}
	}
	if len(failed) != 1 || failed[0].Line != bad+1 || !strings.Contains(failed[0].Err.Error(), "quote") {
		t.Fatalf("rejected: %+v", failed)
	}
	last := recs[len(recs)-1]
	if last.Err != nil || last.Line != rows+1 || last.Item.Label != fmt.Sprintf("row %d", rows) {
		t.Errorf("last record: %+v", last)
	}
}

func TestCSVFieldsWithinALine(t *testing.T) {
	in := "md5,label,reference\n" +
		md5Hex + `,"a, quoted ""label""",RO-1` + "\n" +
		"# a comment\n" +
		"\n" +
		md5Hex + `,bare " quote,RO-2` + "\n" +
		md5Hex + `,"closed" then text,RO-3` + "\n" +
		md5Hex + ",\"\",RO-4\r\n" +
		md5Hex + `,"open` + "\n" +
		md5Hex + ",last,RO-6"
	recs := readAll(t, CSV, in, Options{Categories: []matcher.Category{matcher.Threat}})
	want := []struct {
		line      int
		label, ok string
		err       string
	}{
		{2, `a, quoted "label"`, "RO-1", ""},
		{5, "", "", `bare "`},
		{6, "", "", `extraneous`},
		{7, "", "RO-4", ""},
		{8, "", "", "unterminated"},
		{9, "last", "RO-6", ""},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records: %+v", len(recs), recs)
	}
	for i, w := range want {
		r := recs[i]
		if r.Line != w.line {
			t.Errorf("record %d: line %d, want %d", i, r.Line, w.line)
		}
		if w.err != "" {
			if r.Err == nil || !strings.Contains(r.Err.Error(), w.err) {
				t.Errorf("line %d: %v, want an error with %q", r.Line, r.Err, w.err)
			}
			continue
		}
		if r.Err != nil || r.Item.Label != w.label || r.Item.Reference != w.ok {
			t.Errorf("line %d: %+v", r.Line, r)
		}
	}
	// A header that cannot be read stops the list: nothing below it has a meaning.
	if err := Read(strings.NewReader("md5,\"label\n"+md5Hex+",x\n"), CSV, Options{}, func(Record) error { return nil }); err == nil {
		t.Error("a malformed header was accepted")
	}
}

// TestByteOrderMark reads lists saved by editors that begin them with a
// UTF-8 byte order mark: line 1 is read like any other.
func TestByteOrderMark(t *testing.T) {
	const bom = "\ufeff"
	f := func(format Format, in string) {
		t.Helper()
		recs := readAll(t, format, bom+in, Options{Categories: []matcher.Category{matcher.Threat}})
		if len(recs) == 0 || recs[0].Err != nil || recs[0].Line != 1 && format != CSV {
			t.Errorf("%s with a BOM: %+v", format, recs)
		}
	}
	f(Lines, "md5:"+md5Hex+"\n")
	f(Lines, md5Hex+"\n")
	f(NDJSON, `{"md5":"`+md5Hex+`"}`+"\n")
	f(CSV, "md5\n"+md5Hex+"\n")
	f(VPDQ, "0,100,"+pdqHex+",0.000\n")
	for name, first := range map[string]string{"list": `{"md5":"x"}`, "list.txt": "md5:x", "frames": "0,100," + pdqHex + ",0.000"} {
		if with, without := Detect(name, []byte(bom+first)), Detect(name, []byte(first)); with != without {
			t.Errorf("Detect(%q) with a BOM = %s, without = %s", first, with, without)
		}
	}
}
