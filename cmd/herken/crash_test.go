package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestCrashDuringIngest kills "herken serve" with SIGKILL again and again
// while items are added and matched concurrently, restarts it on the same
// data folder each time, and checks that every acknowledged item is still
// there and matches, with no repair step. HERKEN_CRASH_ROUNDS sets the
// number of kills (make crash runs many).
func TestCrashDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the binary: runs without -short")
	}
	rounds := 3
	if v, err := strconv.Atoi(os.Getenv("HERKEN_CRASH_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	data := newDataDir(t)
	_, key, errOut := runCLI(t, "", "keys", "create", "--data", data, "--role", "admin", "--name", "crash test")
	key = strings.TrimSpace(key)
	if !strings.HasPrefix(key, "hk_") {
		t.Fatalf("keys create: %s", errOut)
	}
	bin := buildBinary(t)
	client := &http.Client{Timeout: 5 * time.Second}
	call := func(method, url, body string) (int, []byte, error) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	md5 := func(i int) string { return fmt.Sprintf("%032x", 0xc0ffee00000+i) }

	var mu sync.Mutex
	acked := map[int]uint64{} // md5 number -> item id
	next := 0
	rng := rand.New(rand.NewPCG(21, 22))
	for round := range rounds + 1 {
		base, cmd := startBuilt(t, bin, data)
		if round == rounds {
			// The last start only verifies.
			for i, id := range acked {
				code, body, err := call("GET", base+"/v1/lookup?type=md5&value="+md5(i), "")
				if err != nil || code != 200 || !strings.Contains(string(body), fmt.Sprintf(`"item_id":%d,`, id)) {
					t.Fatalf("acknowledged item %d (md5 #%d) lost after %d kills: %d %s %v", id, i, rounds, code, body, err)
				}
			}
			t.Logf("%d kills; %d acknowledged items all present and matching", rounds, len(acked))
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
			return
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { // ingest
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				body := fmt.Sprintf(`{"signals":[{"type":"md5","value":%q}]}`, md5(i))
				code, b, err := call("POST", base+"/v1/banks/demo/items", body)
				if err != nil || code != 201 {
					continue // not acknowledged: the server may be dying
				}
				var it struct{ ID uint64 }
				if json.Unmarshal(b, &it) == nil && it.ID > 0 {
					mu.Lock()
					acked[i] = it.ID
					mu.Unlock()
				}
			}
		})
		wg.Go(func() { // matching at the same time
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				var i int
				var id uint64
				for i, id = range acked {
					break
				}
				mu.Unlock()
				if id == 0 {
					time.Sleep(time.Millisecond)
					continue
				}
				code, b, err := call("GET", base+"/v1/lookup?type=md5&value="+md5(i), "")
				if err == nil && code == 200 && !strings.Contains(string(b), `"matched":true`) {
					t.Errorf("acknowledged item %d does not match while running: %s", id, b)
				}
			}
		})
		time.Sleep(time.Duration(300+rng.IntN(600)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(stop)
		wg.Wait()
	}
}
