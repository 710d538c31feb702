package index

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// openNewDB creates an index in a new folder, closed at the test's end.
func openNewDB(t testing.TB) (*DB, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	d, err := Open(dir, Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, dir
}

// openNew is openNewDB's known content.
func openNew(t testing.TB) (*Content, string) {
	t.Helper()
	d, dir := openNewDB(t)
	return d.Content(), dir
}

func mustBank(t testing.TB, s *Content, name string, enabled bool) {
	t.Helper()
	if _, err := s.CreateBank(known.Bank{Name: name, Enabled: enabled, Categories: []known.Category{known.Incitement}}); err != nil {
		t.Fatal(err)
	}
}

func sig(t testing.TB, typ signals.Type, hex string) signals.Signal {
	t.Helper()
	s, err := signals.Parse(typ, hex)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// flip returns s with its first n bits inverted.
func flip(s signals.Signal, n int) signals.Signal {
	b := append([]byte{}, s.Bytes()...)
	for i := range n {
		b[i/8] ^= 1 << (i % 8)
	}
	out, _ := signals.New(s.Type, b)
	return out
}

// flipRandom returns s with n distinct random bits inverted.
func flipRandom(rng *rand.Rand, s signals.Signal, n int) signals.Signal {
	b := append([]byte{}, s.Bytes()...)
	for _, i := range rng.Perm(8 * len(b))[:n] {
		b[i/8] ^= 1 << (i % 8)
	}
	out, _ := signals.New(s.Type, b)
	return out
}

func addOne(t testing.TB, s *Content, it known.Item) uint64 {
	t.Helper()
	out, _, err := s.AddItems([]known.Item{it})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Err != nil || !out[0].Added {
		t.Fatalf("item not added: %+v", out[0])
	}
	return out[0].ID
}

func lookupOne(t testing.TB, s *Content, q matcher.Query) matcher.Identification {
	t.Helper()
	res, err := identify(s, []matcher.Query{q})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const knownPDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"

func TestOpenRefusesWhatIsNotAStore(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing"), Options{}); !errors.Is(err, ErrNotInitialised) {
		t.Errorf("missing folder: %v", err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrNotInitialised) {
		t.Errorf("empty folder: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{Create: true}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("non-empty folder: %v", err)
	}
}

func TestAddLookupReopen(t *testing.T) {
	d, dir := openNewDB(t)
	s := d.Content()
	mustBank(t, s, "gifct", true)
	v0 := s.Version()
	pdqSig := sig(t, signals.PDQ, knownPDQ)
	md5Sig := sig(t, signals.MD5, "900150983cd24fb0d6963f7d28e17f72") // md5 of "abc"
	id := addOne(t, s, known.Item{Bank: "gifct", Signals: []signals.Signal{pdqSig, md5Sig}, Label: "video still", Reference: "RO-2026-17"})
	if s.Version() <= v0 {
		t.Fatalf("version did not grow: %d -> %d", v0, s.Version())
	}

	check := func(s *Content) {
		t.Helper()
		res := lookupOne(t, s, matcher.Query{Signal: flip(pdqSig, 6), Quality: 90})
		if len(res.Matches) != 1 {
			t.Fatalf("near lookup: %+v", res)
		}
		m := res.Matches[0]
		if m.ItemID != id || m.Distance != 6 || m.Threshold != 31 || m.Bank != "gifct" || m.Value != knownPDQ ||
			m.Variant != "orig" || *m.QueryQuality != 90 || m.Reference != "RO-2026-17" || m.Categories[0] != known.Incitement {
			t.Errorf("match: %+v", m)
		}
		if got := m.Explain(); got != "pdq: 6 of 256 bits differ; the bank's threshold is 31" {
			t.Errorf("Explain() = %q", got)
		}
		if res.IndexVersion != s.Version() {
			t.Errorf("lookup version %d, store %d", res.IndexVersion, s.Version())
		}
		if res := lookupOne(t, s, matcher.Query{Signal: flip(pdqSig, 32), Quality: -1}); len(res.Matches) != 0 {
			t.Errorf("distance 32 matched: %+v", res.Matches)
		}
		if res := lookupOne(t, s, matcher.Query{Signal: md5Sig, Quality: -1}); len(res.Matches) != 1 || res.Matches[0].Distance != 0 {
			t.Errorf("exact lookup: %+v", res)
		}
		if res := lookupOne(t, s, matcher.Query{Signal: flip(md5Sig, 1), Quality: -1}); len(res.Matches) != 0 {
			t.Errorf("exact lookup of another value matched: %+v", res)
		}
	}
	check(s)
	version := s.Version()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	s2 := d2.Content()
	if s2.Version() != version {
		t.Errorf("version after reopen %d, want %d", s2.Version(), version)
	}
	check(s2)
	st := s2.Status()
	if st.Signals["pdq"].Count != 1 || st.Signals["md5"].Count != 1 || st.Banks != 1 {
		t.Errorf("status: %+v", st)
	}
}

func TestImportIsIdempotentAndRetractionSticks(t *testing.T) {
	s, _ := openNew(t)
	mustBank(t, s, "a", true)
	mustBank(t, s, "b", true)
	pdqSig := sig(t, signals.PDQ, knownPDQ)
	items := []known.Item{
		{Bank: "a", Signals: []signals.Signal{pdqSig}},
		{Bank: "a", Signals: []signals.Signal{pdqSig}}, // duplicate within the batch
		{Bank: "b", Signals: []signals.Signal{pdqSig}}, // another bank may hold it too
		{Bank: "nope", Signals: []signals.Signal{pdqSig}},
		{Bank: "a"}, // no signals
	}
	out, _, err := s.AddItems(items)
	if err != nil {
		t.Fatal(err)
	}
	if !out[0].Added || out[1].Added || out[1].ID != out[0].ID || !out[2].Added ||
		!errors.Is(out[3].Err, ErrBankNotFound) || out[4].Err == nil {
		t.Fatalf("outcomes: %+v", out)
	}
	again, _, _ := s.AddItems(items[:1])
	if again[0].Added || again[0].ID != out[0].ID {
		t.Fatalf("re-import: %+v", again[0])
	}

	id := out[0].ID
	if _, err := s.Retract(id, "", "analyst"); !errors.Is(err, ErrNoReason) {
		t.Errorf("retract without reason: %v", err)
	}
	it, err := s.Retract(id, "complaint upheld", "analyst-7")
	if err != nil || it.Status != known.Retracted || it.Retraction.Reason != "complaint upheld" {
		t.Fatalf("retract: %v %+v", err, it)
	}
	if _, err := s.Retract(id, "again", "x"); !errors.Is(err, ErrAlreadyRetracted) {
		t.Errorf("second retract: %v", err)
	}
	res := lookupOne(t, s, matcher.Query{Signal: pdqSig, Quality: -1})
	if len(res.Matches) != 1 || res.Matches[0].Bank != "b" {
		t.Fatalf("after retraction only bank b should match: %+v", res.Matches)
	}
	// A retracted item does not come back through a re-import.
	if again, _, _ := s.AddItems(items[:1]); again[0].Added {
		t.Error("re-import resurrected a retracted item")
	}
	it, err = s.Reactivate(id, "complaint overturned", "lead")
	if err != nil || it.Status != known.Active || len(it.History) != 2 {
		t.Fatalf("reactivate: %v %+v", err, it)
	}
	if res := lookupOne(t, s, matcher.Query{Signal: pdqSig, Quality: -1}); len(res.Matches) != 2 {
		t.Errorf("after reactivation: %+v", res.Matches)
	}
	if _, err := s.Reactivate(id, "x", "y"); !errors.Is(err, ErrNotRetracted) {
		t.Errorf("reactivating an active item: %v", err)
	}
	list, err := s.Items(ItemFilter{Bank: "a"})
	if err != nil || len(list) != 1 || list[0].ID != id {
		t.Errorf("items: %v %+v", err, list)
	}
}

func TestBankSettingsAndGates(t *testing.T) {
	s, _ := openNew(t)
	mustBank(t, s, "strict", true)
	mustBank(t, s, "off", false)
	pdqSig := sig(t, signals.PDQ, knownPDQ)
	addOne(t, s, known.Item{Bank: "strict", Signals: []signals.Signal{pdqSig}})
	addOne(t, s, known.Item{Bank: "off", Signals: []signals.Signal{pdqSig}})
	if _, err := s.UpdateBank("strict", func(b *known.Bank) error {
		b.Thresholds = map[signals.Type]int{signals.PDQ: 10}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if res := lookupOne(t, s, matcher.Query{Signal: flip(pdqSig, 11), Quality: -1}); len(res.Matches) != 0 {
		t.Errorf("distance 11 over threshold 10 matched: %+v", res.Matches)
	}
	res := lookupOne(t, s, matcher.Query{Signal: flip(pdqSig, 10), Quality: -1})
	if len(res.Matches) != 1 || res.Matches[0].Threshold != 10 {
		t.Errorf("distance 10: %+v", res.Matches)
	}
	res = lookupOne(t, s, matcher.Query{Signal: pdqSig, Quality: 49})
	if len(res.Matches) != 0 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "quality 49 is below the minimum of 50") {
		t.Errorf("quality gate: %+v", res)
	}
	if _, err := s.UpdateBank("strict", func(b *known.Bank) error {
		b.Thresholds = map[signals.Type]int{signals.PDQ: 200}
		return nil
	}); err == nil {
		t.Error("threshold 200 accepted")
	}
}

func TestDihedralVariantIsNamed(t *testing.T) {
	s, _ := openNew(t)
	mustBank(t, s, "a", true)
	target := sig(t, signals.PDQ, knownPDQ)
	addOne(t, s, known.Item{Bank: "a", Signals: []signals.Signal{target}})
	far := flip(target, 120)
	variants := make([]matcher.QueryVariant, 7)
	for i := range variants {
		variants[i] = matcher.QueryVariant{Name: matcher.VariantNames[i+1], Signal: flip(far, i+1), Quality: 100}
	}
	variants[2].Signal = flip(target, 2) // the query's rot270 is 2 bits from the known item
	res := lookupOne(t, s, matcher.Query{Signal: far, Quality: 100, Variants: variants})
	if len(res.Matches) != 1 || res.Matches[0].Variant != "rot270" || res.Matches[0].Distance != 2 {
		t.Fatalf("dihedral: %+v", res.Matches)
	}
	if !strings.Contains(res.Matches[0].Explain(), "rot270 variant") {
		t.Errorf("Explain() = %q", res.Matches[0].Explain())
	}
}

// TestLookupAgainstBruteForce checks perceptual lookups through the store
// against a brute-force scan of the same items, around the threshold.
func TestLookupAgainstBruteForce(t *testing.T) {
	s, _ := openNew(t)
	mustBank(t, s, "a", true)
	rng := rand.New(rand.NewPCG(11, 12))
	randSig := func(typ signals.Type) signals.Signal {
		b := make([]byte, typ.Size())
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		out, _ := signals.New(typ, b)
		return out
	}
	var targets []signals.Signal
	var items []known.Item
	base := randSig(signals.PDQ)
	for i := range 1500 {
		v := randSig(signals.PDQ)
		if i%3 == 0 { // a cluster of near-duplicates around base, across the threshold
			v = flipRandom(rng, base, 20+i%25)
		}
		targets = append(targets, v)
		items = append(items, known.Item{Bank: "a", Signals: []signals.Signal{v}})
	}
	if _, _, err := s.AddItems(items); err != nil {
		t.Fatal(err)
	}
	for q := range 50 {
		query := flipRandom(rng, base, q%5)
		if q%7 == 0 {
			query = randSig(signals.PDQ)
		}
		want := 0
		for _, k := range targets {
			if d, _ := k.Distance(query); d <= 31 {
				want++
			}
		}
		res := lookupOne(t, s, matcher.Query{Signal: query, Quality: -1})
		if len(res.Matches) != want {
			t.Fatalf("query %d: %d matches, brute force %d", q, len(res.Matches), want)
		}
		for _, m := range res.Matches {
			if m.Distance > 31 {
				t.Fatalf("match at distance %d", m.Distance)
			}
		}
	}
}

func TestConcurrentLookupsAndWrites(t *testing.T) {
	s, _ := openNew(t)
	mustBank(t, s, "a", true)
	target := sig(t, signals.PDQ, knownPDQ)
	id := addOne(t, s, known.Item{Bank: "a", Signals: []signals.Signal{target}})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := identify(s, []matcher.Query{{Signal: target, Quality: -1}})
				if err != nil {
					t.Error(err)
					return
				}
				if len(res.Matches) > 1 {
					t.Errorf("more than one match: %+v", res.Matches)
				}
			}
		})
	}
	for i := range 40 {
		md5 := sig(t, signals.MD5, fmt.Sprintf("%032x", i+1))
		addOne(t, s, known.Item{Bank: "a", Signals: []signals.Signal{md5}})
		if i%2 == 0 {
			if _, err := s.Retract(id, "test", "t"); err != nil {
				t.Fatal(err)
			}
		} else if _, err := s.Reactivate(id, "test", "t"); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

func TestClosedStore(t *testing.T) {
	d, _ := openNewDB(t)
	s := d.Content()
	d.Close()
	if _, err := identify(s, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("lookup after close: %v", err)
	}
	if _, err := s.CreateBank(known.Bank{Name: "x"}); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
}

func TestClock(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	d, err := Open(filepath.Join(t.TempDir(), "d"), Options{Create: true, NoSync: true, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s := d.Content()
	mustBank(t, s, "a", true)
	id := addOne(t, s, known.Item{Bank: "a", Signals: []signals.Signal{sig(t, signals.SHA1, strings.Repeat("ab", 20))}})
	it, _ := s.Item(id)
	if !it.AddedAt.Equal(at) {
		t.Errorf("added at %v", it.AddedAt)
	}
}

// TestFilterGrows: adding far more digests than the filter was sized for
// rebuilds it in the background, with no false negatives on the way.
func TestFilterGrows(t *testing.T) {
	s, _ := openNew(t)
	mustBank(t, s, "a", true)
	var items []known.Item
	for i := range 5000 {
		items = append(items, known.Item{Bank: "a", Signals: []signals.Signal{sig(t, signals.SHA1, fmt.Sprintf("%040x", i+1))}})
		if len(items) == 500 {
			if _, _, err := s.AddItems(items); err != nil {
				t.Fatal(err)
			}
			items = items[:0]
		}
	}
	s.bg.Wait()
	if c := s.mem.exact[signals.SHA1].Capacity(); c < 5000 {
		t.Errorf("filter capacity %d after 5000 keys", c)
	}
	for i := range 5000 {
		res := lookupOne(t, s, matcher.Query{Signal: sig(t, signals.SHA1, fmt.Sprintf("%040x", i+1)), Quality: -1})
		if len(res.Matches) != 1 {
			t.Fatalf("key %d not found after growth", i+1)
		}
	}
}

func TestAPIKeys(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	dir := filepath.Join(t.TempDir(), "d")
	d, err := Open(dir, Options{Create: true, NoSync: true, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	s := d.APIKeys()
	expires := now.Add(24 * time.Hour)
	rec, key, err := s.Create("crawler one", RoleCrawler, &expires, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "hk_"+rec.ID+"_") || strings.Contains(rec.Hash, key) {
		t.Fatalf("key %q, record %+v", key, rec)
	}
	got, err := s.Authenticate(key)
	if err != nil || got.Role != RoleCrawler || got.Name != "crawler one" {
		t.Fatalf("authenticate: %v %+v", err, got)
	}
	f := func(k string, want error) {
		t.Helper()
		if _, err := s.Authenticate(k); !errors.Is(err, want) {
			t.Errorf("Authenticate(%.20q) = %v, want %v", k, err, want)
		}
	}
	f("", ErrKeyMalformed)
	f("Bearer "+key, ErrKeyMalformed)
	f(key[:len(key)-1], ErrKeyMalformed)
	f(key[:len(key)-1]+"x", ErrKeyUnknown)
	f("hk_000000000000_"+key[len(key)-43:], ErrKeyUnknown)

	// Keys survive a restart; only the hash is on disk.
	d.Close()
	raw, _ := os.ReadDir(dir)
	for _, e := range raw {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if strings.Contains(string(b), key[len(key)-43:]) {
			t.Fatalf("the secret is stored in %s", e.Name())
		}
	}
	d, err = Open(dir, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s = d.APIKeys()
	if _, err := s.Authenticate(key); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	now = expires
	f(key, ErrKeyExpired)
	now = expires.Add(-time.Hour)
	if _, err := s.Revoke(rec.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	f(key, ErrKeyRevoked)
	if _, err := s.Revoke(rec.ID, "admin"); !errors.Is(err, ErrKeyRevoked) {
		t.Errorf("second revoke: %v", err)
	}
	if _, err := s.Revoke("nope", "admin"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	if _, _, err := s.Create("x", "root", nil, ""); err == nil {
		t.Error("role root accepted")
	}
	past := now.Add(-time.Hour)
	if _, _, err := s.Create("x", RoleAdmin, &past, ""); err == nil {
		t.Error("expiry in the past accepted")
	}
	if len(s.List()) != 1 || s.List()[0].RevokedAt == nil {
		t.Errorf("keys: %+v", s.List())
	}
}

// TestDiskFullRefusesWrites: below the free-space reserve, writes fail
// with ErrDiskFull and change nothing; reads go on.
func TestDiskFullRefusesWrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	d, err := Open(dir, Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s := d.Content()
	mustBank(t, s, "a", true)
	id := addOne(t, s, known.Item{Bank: "a", Signals: []signals.Signal{sig(t, signals.MD5, strings.Repeat("ab", 16))}})
	d.Close()
	d, err = Open(dir, Options{MinFreeBytes: 1 << 62})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s = d.Content()
	v := s.Version()
	_, _, err = s.AddItems([]known.Item{{Bank: "a", Signals: []signals.Signal{sig(t, signals.MD5, strings.Repeat("cd", 16))}}})
	if !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), "MiB free") {
		t.Fatalf("add on a full disk: %v", err)
	}
	if _, err := s.Retract(id, "x", "y"); !errors.Is(err, ErrDiskFull) {
		t.Errorf("retract on a full disk: %v", err)
	}
	if s.Version() != v {
		t.Error("a refused write changed the version")
	}
	if res := lookupOne(t, s, matcher.Query{Signal: sig(t, signals.MD5, strings.Repeat("ab", 16)), Quality: -1}); len(res.Matches) != 1 {
		t.Errorf("reads stopped: %+v", res)
	}
}
