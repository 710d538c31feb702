package load

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/service"
	"github.com/atkm/herken/matcher"
)

// TestShortLoad is the short version of make loadtest: a few seconds of
// mixed lookups and uploads against a real service, with no errors.
func TestShortLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a server for seconds: runs without -short")
	}
	db, err := index.Open(filepath.Join(t.TempDir(), "data"), index.Options{Create: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store := db.Content()
	store.CreateBank(matcher.Bank{Name: "demo", Enabled: true, Categories: []matcher.Category{matcher.Threat}})
	photo, err := os.ReadFile(fixtures.Path("pdq/threatexchange/pdq/data/bridge-mods/aaa-orig.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := matcher.NewHasher(matcher.HasherConfig{})
	store.AddItems([]matcher.Item{{Bank: "demo", Signals: h.HashBytes(context.Background(), photo).Signals}})
	_, key, err := db.APIKeys().Create("load", index.RoleCrawler, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(service.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go svc.Serve(ctx, ln, time.Second)
	hashes := []string{"d35c785545392755e7e4164457657269"}
	for i := range 99 {
		hashes = append(hashes, fmt.Sprintf("%032x", i))
	}
	res, err := Run(context.Background(), Config{BaseURL: "http://" + ln.Addr().String(), Key: key,
		Duration: 3 * time.Second, Workers: 4, UploadShare: 0.1, Photos: [][]byte{photo}, Hashes: hashes})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Errors != 0 || res.Lookups == 0 || res.Uploads == 0 {
		t.Errorf("%s; first error: %s", res, res.FirstError)
	}
}
