package prefilter

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The DCSO format is defined by DCSO's flor library (flor/filter.py and
// flor/fnv.py, in ../shared/clients/hashlookup/flor, commit 7747fc2 of
// github.com/DCSO/flor). These tests run flor itself on filters written
// here, and read filters flor wrote.

// florPython returns a python3 and the folder holding flor, or skips
// (fails in CI, where .ci/run installs them).
func florPython(t *testing.T) (string, string) {
	t.Helper()
	dir, err := filepath.Abs("../../../shared/clients/hashlookup")
	if err != nil {
		t.Fatal(err)
	}
	missing := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run the flor cross-check: %s", why)
		}
		t.Skipf("skipping the flor cross-check: %s", why)
	}
	if _, err := os.Stat(filepath.Join(dir, "flor", "filter.py")); err != nil {
		missing("flor is not in " + dir)
	}
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import sys").Run() == nil {
			return py, dir
		}
	}
	missing("no python3")
	return "", ""
}

func TestDCSOReadByFlor(t *testing.T) {
	py, dir := florPython(t)
	d, err := NewDCSO(1000, 1e-4)
	if err != nil {
		t.Fatal(err)
	}
	var known, unknown []string
	for i := range 200 {
		known = append(known, fmt.Sprintf("%040X", i*7919))
		unknown = append(unknown, fmt.Sprintf("%040X", i*7919+1))
	}
	for _, k := range known {
		d.Add([]byte(k))
	}
	file := filepath.Join(t.TempDir(), "f.bloom")
	var buf bytes.Buffer
	if _, err := d.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import sys
from flor import BloomFilter
bf = BloomFilter()
with open(sys.argv[1], 'rb') as f:
    bf.read(f)
print(bf.n, bf.k, bf.m, bf.N)
for line in sys.stdin:
    v = line.strip().encode()
    print('1' if v in bf else '0', end='')
print()
`
	cmd := exec.Command(py, "-c", script, file)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+dir)
	cmd.Stdin = strings.NewReader(strings.Join(append(append([]string{}, known...), unknown...), "\n") + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("flor: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if want := fmt.Sprintf("%d %d %d %d", d.n, d.k, d.m, d.Count()); lines[0] != want {
		t.Errorf("flor read header %q, want %q", lines[0], want)
	}
	got := lines[1]
	if got[:len(known)] != strings.Repeat("1", len(known)) {
		t.Errorf("flor misses keys added here: %s", got[:len(known)])
	}
	// At p = 1e-4, 200 unknown keys should all test negative; every one
	// that does shows the positions agree beyond the known keys.
	if fp := strings.Count(got[len(known):], "1"); fp > 1 {
		t.Errorf("flor finds %d of %d unknown keys", fp, len(unknown))
	}
	for i, k := range unknown {
		if d.Test([]byte(k)) != (got[len(known)+i] == '1') {
			t.Errorf("Test(%s) disagrees with flor", k)
		}
	}
}

func TestDCSOReadsFlorFilter(t *testing.T) {
	py, dir := florPython(t)
	file := filepath.Join(t.TempDir(), "flor.bloom")
	script := `
import sys
from flor import BloomFilter
bf = BloomFilter(n=500, p=0.001, data=b'trailing data')
for i in range(100):
    bf.add(('%064x' % (i * 31337)).encode())
with open(sys.argv[1], 'wb') as f:
    bf.write(f)
print(bf.N)
`
	cmd := exec.Command(py, "-c", script, file)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("flor: %v\n%s", err, out)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := ReadDCSO(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(d.Count()); got != strings.TrimSpace(string(out)) {
		t.Errorf("count %s, flor says %s", got, out)
	}
	mine, err := NewDCSO(500, 0.001)
	if err != nil {
		t.Fatal(err)
	}
	if mine.m != d.m || mine.k != d.k {
		t.Errorf("sized m=%d k=%d, flor m=%d k=%d", mine.m, mine.k, d.m, d.k)
	}
	for i := range 100 {
		k := fmt.Sprintf("%064x", i*31337)
		if !d.Test([]byte(k)) {
			t.Errorf("flor's key %s not found", k)
		}
		mine.Add([]byte(k))
	}
	var b bytes.Buffer
	if _, err := mine.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	flor, _ := os.ReadFile(file)
	if !bytes.HasPrefix(flor, b.Bytes()) {
		t.Error("the same keys give a different file than flor's")
	}
}

func TestDCSORefusesBadInput(t *testing.T) {
	if _, err := NewDCSO(0, 0.01); err == nil {
		t.Error("capacity 0 accepted")
	}
	if _, err := NewDCSO(10, 1); err == nil {
		t.Error("rate 1 accepted")
	}
	if _, err := ReadDCSO(bytes.NewReader(make([]byte, 48))); err == nil {
		t.Error("version 0 accepted")
	}
	if _, err := ReadDCSO(strings.NewReader(magic)); err == nil {
		t.Error("a short header accepted")
	}
}
