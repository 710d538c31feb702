package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
)

// Digests of "abc" (and MD5 of "") and the PDQ of the bridge photo.
const (
	md5A    = "900150983cd24fb0d6963f7d28e17f72"
	sha256B = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	pdqC    = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	sha512D = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
	md5E    = "e2fc714c4727ee9395f324cd2e7f331f" // md5("abcd")
	sha1F   = "a9993e364706816aba3e25717850c26c9cd0d89d"
)

// entry is one TCAP hash-list entry, in the shape of TATHashListEntry
// (facebook/ThreatExchange python-threatexchange/threatexchange/exchanges/
// clients/techagainstterrorism/api.py and its tests/test_api.py).
func entry(id int, digest, alg string, deleted bool, updated float64) map[string]any {
	return map[string]any{"hash_digest": digest, "algorithm": alg, "ideology": "far-right", "file_type": "mp4",
		"deleted": deleted, "updated_on": updated, "created_on": "2025-03-03T23:05:22.587000Z", "id": id}
}

// tcapServer serves TCAP's hash list the way the reference client reads
// it: GET /api/hash-list/v2/all?order=asc&after=<checkpoint> answers the
// page after the checkpoint ({"count","next","previous","checkpoint",
// "results"}), behind a token from POST /token-auth/tcap/.
type tcapServer struct {
	*httptest.Server
	mu     gosync.Mutex
	pages  map[string]map[string]any // by "after"
	afters []string
}

func newTCAPServer(t *testing.T) *tcapServer {
	ts := &tcapServer{pages: map[string]map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token-auth/tcap/", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("username") != "ops" || r.FormValue("password") != "s3cret" {
			http.Error(w, `{"detail":"bad credentials"}`, http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"user":{"username":"ops"},"token":"t0k"}`)
	})
	mux.HandleFunc("GET /api/hash-list/v2/all", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0k" {
			http.Error(w, `{"detail":"not authenticated"}`, http.StatusUnauthorized)
			return
		}
		after := r.URL.Query().Get("after")
		ts.mu.Lock()
		ts.afters = append(ts.afters, after)
		p, ok := ts.pages[after]
		ts.mu.Unlock()
		if r.URL.Query().Get("order") != "asc" {
			http.Error(w, "order", http.StatusBadRequest)
			return
		}
		if !ok {
			p = page(after, "", nil)
		}
		json.NewEncoder(w).Encode(p)
	})
	ts.Server = httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tcapServer) set(after string, p map[string]any) {
	ts.mu.Lock()
	ts.pages[after] = p
	ts.mu.Unlock()
}

func page(checkpoint, next string, results []map[string]any) map[string]any {
	p := map[string]any{"count": 12, "next": nil, "previous": nil, "checkpoint": checkpoint, "results": results}
	if results == nil {
		p["results"] = []any{}
	}
	if next != "" {
		p["next"] = "https://example.org/api/hash-list/v2/all?limit=4&offset=" + next
	}
	return p
}

// serveFirstPages sets the export as a first sync finds it: four adds;
// the MD5 entry withdrawn, a new one and an entry of an unknown type; the
// MD5 entry re-added and the SHA-256 one withdrawn.
func (ts *tcapServer) serveFirstPages() {
	ts.set("", page("100.1,4", "4", []map[string]any{
		entry(1, md5A, "MD5", false, 100), entry(2, sha256B, "SHA256", false, 100.05),
		entry(3, pdqC, "PDQ", false, 100.07), entry(4, sha512D, "SHA512", false, 100.1),
	}))
	ts.set("100.1,4", page("1706000000.5,7", "8", []map[string]any{
		entry(1, md5A, "MD5", true, 1706000000.2), entry(5, md5E, "MD5", false, 1706000000.3),
		entry(6, "abcdef", "TMK", false, 1706000000.4), entry(7, sha1F, "SHA1", true, 1706000000.5),
	}))
	ts.set("1706000000.5,7", page("1707000000,9", "", []map[string]any{
		entry(1, md5A, "MD5", false, 1707000000), entry(2, sha256B, "SHA256", true, 1707000000),
	}))
}

func newStore(t *testing.T) *index.Content {
	t.Helper()
	d, err := index.Open(filepath.Join(t.TempDir(), "data"), index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	s := d.Content()
	if _, err := s.CreateBank(matcher.Bank{Name: "tcap", Enabled: true, Categories: []matcher.Category{"incitement"}}); err != nil {
		t.Fatal(err)
	}
	return s
}

func source(t *testing.T, ts *tcapServer) Source {
	t.Helper()
	cfg, err := ParseConfig([]byte(`{"sources":[{"name":"tat","bank":"tcap","kind":"tcap",
		"url":"` + ts.URL + `/api/hash-list/v2/all","interval":"6h",
		"username_env":"TCAP_USER","password_env":"TCAP_PASSWORD","allow_private":true,
		"category_map":{"ideology=far-right":["threat"]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	src, err := cfg.Source("tat")
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func syncer(s *index.Content) *Syncer {
	env := map[string]string{"TCAP_USER": "ops", "TCAP_PASSWORD": "s3cret"}
	return &Syncer{Store: s, Getenv: func(k string) string { return env[k] },
		Now: func() time.Time { return time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC) }}
}

// state is every item of the bank: its signal, status and last change.
func state(t *testing.T, s *index.Content) map[string]string {
	t.Helper()
	items, err := s.Items(index.ItemFilter{Bank: "tcap", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, it := range items {
		v := string(it.Status) + " " + strings.Join(slices.Sorted(slices.Values(catNames(it))), ",")
		if it.Retraction != nil {
			v += " | " + it.Retraction.Reason + " | " + it.Retraction.By
		}
		out[it.Signals[0].String()] = v
	}
	return out
}

func catNames(it known.Item) []string {
	var out []string
	for _, c := range it.Categories {
		out = append(out, string(c))
	}
	return out
}

func find(t *testing.T, s *index.Content, value string) known.Item {
	t.Helper()
	items, err := s.Items(index.ItemFilter{Bank: "tcap", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if strings.HasSuffix(it.Signals[0].String(), value) {
			return it
		}
	}
	t.Fatalf("no item holds %s", value)
	return known.Item{}
}

// TestTCAPSync follows three pages from an empty checkpoint: adds, a
// withdrawal, a re-add after the source's own withdrawal. Then an analyst
// retracts an item, the source publishes a fourth page re-sending it,
// re-adding a withdrawn item and withdrawing the analyst's one: the next
// run asks only for what came after the stored checkpoint, reactivates the
// source's item and leaves the analyst's retracted.
func TestTCAPSync(t *testing.T) {
	ts := newTCAPServer(t)
	ts.serveFirstPages()
	s := newStore(t)
	src := source(t, ts)
	res, err := syncer(s).Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages != 3 || res.Added != 5 || res.Withdrawn != 2 || res.WithdrawnUnknown != 1 || res.Reactivated != 1 ||
		len(res.Rejected) != 1 || !strings.Contains(res.Rejected[0].Reason, "TMK") || res.Checkpoint != "1707000000,9" {
		t.Fatalf("first run: %+v", res)
	}
	if got := ts.afters; !slices.Equal(got, []string{"", "100.1,4", "1706000000.5,7"}) {
		t.Fatalf("pages asked: %q", got)
	}
	a := find(t, s, md5A)
	if a.Status != known.Active || len(a.History) != 2 || a.History[0].Reason != "withdrawn by tat on 2024-01-23" ||
		a.History[1].Reason != "re-added by tat on 2026-11-29" || a.Provenance.Source != "tat" {
		t.Fatalf("withdrawn then re-added: %+v", a)
	}
	if b := find(t, s, sha256B); b.Status != known.Retracted || b.Retraction.Reason != "withdrawn by tat on 2024-02-03" || b.Retraction.By != "sync:tat" {
		t.Fatalf("withdrawn: %+v", b)
	}
	if d := find(t, s, sha512D); d.Status != known.Active || !slices.Equal(catNames(d), []string{"threat"}) {
		t.Fatalf("SHA-512 entry, mapped category: %+v", d)
	}
	st, err := s.SourceState("tat")
	if err != nil || st.Checkpoint != "1707000000,9" || !st.Complete {
		t.Fatalf("stored state %+v, %v", st, err)
	}

	c := find(t, s, pdqC)
	if _, err := s.Retract(c.ID, "a false positive: a holiday photo", "analyst-1"); err != nil {
		t.Fatal(err)
	}
	ts.set("1707000000,9", page("1708000000,12", "", []map[string]any{
		entry(3, pdqC, "PDQ", true, 1708000000), entry(3, pdqC, "PDQ", false, 1708000000),
		entry(2, sha256B, "SHA256", false, 1708000000), entry(8, sha1F, "SHA1", false, 1708000000),
	}))
	ts.afters = nil
	res, err = syncer(s).Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ts.afters, []string{"1707000000,9"}) {
		t.Fatalf("resumed from %q, want the stored checkpoint only", ts.afters)
	}
	if res.KeptRetracted != 1 || res.Reactivated != 1 || res.Added != 1 || res.WithdrawnUnknown != 1 || res.Withdrawn != 0 {
		t.Fatalf("second run: %+v", res)
	}
	if c := find(t, s, pdqC); c.Status != known.Retracted || c.Retraction.By != "analyst-1" {
		t.Fatalf("the analyst's retraction was undone: %+v", c)
	}
	if b := find(t, s, sha256B); b.Status != known.Active {
		t.Fatalf("re-added after the source's withdrawal: %+v", b)
	}
	// A third run finds nothing new and changes nothing.
	before := state(t, s)
	if _, err := syncer(s).Run(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if after := state(t, s); !mapsEqual(before, after) {
		t.Fatalf("a run with nothing new changed items:\n%v\n%v", before, after)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestInterruptedSync cancels a run in the middle of its second page
// (after the withdrawal and the new entry, before they are all applied)
// and runs again: the items end in the same states as those of a run never
// interrupted, and the second run starts from the first page's checkpoint.
func TestInterruptedSync(t *testing.T) {
	ts := newTCAPServer(t)
	ts.serveFirstPages()
	src := source(t, ts)

	whole := newStore(t)
	if _, err := syncer(whole).Run(context.Background(), src); err != nil {
		t.Fatal(err)
	}

	for _, stop := range []int{2, 5, 6, 9} {
		t.Run(fmt.Sprint("after entry ", stop), func(t *testing.T) {
			s := newStore(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sy := syncer(s)
			n := 0
			sy.afterEntry = func() {
				if n++; n == stop {
					cancel()
				}
			}
			if _, err := sy.Run(ctx, src); !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted run: %v", err)
			}
			if st, _ := s.SourceState("tat"); st.Complete {
				t.Fatalf("an interrupted run stored %+v", st)
			}
			ts.afters = nil
			if _, err := syncer(s).Run(context.Background(), src); err != nil {
				t.Fatal(err)
			}
			if got, want := state(t, s), state(t, whole); !mapsEqual(got, want) {
				t.Fatalf("interrupted then resumed:\n%v\nuninterrupted:\n%v", got, want)
			}
			if stop > 4 && stop <= 8 && ts.afters[0] != "100.1,4" {
				t.Fatalf("resumed from %q, want the first page's checkpoint", ts.afters[0])
			}
		})
	}
}

// TestSchedule: the scheduler syncs a source at once, and returns when
// its context ends.
func TestSchedule(t *testing.T) {
	ts := newTCAPServer(t)
	ts.serveFirstPages()
	s := newStore(t)
	cfg := &Config{Sources: []Source{source(t, ts)}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		syncer(s).Schedule(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := s.SourceState("tat")
		if err != nil {
			t.Fatal(err)
		}
		if st.Complete {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the scheduled sync did not complete")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if a := find(t, s, md5A); a.Status != known.Active {
		t.Fatalf("%+v", a)
	}
}

// TestConfigRefusals: a sources file's mistakes are named.
func TestConfigRefusals(t *testing.T) {
	for _, c := range []struct{ cfg, want string }{
		{`{"sources":[]}`, "names no source"},
		{`{"sources":[{"name":"a","bank":"b","kind":"tcap","url":"http://partner.example/list"}]}`, "http is refused"},
		{`{"sources":[{"name":"a","bank":"b","kind":"xml","url":"https://p.example/"}]}`, `kind "xml"`},
		{`{"sources":[{"name":"a","bank":"b","kind":"tcap","url":"https://p.example/","interval":"1s"}]}`, "interval"},
		{`{"sources":[{"name":"a","bank":"b","kind":"tcap","url":"https://p.example/","password":"x"}]}`, "unknown field"},
		{`{"sources":[{"name":"a","bank":"b","kind":"tcap","url":"https://p.example/"},{"name":"a","bank":"b","kind":"tcap","url":"https://p.example/"}]}`, "twice"},
	} {
		if _, err := ParseConfig([]byte(c.cfg)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.cfg, err, c.want)
		}
	}
}

// TestPrivateRefused: a source on a loopback address is refused unless
// the sources file allows private addresses.
func TestPrivateRefused(t *testing.T) {
	ts := newTCAPServer(t)
	ts.serveFirstPages()
	s := newStore(t)
	src := source(t, ts)
	src.AllowPrivate = false
	_, err := syncer(s).Run(context.Background(), src)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("loopback source: %v", err)
	}
}
