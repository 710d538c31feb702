package service

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
)

// hashlookupTool returns a python3 that can run CIRCL's
// hashlookup-analyser.py (../shared/clients/hashlookup, with its
// packages python3-tz and python3-requests) and the tool's folder. It
// skips outside CI when they are missing, and fails in CI, whose .ci/run
// installs them.
func hashlookupTool(t *testing.T) (string, string) {
	t.Helper()
	dir, err := filepath.Abs("../../../shared/clients/hashlookup")
	if err != nil {
		t.Fatal(err)
	}
	missing := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run hashlookup-analyser.py: %s", why)
		}
		t.Skipf("skipping the hashlookup-analyser.py test: %s (Debian: apt-get install python3-tz python3-requests)", why)
	}
	if _, err := os.Stat(filepath.Join(dir, "hashlookup-analyser.py")); err != nil {
		missing("the tool is not in " + dir)
	}
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import pytz, requests").Run() == nil {
			return py, dir
		}
	}
	missing("no python3 with pytz and requests")
	return "", ""
}

// TestDCSOFilterReadByHashlookupAnalyser downloads DCSO filters from a
// real service with a provider key and runs CIRCL's hashlookup-analyser.py
// (hashlookup/hashlookup-forensic-analyser, bin/hashlookup-analyser.py) on
// a folder: the known files are reported known, the unknown ones and a
// retracted one unknown, for each digest type and both hex cases.
func TestDCSOFilterReadByHashlookupAnalyser(t *testing.T) {
	py, tool := hashlookupTool(t)
	s := start(t, Config{})
	key, _ := newKey(t, s, index.RoleProvider)
	folder := t.TempDir()
	known := map[string]bool{}
	var items []matcher.Item
	for i := range 8 {
		name := filepath.Join(folder, fmt.Sprintf("file-%d.txt", i))
		data := []byte(fmt.Sprintf("content number %d\n", i))
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			continue // unknown
		}
		known[name] = i != 6 // file 6 is retracted below
		hs, err := matcher.NewHasher(matcher.HasherConfig{})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, matcher.Item{Bank: "demo", Signals: hs.HashBytes(context.Background(), data).Signals})
	}
	out, _, err := s.store.AddItems(items)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.Retract(out[3].ID, "withdrawn in the test", "test"); err != nil {
		t.Fatal(err)
	}
	for _, algo := range []string{"sha256", "md5", "sha1"} {
		for _, letters := range []string{"", "lower"} {
			url := s.url + "/v1/filter/" + algo + "?format=dcso"
			file := filepath.Join(t.TempDir(), algo+".bloom")
			args := []string{filepath.Join(tool, "hashlookup-analyser.py"), "-d", folder, "--print-all", "--disable-progress",
				"--bloomfilters", file, "--bloomfilter-algorithm", algo}
			if letters != "" {
				url += "&case=" + letters
				args = append(args, "--bloomfilters-lower-case")
			}
			r := doKey(t, key, "GET", url, "")
			if r.status != http.StatusOK || r.header.Get("X-Herken-Count") != "3" {
				t.Fatalf("%s: status %d, count %s: %s", url, r.status, r.header.Get("X-Herken-Count"), r.body)
			}
			if err := os.WriteFile(file, r.body, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, args...)
			cmd.Dir = t.TempDir()
			cmd.Env = append(os.Environ(), "PYTHONPATH="+tool)
			got, err := cmd.Output()
			if err != nil {
				t.Fatalf("hashlookup-analyser.py %s: %v\n%s", strings.Join(args[1:], " "), err, got)
			}
			verdicts := map[string]string{}
			for _, line := range strings.Split(string(got), "\n") {
				f := strings.Split(line, ",")
				if len(f) == 4 && (f[0] == "known" || f[0] == "unknown") {
					verdicts[strings.Trim(f[1], `"`)] = f[0]
				}
			}
			if len(verdicts) != 8 {
				t.Fatalf("%s %s: %d files reported:\n%s", algo, letters, len(verdicts), got)
			}
			for name, v := range verdicts {
				if want := map[bool]string{true: "known", false: "unknown"}[known[name]]; v != want {
					t.Errorf("%s filter, case %q: %s reported %s, want %s", algo, letters, filepath.Base(name), v, want)
				}
			}
		}
	}
	r := doKey(t, key, "GET", s.url+"/v1/filter/sha1?format=dcso&case=mixed", "")
	if r.status != http.StatusBadRequest || r.errorCode(t) != "invalid_request" {
		t.Errorf("case=mixed: %d %s", r.status, r.body)
	}
	r = doKey(t, key, "GET", s.url+"/v1/filter/sha1?format=flor", "")
	if r.status != http.StatusBadRequest || r.errorCode(t) != "invalid_request" {
		t.Errorf("format=flor: %d %s", r.status, r.body)
	}
}

func digests(data []byte) (string, string, string) {
	m, s1, s2 := md5.Sum(data), sha1.Sum(data), sha256.Sum256(data)
	return hex.EncodeToString(m[:]), hex.EncodeToString(s1[:]), hex.EncodeToString(s2[:])
}

// TestHashlookupAPI holds the hashlookup endpoints to the shapes of
// adulau/hashlookup-server (bin/server.py and README.md's examples):
// records keyed "MD5", "SHA-1", "SHA-256" in upper-case hex, 404 with
// {"message": "Non existing ...", "query": ...}, 400 with a message, bulk
// answers a list of the records found.
func TestHashlookupAPI(t *testing.T) {
	s := start(t, Config{Version: "test"})
	key, _ := newKey(t, s, index.RoleProvider)
	data := []byte("a known file\n")
	h, err := matcher.NewHasher(matcher.HasherConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.store.AddItems([]matcher.Item{{Bank: "demo", Label: "leaflet.txt", Signals: h.HashBytes(context.Background(), data).Signals}}); err != nil {
		t.Fatal(err)
	}
	md, s1, s2 := digests(data)
	for _, c := range []struct{ typ, hash string }{{"md5", md}, {"sha1", strings.ToUpper(s1)}, {"sha256", s2}} {
		r := doKey(t, key, "GET", s.url+"/lookup/"+c.typ+"/"+c.hash, "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.typ, r.status, r.body)
		}
		m := r.json(t)
		if m["MD5"] != strings.ToUpper(md) || m["SHA-1"] != strings.ToUpper(s1) || m["SHA-256"] != strings.ToUpper(s2) ||
			m["FileName"] != "leaflet.txt" || m["KnownMalicious"] != "herken:demo" {
			t.Errorf("%s record: %s", c.typ, r.body)
		}
		if ms, _ := m["herken:matches"].([]any); len(ms) != 1 {
			t.Errorf("%s record without herken's evidence: %s", c.typ, r.body)
		}
	}
	_, unknown, _ := digests([]byte("not known"))
	r := doKey(t, key, "GET", s.url+"/lookup/sha1/"+unknown, "")
	if m := r.json(t); r.status != http.StatusNotFound || m["message"] != "Non existing SHA-1" || m["query"] != unknown {
		t.Errorf("unknown: %d %s", r.status, r.body)
	}
	r = doKey(t, key, "GET", s.url+"/lookup/md5/XYZ", "")
	if m := r.json(t); r.status != http.StatusBadRequest || !strings.HasPrefix(m["message"].(string), "MD5 value incorrect") {
		t.Errorf("malformed: %d %s", r.status, r.body)
	}
	r = doKey(t, key, "GET", s.url+"/lookup/sha512/"+s2, "")
	if r.status != http.StatusNotFound {
		t.Errorf("sha512: %d %s", r.status, r.body)
	}
	// bulk, as README.md's "Bulk search of MD5 hashes"
	r = doKey(t, key, "POST", s.url+"/bulk/md5", `{"hashes": ["`+strings.ToUpper(md)+`", "8ED4B4ED952526D89899E723F3488DE4"]}`)
	var recs []map[string]any
	if err := json.Unmarshal(r.body, &recs); r.status != http.StatusOK || err != nil || len(recs) != 1 || recs[0]["MD5"] != strings.ToUpper(md) {
		t.Errorf("bulk: %d %s", r.status, r.body)
	}
	r = doKey(t, key, "POST", s.url+"/bulk/sha256", `{"hashes": []}`)
	if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != "[]" {
		t.Errorf("empty bulk: %d %s", r.status, r.body)
	}
	for _, body := range []string{`{"values": []}`, `{"hashes": ["nothex"]}`, `not json`} {
		r = doKey(t, key, "POST", s.url+"/bulk/sha1", body)
		if m := r.json(t); r.status != http.StatusBadRequest || m["message"] == nil {
			t.Errorf("bulk %s: %d %s", body, r.status, r.body)
		}
	}
	r = doKey(t, key, "GET", s.url+"/info", "")
	if m := r.json(t); r.status != http.StatusOK || m["hashlookup-version"] != "herken test" || m["stat:hashlookup_total_keys"] != 3.0 {
		t.Errorf("info: %d %s", r.status, r.body)
	}
	r = doKey(t, "", "GET", s.url+"/lookup/sha1/"+s1, "")
	if m := r.json(t); r.status != http.StatusUnauthorized || m["message"] == nil {
		t.Errorf("no key: %d %s", r.status, r.body)
	}
}

// TestHMAAPI holds the HMA endpoints to the shapes of facebook/ThreatExchange
// hasher-matcher-actioner/src/OpenMediaMatch/blueprints/matching.py
// (lookup_get's docstring: {"BANK": [{"bank_content_id": ..., "distance":
// ...}]}, by signal type first for content) and hashing.py (a file under
// its content type's field name; {"pdq": "..."}), errors {"message": ...}.
func TestHMAAPI(t *testing.T) {
	s := start(t, Config{})
	key, _ := newKey(t, s, index.RoleProvider)
	s.addKnown(t)

	r := doKey(t, key, "GET", s.url+"/m/lookup?signal_type=pdq&signal="+knownPDQ, "")
	var byBank map[string][]map[string]any
	if err := json.Unmarshal(r.body, &byBank); r.status != http.StatusOK || err != nil || len(byBank["demo"]) != 1 {
		t.Fatalf("lookup: %d %s", r.status, r.body)
	}
	if m := byBank["demo"][0]; m["bank_content_id"] != 1.0 || m["distance"] != "0" || m["herken"] == nil {
		t.Errorf("match: %v", m)
	}
	r = doKey(t, key, "GET", s.url+"/m/lookup?signal_type=pdq&signal="+knownPDQ+"&banks=other", "")
	if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != "{}" {
		t.Errorf("banks=other: %d %s", r.status, r.body)
	}
	r = doKey(t, key, "GET", s.url+"/m/lookup?signal_type=md5&signal="+strings.Repeat("0", 32), "")
	if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != "{}" {
		t.Errorf("unknown: %d %s", r.status, r.body)
	}
	for _, q := range []string{"", "?signal_type=pdq", "?signal_type=nope&signal=00", "?signal_type=pdq&signal=00"} {
		r = doKey(t, key, "GET", s.url+"/m/lookup"+q, "")
		if m := r.json(t); r.status != http.StatusBadRequest || m["message"] == nil {
			t.Errorf("lookup%s: %d %s", q, r.status, r.body)
		}
	}

	upload := func(path string) reply {
		ct, body := multipartBody(t, "photo", fixture(t, knownJPEG))
		req, _ := http.NewRequest("POST", s.url+path, body)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return reply{resp.StatusCode, resp.Header, b}
	}
	r = upload("/m/lookup")
	var byType map[string]map[string][]map[string]any
	if err := json.Unmarshal(r.body, &byType); r.status != http.StatusOK || err != nil ||
		len(byType["pdq"]["demo"]) != 1 || len(byType["md5"]["demo"]) != 1 {
		t.Errorf("lookup upload: %d %s", r.status, r.body)
	}
	r = upload("/h/hash")
	var hashes map[string]string
	if err := json.Unmarshal(r.body, &hashes); r.status != http.StatusOK || err != nil || hashes["pdq"] != knownPDQ || hashes["md5"] != knownMD5 {
		t.Errorf("hash upload: %d %s", r.status, r.body)
	}
	r = doKey(t, key, "POST", s.url+"/h/hash", "")
	if m := r.json(t); r.status < 400 || r.status >= 500 || m["message"] == nil {
		t.Errorf("empty hash upload: %d %s", r.status, r.body)
	}
	ct, body := multipartBody(t, "document", []byte("x"))
	req, _ := http.NewRequest("POST", s.url+"/m/lookup", bytes.NewReader(body.Bytes()))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a part of another name: %d", resp.StatusCode)
	}
}
