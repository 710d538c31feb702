package hashlist

import (
	"strings"
	"testing"

	"github.com/atkm/herken/matcher"
)

const (
	pdqHex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	md5Hex = "d41d8cd98f00b204e9800998ecf8427e"
	sha1H  = "a9993e364706816aba3e25717850c26c9cd0d89d"
)

func readAll(t *testing.T, f Format, in string, opts Options) []Record {
	t.Helper()
	var out []Record
	if err := Read(strings.NewReader(in), f, opts, func(r Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatalf("Read: %v", err)
	}
	return out
}

// sigs formats a record's signals as "type:value" strings.
func sigs(r Record) string {
	var s []string
	for _, sig := range r.Item.Signals {
		s = append(s, sig.Type.String()+":"+sig.String())
	}
	return strings.Join(s, " ")
}

func TestCSVWide(t *testing.T) {
	in := "\ufeffMD5,pdq_hash,Label,categories,reference,quality,extra\n" +
		md5Hex + "," + pdqHex + ",poster,incitement;threat,RO-1,87,x\n" +
		"," + pdqHex + ",,,,,\n" +
		"zz,,,,,,\n" +
		md5Hex + ",,,bombs,,,\n" +
		",,,,,,\n"
	recs := readAll(t, CSV, in, Options{Categories: []matcher.Category{matcher.Instruction}})
	if len(recs) != 5 {
		t.Fatalf("%d records: %+v", len(recs), recs)
	}
	r := recs[0]
	if r.Err != nil || r.Line != 2 || sigs(r) != "md5:"+md5Hex+" pdq:"+pdqHex || r.Item.Label != "poster" ||
		r.Item.Reference != "RO-1" || *r.Item.PDQQuality != 87 || len(r.Item.Categories) != 2 {
		t.Errorf("line 2: %+v", r)
	}
	if recs[1].Err != nil || recs[1].Item.Categories[0] != matcher.Instruction {
		t.Errorf("line 3 should take the default category: %+v", recs[1])
	}
	if recs[2].Err == nil || recs[2].Line != 4 || !strings.Contains(recs[2].Err.Error(), "malformed md5") {
		t.Errorf("line 4: %+v", recs[2])
	}
	if recs[3].Err == nil || !strings.Contains(recs[3].Err.Error(), `unknown category "bombs"`) {
		t.Errorf("line 5: %+v", recs[3])
	}
	if recs[4].Err == nil || !strings.Contains(recs[4].Err.Error(), "no hash") {
		t.Errorf("line 6: %+v", recs[4])
	}
}

// TestCSVThreatExchangeExport reads the header the ThreatExchange CLI
// writes with `threatexchange dataset -P --csv`.
func TestCSVThreatExchangeExport(t *testing.T) {
	in := "signal_type,signal_str,collab,category,tags\n" +
		"pdq," + pdqHex + ",Sample Data,,\n" +
		"video_md5," + md5Hex + ",Sample Data,,\n" +
		"url,https://example.org/,Sample Data,,\n"
	recs := readAll(t, CSV, in, Options{})
	if recs[0].Err != nil || sigs(recs[0]) != "pdq:"+pdqHex {
		t.Errorf("pdq row: %+v", recs[0])
	}
	if recs[1].Err != nil || sigs(recs[1]) != "md5:"+md5Hex {
		t.Errorf("video_md5 row: %+v", recs[1])
	}
	if recs[2].Err == nil || !strings.Contains(recs[2].Err.Error(), `unknown signal type "url"`) {
		t.Errorf("url row: %+v", recs[2])
	}
}

func TestCSVValueOnly(t *testing.T) {
	in := "FilePath,Hash\nb.jpg," + pdqHex + "\n"
	if recs := readAll(t, CSV, in, Options{}); recs[0].Err == nil || !strings.Contains(recs[0].Err.Error(), "--type") {
		t.Errorf("ambiguous 64-digit value without --type: %+v", recs[0])
	}
	if recs := readAll(t, CSV, in, Options{Type: matcher.PDQ}); recs[0].Err != nil || sigs(recs[0]) != "pdq:"+pdqHex {
		t.Errorf("with --type pdq: %+v", recs[0])
	}
	if err := Read(strings.NewReader("a,b\n1,2\n"), CSV, Options{}, func(Record) error { return nil }); err == nil {
		t.Error("a header without a hash column was accepted")
	}
}

func TestNDJSON(t *testing.T) {
	in := `{"signals":[{"type":"pdq","value":"` + pdqHex + `"},{"type":"md5","value":"` + md5Hex + `"}],"categories":["threat"],"label":"l","reference":"r","pdq_quality":90}
{"signal_type":"sha1","signal_str":"` + sha1H + `"}

{"pdq":"` + pdqHex + `","category":"incitement"}
{"type":"pdq","value":"abc"}
not json
{"label":"nothing"}
`
	recs := readAll(t, NDJSON, in, Options{})
	if len(recs) != 6 {
		t.Fatalf("%d records", len(recs))
	}
	if r := recs[0]; r.Err != nil || sigs(r) != "md5:"+md5Hex+" pdq:"+pdqHex || r.Item.Categories[0] != matcher.Threat || *r.Item.PDQQuality != 90 {
		t.Errorf("line 1: %+v", r)
	}
	if r := recs[1]; r.Err != nil || sigs(r) != "sha1:"+sha1H {
		t.Errorf("line 2: %+v", r)
	}
	if r := recs[2]; r.Err != nil || r.Line != 4 || r.Item.Categories[0] != matcher.Incitement {
		t.Errorf("line 4: %+v", r)
	}
	for i, want := range map[int]string{3: "malformed pdq", 4: "malformed JSON", 5: "no hash"} {
		if r := recs[i]; r.Err == nil || !strings.Contains(r.Err.Error(), want) {
			t.Errorf("record %d (line %d): %v, want %q", i, r.Line, r.Err, want)
		}
	}
}

func TestLines(t *testing.T) {
	in := "# a comment\n\npdq:" + pdqHex + "\nsha1 " + sha1H + "\n" + md5Hex + "\r\n" + pdqHex + "\n"
	recs := readAll(t, Lines, in, Options{})
	if len(recs) != 4 || recs[0].Line != 3 || sigs(recs[0]) != "pdq:"+pdqHex || sigs(recs[1]) != "sha1:"+sha1H || sigs(recs[2]) != "md5:"+md5Hex {
		t.Fatalf("records: %+v", recs)
	}
	if recs[3].Err == nil {
		t.Error("bare 64-digit value accepted without a type")
	}
	huge := "md5:" + strings.Repeat("0", MaxLine+10) + "\n" + "md5:" + md5Hex + "\n"
	recs = readAll(t, Lines, huge, Options{})
	if len(recs) != 2 || recs[0].Err == nil || recs[1].Err != nil || recs[1].Line != 2 {
		t.Errorf("over-long line: %+v", recs)
	}
}

func TestDetect(t *testing.T) {
	f := func(name, first string, want Format) {
		t.Helper()
		if got := Detect(name, []byte(first)); got != want {
			t.Errorf("Detect(%q, %q) = %s, want %s", name, first, got, want)
		}
	}
	f("x.csv", "anything", CSV)
	f("x.jsonl", "anything", NDJSON)
	f("list", ` {"pdq": "..."}`, NDJSON)
	f("list.txt", "signal_type,signal_str", CSV)
	f("list.txt", "pdq:abc", Lines)
}

func FuzzRead(f *testing.F) {
	f.Add("pdq,md5\n" + pdqHex + "," + md5Hex + "\n")
	f.Add(`{"signals":[{"type":"pdq","value":"` + pdqHex + `"}]}` + "\n")
	f.Add("md5:" + md5Hex + "\n")
	f.Fuzz(func(t *testing.T, in string) {
		for _, format := range []Format{CSV, NDJSON, Lines} {
			_ = Read(strings.NewReader(in), format, Options{}, func(r Record) error {
				if r.Err == nil && len(r.Item.Signals) == 0 {
					t.Fatalf("%s: record without signals or error: %+v", format, r)
				}
				return nil
			})
		}
	})
}

func TestVPDQ(t *testing.T) {
	in := "0,100," + pdqHex + ",0.000\n25,95," + pdqHex + ",1.000\n50,12," + strings.Repeat("0", 64) + ",2.000\n"
	if Detect("frames.txt", []byte("0,100,"+pdqHex+",0.000")) != VPDQ {
		t.Fatal("vPDQ not detected")
	}
	recs := readAll(t, VPDQ, in, Options{Categories: []matcher.Category{matcher.Threat}})
	if len(recs) != 1 || recs[0].Err != nil {
		t.Fatalf("records: %+v", recs)
	}
	it := recs[0].Item
	// Two frames share a hash and one is of low quality: one unique frame.
	if len(it.Signals) != 1 || it.Video == nil || it.Video.UniqueFrames != 1 || it.Video.Frames != 3 {
		t.Errorf("item: %+v %+v", it.Signals, it.Video)
	}
	recs = readAll(t, VPDQ, "0,100,nothex,0.000\n", Options{})
	if len(recs) != 1 || recs[0].Err == nil || recs[0].Line != 1 {
		t.Errorf("malformed: %+v", recs)
	}
}
