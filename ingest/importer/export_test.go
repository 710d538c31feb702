package importer

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
)

// TestExportRoundTrip: a bank exported as CSV, NDJSON or pytx and
// imported into a new bank holds the same items (pytx: the same signals
// and categories, one item per signal, as pytx writes a row per signal;
// it has no label or reference). Retracted items are not
// exported; a video item is in NDJSON only.
func TestExportRoundTrip(t *testing.T) {
	s := newStore(t)
	// The video shares its first frame with TCAP's PDQ entry, which is
	// then already present.
	sum2 := importFile(t, newImporter(t, s), "../hashlist/testdata/vpdq_array.json")
	sum := importFile(t, newImporter(t, s), "../hashlist/testdata/tcap_page1.json")
	if sum.Added != 3 || sum2.Added != 1 {
		t.Fatalf("%+v %+v", sum, sum2)
	}
	q := 87
	sha1, _ := matcher.ParseTypedSignal("sha1:a9993e364706816aba3e25717850c26c9cd0d89d")
	pdqSig, _ := matcher.ParseTypedSignal("pdq:" + bridgePDQ)
	if out, _, err := s.AddItems([]matcher.Item{{Bank: "demo", Signals: []matcher.Signal{sha1, pdqSig}, Label: `poster, "red"`,
		Reference: "RO-1", PDQQuality: &q, Categories: []matcher.Category{matcher.Incitement, matcher.Threat}}}); err != nil || !out[0].Added {
		t.Fatalf("%+v %v", out, err)
	}
	md5, _ := matcher.ParseTypedSignal("md5:" + abcMD5)
	for _, it := range items(t, s) {
		if signals(it)["md5"] == md5.String() {
			if _, err := s.Retract(it.ID, "test", "t"); err != nil {
				t.Fatal(err)
			}
		}
	}
	key := func(it known.Item, full bool) string {
		var b bytes.Buffer
		for _, sig := range it.Signals {
			b.WriteString(sig.Type.String() + ":" + sig.String() + " ")
		}
		for _, c := range it.Categories {
			b.WriteString(string(c) + " ")
		}
		if full {
			b.WriteString(it.Label + "|" + it.Reference + "|")
			if it.PDQQuality != nil {
				b.WriteString(strconv.Itoa(*it.PDQQuality) + "|")
			}
			if p := it.Provenance; p != nil {
				b.WriteString(p.Source + "|" + p.SourceID + "|")
				for _, l := range p.Labels {
					b.WriteString(l + ";")
				}
			}
			if it.Video != nil {
				b.WriteString("video")
			}
		}
		return b.String()
	}
	active := func(bank string, full bool, videos bool) []string {
		all, err := s.Items(indexFilter(bank))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range all {
			if it.Status != known.Active || (!videos && it.Video != nil) {
				continue
			}
			if full {
				out = append(out, key(it, full))
				continue
			}
			// pytx holds one signal a row: an item of several comes
			// back as one item per signal, each with its categories.
			for _, sig := range it.Signals {
				one := it
				one.Signals = []matcher.Signal{sig}
				out = append(out, key(one, false))
			}
		}
		slices.Sort(out)
		return out
	}
	for _, c := range []struct {
		f      hashlist.Format
		full   bool
		videos bool
	}{{hashlist.NDJSON, true, true}, {hashlist.CSV, true, false}, {hashlist.PyTX, false, false}} {
		var buf bytes.Buffer
		w, err := hashlist.NewWriter(&buf, c.f)
		if err != nil {
			t.Fatal(err)
		}
		n, err := Export(context.Background(), s, "demo", w)
		wantOmitted := 0
		if !c.videos {
			wantOmitted = 1
		}
		if err != nil || n != 4 || w.Omitted != wantOmitted {
			t.Fatalf("%s: %d exported, %d omitted, %v", c.f, n, w.Omitted, err)
		}
		bank := "copy-" + string(c.f)
		if _, err := s.CreateBank(matcher.Bank{Name: bank, Enabled: true, Categories: []matcher.Category{matcher.Threat}}); err != nil {
			t.Fatal(err)
		}
		im, err := New(s, bank, "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := im.List(context.Background(), "export."+string(c.f), &buf); err != nil {
			t.Fatal(err)
		}
		if err := im.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := im.Summary(); len(got.Rejected) != 0 {
			t.Fatalf("%s: re-import rejected %+v\n%s", c.f, got.Rejected, buf.String())
		}
		want, got := active("demo", c.full, c.videos), active(bank, c.full, true)
		if !slices.Equal(want, got) {
			t.Errorf("%s round trip:\n got %q\nwant %q", c.f, got, want)
		}
	}
}

func indexFilter(bank string) index.ItemFilter { return index.ItemFilter{Bank: bank, Limit: 1 << 20} }
