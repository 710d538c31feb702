package hashlist

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/atkm/herken/matcher"
)

func readFile(t *testing.T, name string, opts Options) (Format, []Record) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	f := DetectHead(name, b)
	return f, readAll(t, f, string(b), opts)
}

// TestPyTXDataset reads the CSV "threatexchange dataset -P --csv" writes:
// the header and row shape of facebook/ThreatExchange
// python-threatexchange/threatexchange/cli/dataset_cmd.py (_print_csv:
// signal_type, signal_str, collab, category as the opinion's name, tags
// joined by spaces), and vpdq's signal_str from
// extensions/vpdq/vpdq_util.py (vpdq_to_json).
func TestPyTXDataset(t *testing.T) {
	opts := Options{Categories: []matcher.Category{matcher.Incitement},
		CategoryMap: map[string][]matcher.Category{"tag=bomb-making": {matcher.Instruction}}}
	f, recs := readFile(t, "pytx_dataset.csv", opts)
	if f != PyTX || len(recs) != 6 {
		t.Fatalf("format %s, %d records", f, len(recs))
	}
	r := recs[0]
	if r.Err != nil || sigs(r) != "pdq:"+pdqHex || r.Item.Categories[0] != matcher.Instruction ||
		r.Item.Provenance.Source != "python-threatexchange" ||
		strings.Join(r.Item.Provenance.Labels, " ") != "collab=Sample Data category=POSITIVE_CLASS tag=media_type_photo tag=bomb-making" {
		t.Errorf("pdq row: %+v %+v", r, r.Item.Provenance)
	}
	if r := recs[1]; r.Err != nil || sigs(r) != "md5:900150983cd24fb0d6963f7d28e17f72" || r.Item.Categories[0] != matcher.Incitement {
		t.Errorf("video_md5 row: %+v", r)
	}
	if r := recs[2]; r.Err != nil || r.Item.Video == nil || r.Item.Video.Frames != 3 || len(r.Item.Signals) != 2 ||
		len(r.Item.Categories) != 1 || r.Item.Categories[0] != matcher.Threat {
		t.Errorf("vpdq row: %+v", r)
	}
	if r := recs[3]; r.Err == nil || !strings.Contains(r.Err.Error(), "NEGATIVE_CLASS") {
		t.Errorf("NEGATIVE_CLASS row: %+v", r)
	}
	if r := recs[4]; r.Err == nil || !strings.Contains(r.Err.Error(), `"text_tlsh"`) {
		t.Errorf("text_tlsh row: %+v", r)
	}
	// An art2_7: tag that names no category is a label, never a failure.
	if r := recs[5]; r.Err != nil || sigs(r) != "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" ||
		len(r.Item.Categories) != 1 || r.Item.Categories[0] != matcher.Incitement ||
		r.Item.Provenance.Labels[len(r.Item.Provenance.Labels)-1] != "tag=art2_7:bogus" {
		t.Errorf("video_sha256 row: %+v %+v", r, r.Item.Provenance)
	}
	// A CSV that is not the dataset's header is an error, not a guess.
	if err := Read(strings.NewReader("signal_type,signal_str\n"), PyTX, Options{}, func(Record) error { return nil }); err == nil {
		t.Error("a wrong pytx header was accepted")
	}
}

// TestPyTXLocalFile reads python-threatexchange's local_file collaboration
// format: "<signal_type> <signal_str>" per line (facebook/ThreatExchange
// python-threatexchange/threatexchange/exchanges/impl/file_api.py,
// fetch_iter and report_opinion).
func TestPyTXLocalFile(t *testing.T) {
	f, recs := readFile(t, "pytx_local_file.txt", Options{Categories: []matcher.Category{matcher.Threat}})
	if f != Lines || len(recs) != 2 || recs[0].Err != nil || recs[1].Err != nil ||
		sigs(recs[0]) != "pdq:"+pdqHex || sigs(recs[1]) != "md5:900150983cd24fb0d6963f7d28e17f72" {
		t.Fatalf("format %s: %+v", f, recs)
	}
}

// TestTCAPPages reads TCAP hash-list pages in the shape of
// TATHashListResponse and TATHashListEntry (facebook/ThreatExchange
// python-threatexchange/threatexchange/exchanges/clients/
// techagainstterrorism/api.py and tests/test_api.py): count, next,
// previous, checkpoint "<updated_on>,<id>", results with hash_digest,
// algorithm, ideology, file_type, deleted, updated_on, created_on, id.
// SHA256 and SHA512 entries follow TCAP's documentation only.
func TestTCAPPages(t *testing.T) {
	opts := Options{Categories: []matcher.Category{matcher.Incitement},
		CategoryMap: map[string][]matcher.Category{"ideology=far-right": {matcher.Threat, matcher.Incitement}}}
	f, recs := readFile(t, "tcap_page1.json", opts)
	if f != TCAP || len(recs) != 5 {
		t.Fatalf("format %s, %d records: %+v", f, len(recs), recs)
	}
	want := []string{"md5", "pdq", "sha256", "sha512"}
	for i, w := range want {
		r := recs[i]
		if r.Err != nil || r.Withdrawn != nil || r.Item.Signals[0].Type.String() != w || r.Line != i+1 {
			t.Errorf("entry %d: %+v", i+1, r)
		}
	}
	if p := recs[0].Item.Provenance; p.Source != "tcap" || p.SourceID != "2819" || strings.Join(p.Labels, " ") != "ideology=islamist file_type=mp4" {
		t.Errorf("provenance %+v", p)
	}
	if c := recs[1].Item.Categories; len(c) != 2 || c[0] != matcher.Incitement || c[1] != matcher.Threat {
		t.Errorf("far-right mapped to %v", c)
	}
	if c := recs[0].Item.Categories; len(c) != 1 || c[0] != matcher.Incitement {
		t.Errorf("unmapped ideology got %v, want the default", c)
	}
	if p := recs[4].Page; p == nil || p.Checkpoint != "1704901040.25555,2822" || !strings.Contains(p.Next, "offset=4") || p.Count != 6 {
		t.Errorf("page: %+v", recs[4])
	}

	_, recs = readFile(t, "tcap_page2.json", Options{Source: "tcap-eu"})
	if len(recs) != 3 {
		t.Fatalf("page 2: %d records", len(recs))
	}
	w := recs[0].Withdrawn
	if recs[0].Err != nil || w == nil || w.Source != "tcap-eu" || !w.At.Equal(time.Unix(1706000000, 5e8)) {
		t.Errorf("withdrawal: %+v %+v", recs[0], w)
	}
	if r := recs[1]; r.Err == nil || !strings.Contains(r.Err.Error(), `"TMK"`) {
		t.Errorf("unknown algorithm: %+v", r)
	}
	if p := recs[2].Page; p == nil || p.Next != "" || p.Checkpoint != "1706000000.5,2824" {
		t.Errorf("last page: %+v", recs[2])
	}

	// Entries one per line, and a bare array, read the same.
	line := `{"hash_digest": "900150983cd24fb0d6963f7d28e17f72", "algorithm": "MD5", "deleted": false, "id": "a1"}`
	for _, in := range []string{line + "\n" + line, "[" + line + "," + line + "]"} {
		recs := readAll(t, TCAP, in, Options{})
		if len(recs) != 2 || recs[1].Err != nil || recs[1].Line != 2 || recs[1].Item.Provenance.SourceID != "a1" {
			t.Errorf("%q: %+v", in, recs)
		}
	}
	if err := Read(strings.NewReader(`{"hash_digest": `), TCAP, Options{}, func(Record) error { return nil }); err == nil {
		t.Error("truncated JSON accepted")
	}
}

// TestVPDQJSONArray reads a vPDQ hash as python-threatexchange writes it
// (vpdq_util.vpdq_to_json: a JSON array of "pdq_hex,quality,timestamp"),
// detected without a format, and reads the same item as the text form.
func TestVPDQJSONArray(t *testing.T) {
	f, recs := readFile(t, "vpdq_array.json", Options{Categories: []matcher.Category{matcher.Threat}})
	if f != VPDQ || len(recs) != 1 || recs[0].Err != nil || recs[0].Item.Video.Frames != 3 || len(recs[0].Item.Signals) != 2 {
		t.Fatalf("format %s: %+v", f, recs)
	}
	b, _ := os.ReadFile("testdata/vpdq_array.json")
	text := ""
	for i, l := range strings.Split(strings.Trim(string(b), "[]\n "), "\n") {
		p := strings.Split(strings.Trim(strings.TrimSpace(l), `",`), ",")
		text += strings.Join([]string{string(rune('0' + i)), p[1], p[0], p[2]}, ",") + "\n"
	}
	if Detect("x", []byte(strings.Split(text, "\n")[0])) != VPDQ {
		t.Fatalf("text form %q not detected", text)
	}
	tr := readAll(t, VPDQ, text, Options{Categories: []matcher.Category{matcher.Threat}})
	if len(tr) != 1 || sigs(tr[0]) != sigs(recs[0]) || *tr[0].Item.Video != *recs[0].Item.Video {
		t.Errorf("text form %+v, JSON form %+v", tr, recs)
	}
	if recs := readAll(t, VPDQ, `["zz,100,0.0"]`, Options{}); len(recs) != 1 || recs[0].Err == nil {
		t.Errorf("bad frame: %+v", recs)
	}
}
