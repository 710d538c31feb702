package index

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// TestCrashChild is the writer that TestKill9KeepsAcknowledgedWrites kills;
// it does nothing unless started by that test.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("HERKEN_CRASH_DIR")
	if dir == "" {
		t.Skip("helper process for TestKill9KeepsAcknowledgedWrites")
	}
	d, err := Open(dir, Options{Create: true})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	s := d.Content()
	if _, err := s.CreateBank(known.Bank{Name: "crash", Enabled: true, Categories: []known.Category{known.Threat}}); err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for i := 1; ; i++ {
		md5, _ := signals.Parse(signals.MD5, fmt.Sprintf("%032x", i))
		pdq, _ := signals.Parse(signals.PDQ, fmt.Sprintf("%064x", uint64(i)*0x9e3779b97f4a7c15))
		out, _, err := s.AddItems([]known.Item{{Bank: "crash", Signals: []signals.Signal{md5, pdq}}})
		if err != nil || !out[0].Added {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("ack", out[0].ID, i) // acknowledged: the write has committed
	}
}

// TestKill9KeepsAcknowledgedWrites kills a writing process with SIGKILL and
// checks that every write it acknowledged is there after reopening, with
// no repair step.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process: runs without -short")
	}
	dir := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "HERKEN_CRASH_DIR="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[uint64]int{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && len(acked) < 200 {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "ack" {
			id, _ := strconv.ParseUint(f[1], 10, 64)
			n, _ := strconv.Atoi(f[2])
			acked[id] = n
		} else if len(f) > 0 && f[0] == "error" {
			t.Fatalf("child: %s", sc.Text())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if len(acked) < 200 {
		t.Fatalf("child acknowledged only %d writes", len(acked))
	}

	d, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("reopening after kill -9: %v", err)
	}
	defer d.Close()
	s := d.Content()
	for id, n := range acked {
		if _, err := s.Item(id); err != nil {
			t.Fatalf("acknowledged item %d lost: %v", id, err)
		}
		md5, _ := signals.Parse(signals.MD5, fmt.Sprintf("%032x", n))
		res, err := identify(s, []matcher.Query{{Signal: md5, Quality: -1}})
		if err != nil || len(res.Matches) != 1 || res.Matches[0].ItemID != id {
			t.Fatalf("acknowledged item %d does not match: %v %+v", id, err, res.Matches)
		}
	}
	t.Logf("%d acknowledged writes survived kill -9; store holds %d pdq", len(acked), s.Status().Signals["pdq"].Count)
}

// TestDamagedStoreIsRefused: missing or corrupt files give an error at
// start-up, never an empty index that answers "no match".
func TestDamagedStoreIsRefused(t *testing.T) {
	build := func(t *testing.T) string {
		d, dir := openNewDB(t)
		s := d.Content()
		mustBank(t, s, "a", true)
		var items []known.Item
		for i := range 300 {
			md5, _ := signals.Parse(signals.MD5, fmt.Sprintf("%032x", i+1))
			items = append(items, known.Item{Bank: "a", Signals: []signals.Signal{md5}})
		}
		if _, _, err := s.AddItems(items); err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	files := func(dir, pattern string) []string {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		return m
	}

	t.Run("manifest deleted", func(t *testing.T) {
		dir := build(t)
		os.Remove(filepath.Join(dir, "MANIFEST"))
		if _, err := Open(dir, Options{}); !errors.Is(err, ErrNotInitialised) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("tables deleted", func(t *testing.T) {
		dir := build(t)
		sst := files(dir, "*.sst")
		if len(sst) == 0 {
			t.Skip("no table files written")
		}
		for _, f := range sst {
			os.Remove(f)
		}
		if s, err := Open(dir, Options{}); err == nil {
			s.Close()
			t.Error("opened a store whose tables were deleted")
		}
	})
	t.Run("table corrupted", func(t *testing.T) {
		dir := build(t)
		sst := files(dir, "*.sst")
		if len(sst) == 0 {
			t.Skip("no table files written")
		}
		b, err := os.ReadFile(sst[0])
		if err != nil {
			t.Fatal(err)
		}
		for i := len(b) / 4; i < len(b)/2; i++ {
			b[i] ^= 0xff
		}
		if err := os.WriteFile(sst[0], b, 0o600); err != nil {
			t.Fatal(err)
		}
		if s, err := Open(dir, Options{}); err == nil {
			s.Close()
			t.Error("opened a store with a corrupted table")
		} else {
			t.Logf("refused: %v", err)
		}
	})
}
