package web_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/fetch"
	"github.com/atkm/herken/ingest/service"
	"github.com/atkm/herken/matcher"
)

const (
	knownJPEG   = "pdq/threatexchange/pdq/data/bridge-mods/aaa-orig.jpg"
	unknownJPEG = "pdq/debian/derived/t09_astronaut__reencode_q92.jpg"
)

// env is a real herken service on a loopback port with a real store: a
// bank "demo" holding the known photo as item knownID, and keys.
type env struct {
	url                  string
	store                *index.Content
	knownID              uint64
	knownHashes          *matcher.Hashes
	analystKey, adminKey string
	crawlerKey           string
}

func startEnv(t *testing.T) *env { t.Helper(); return startEnvWith(t, nil) }

// startEnvWith starts the env with its service's configuration changed by
// configure (when not nil).
func startEnvWith(t *testing.T, configure func(*service.Config)) *env {
	t.Helper()
	db, err := index.Open(filepath.Join(t.TempDir(), "data"), index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	store := db.Content()
	if _, err := store.CreateBank(matcher.Bank{Name: "demo", Enabled: true, Source: "ThreatExchange test images",
		Description: "ordinary photos standing in for known items", Categories: []matcher.Category{matcher.Incitement}}); err != nil {
		t.Fatal(err)
	}
	e := &env{store: store}
	e.knownID, e.knownHashes = addPhoto(t, store, "demo", knownJPEG, "RO-2026-001", matcher.Incitement)
	key := func(name string, role index.Role) string {
		_, secret, err := db.APIKeys().Create(name, role, nil, "test")
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	e.analystKey = key("Analyst A. (test)", index.RoleAnalyst)
	e.adminKey = key("Admin (test)", index.RoleAdmin)
	e.crawlerKey = key("Crawler (test)", index.RoleCrawler)

	f, err := fetch.New(fetch.Config{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg := service.Config{DB: db, Fetcher: f, MaxUploadBytes: 4 << 20}
	if configure != nil {
		configure(&cfg)
	}
	svc, err := service.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.url = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Serve(ctx, ln, 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		db.Close()
	})
	return e
}

// addPhoto adds a fixture photo as an item with all its signals.
func addPhoto(t testing.TB, store *index.Content, bank, rel, ref string, cats ...matcher.Category) (uint64, *matcher.Hashes) {
	t.Helper()
	h, err := matcher.NewHasher(matcher.HasherConfig{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(fixtures.Path(rel))
	if err != nil {
		t.Fatal(err)
	}
	hs := h.HashBytes(context.Background(), data)
	q := hs.PDQQuality
	out, _, err := store.AddItems([]matcher.Item{{Bank: bank, Signals: hs.Signals, Categories: cats,
		Label: filepath.Base(rel), Reference: ref, PDQQuality: &q, AddedBy: "key:test"}})
	if err != nil || out[0].Err != nil || !out[0].Added {
		t.Fatalf("add %s: %v %+v", rel, err, out)
	}
	return out[0].ID, hs
}

// browser starts headless Chromium for the test, with a fresh profile and
// the flags it needs on a closed network, and returns a tab's context.
func browser(t *testing.T, width, height int64) context.Context {
	t.Helper()
	exe := fixtures.RequireTool(t, "chromium")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.WindowSize(int(width), int(height)),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	// The first action starts the browser: it must run on the tab's own
	// context, which a timeout would end (and the browser with it).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// consoleErrors collects the page's console errors and uncaught
// exceptions (a CSP violation is one) until the test ends.
func consoleErrors(t *testing.T, ctx context.Context) func() []string {
	var mu sync.Mutex
	var errs []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			s := m.String()
			// A refused API call (401, 403, 413) is logged by the
			// browser as a failed load: that is expected here.
			if strings.Contains(s, "Failed to load resource") {
				continue
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				mu.Lock()
				errs = append(errs, s)
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}
