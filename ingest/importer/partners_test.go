package importer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
)

func importFile(t *testing.T, im *Importer, path string) Summary {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := im.List(context.Background(), path, f); err != nil {
		t.Fatal(err)
	}
	if err := im.Flush(); err != nil {
		t.Fatal(err)
	}
	return im.Summary()
}

// TestTCAPWithdrawal imports two TCAP pages (shapes from facebook/
// ThreatExchange python-threatexchange/threatexchange/exchanges/clients/
// techagainstterrorism/api.py) into a real index: the second withdraws an
// entry of the first, which is retracted with the source and date, reports
// its checkpoint, and a re-import of the first page does not bring the
// withdrawn item back. The SHA-512 entry is found by its digest.
func TestTCAPWithdrawal(t *testing.T) {
	s := newStore(t)
	im := newImporter(t, s)
	sum := importFile(t, im, "../hashlist/testdata/tcap_page1.json")
	if sum.Added != 4 || len(sum.Rejected) != 0 || sum.Checkpoint != "1704901040.25555,2822" || sum.Next == "" {
		t.Fatalf("page 1: %+v", sum)
	}
	sum = importFile(t, im, "../hashlist/testdata/tcap_page2.json")
	if sum.Withdrawn != 1 || len(sum.Rejected) != 1 || !strings.Contains(sum.Rejected[0].Reason, `"TMK"`) ||
		sum.Checkpoint != "1706000000.5,2824" || sum.Next != "" {
		t.Fatalf("page 2: %+v", sum)
	}
	byMD5 := func() known.Item {
		for _, it := range items(t, s) {
			if signals(it)["md5"] == abcMD5 {
				return it
			}
		}
		t.Fatal("the md5 item is gone")
		return known.Item{}
	}
	it := byMD5()
	if it.Status != known.Retracted || it.Retraction.Reason != "withdrawn by tcap on 2024-01-23" ||
		it.Provenance == nil || it.Provenance.SourceID != "2819" {
		t.Fatalf("withdrawn item: %+v %+v", it, it.Retraction)
	}

	im2 := newImporter(t, s)
	sum = importFile(t, im2, "../hashlist/testdata/tcap_page1.json")
	if sum.Added != 0 || sum.Present != 4 || byMD5().Status != known.Retracted {
		t.Fatalf("re-import: %+v, md5 item %s", sum, byMD5().Status)
	}
	// A withdrawal of what the bank does not hold is counted, not added.
	im3 := newImporter(t, s)
	sum = importFile(t, im3, "../hashlist/testdata/tcap_page2.json")
	if sum.Withdrawn != 0 || sum.WithdrawnUnknown != 1 || sum.Added != 0 {
		t.Fatalf("second withdrawal: %+v", sum)
	}

	sig, _ := matcher.ParseTypedSignal("sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
	l, err := matcher.Identify(s, []matcher.Query{{Signal: sig, Quality: -1}}, matcher.DefaultRule)
	if err != nil || len(l.Matches) != 1 || !strings.Contains(l.Matches[0].Explanation, "listed by tcap as 2822: ideology=islamist") {
		t.Fatalf("sha512 lookup: %+v, %v", l.Matches, err)
	}
}

// TestPyTXDatasetImport: the pytx dataset CSV is detected from its header
// (though it ends in .csv) and its opinion column is not read as an art.
// 2(7) category.
func TestPyTXDatasetImport(t *testing.T) {
	s := newStore(t)
	sum := importFile(t, newImporter(t, s), "../hashlist/testdata/pytx_dataset.csv")
	// The vpdq row shares its first frame with the pdq row: already present.
	if sum.Added != 3 || sum.Present != 1 || len(sum.Rejected) != 2 {
		t.Fatalf("%+v", sum)
	}
}

// TestWithdrawalWithoutSearch runs the TCAP withdrawal into a store
// opened for writing only, as herken import opens it: the withdrawn item
// is found through the store's postings and retracted, and the store,
// opened again with its search structures, no longer matches it.
func TestWithdrawalWithoutSearch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	d, err := index.Open(dir, index.Options{Create: true, NoSync: true, NoSearch: true})
	if err != nil {
		t.Fatal(err)
	}
	s := d.Content()
	if _, err := s.CreateBank(matcher.Bank{Name: "demo", Enabled: true, Categories: []matcher.Category{"incitement"}}); err != nil {
		t.Fatal(err)
	}
	if sum := importFile(t, newImporter(t, s), "../hashlist/testdata/tcap_page1.json"); sum.Added != 4 {
		t.Fatalf("page 1: %+v", sum)
	}
	if sum := importFile(t, newImporter(t, s), "../hashlist/testdata/tcap_page2.json"); sum.Withdrawn != 1 {
		t.Fatalf("page 2: %+v", sum)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = index.Open(dir, index.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	sig, _ := matcher.ParseTypedSignal("md5:" + abcMD5)
	l, err := matcher.Identify(d.Content(), []matcher.Query{{Signal: sig, Quality: -1}}, matcher.DefaultRule)
	if err != nil || len(l.Matches) != 0 {
		t.Fatalf("withdrawn item still matches: %+v, %v", l.Matches, err)
	}
}
