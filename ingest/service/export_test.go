package service

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/ingest/importer"
	"github.com/atkm/herken/matcher"
)

// TestExportEndpoint: GET /v1/banks/{bank}/export streams the bank's
// active items in each format herken export writes, byte for byte the
// same as the writer the command line uses; the pytx export reads back
// with python-threatexchange's dataset CSV header (signal_type,
// signal_str,collab,category,tags, from facebook/ThreatExchange
// python-threatexchange's dataset CSV) into the same digests; a retracted
// item is left out; providers may not export, analysts may; a bad format
// and an unknown bank are 4xx with a JSON error.
func TestExportEndpoint(t *testing.T) {
	s := start(t, Config{})
	md5, _ := matcher.ParseSignal(matcher.MD5, "900150983cd24fb0d6963f7d28e17f72")
	sha1, _ := matcher.ParseSignal(matcher.SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d")
	out, _, err := s.store.AddItems([]matcher.Item{
		{Bank: "demo", Signals: []matcher.Signal{md5}, Label: "kept"},
		{Bank: "demo", Signals: []matcher.Signal{sha1}, Label: "retracted"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.Retract(out[1].ID, "false positive", "test"); err != nil {
		t.Fatal(err)
	}
	analyst, _ := newKey(t, s, index.RoleAnalyst)
	provider, _ := newKey(t, s, index.RoleProvider)
	for _, f := range []hashlist.Format{hashlist.NDJSON, hashlist.CSV, hashlist.PyTX} {
		r := doKey(t, analyst, "GET", s.url+"/v1/banks/demo/export?format="+string(f), "")
		if r.status != 200 {
			t.Fatalf("%s: %d %s", f, r.status, r.body)
		}
		var want bytes.Buffer
		w, _ := hashlist.NewWriter(&want, f)
		if _, err := importer.Export(context.Background(), s.store, "demo", w); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.body, want.Bytes()) {
			t.Errorf("%s: the endpoint wrote\n%s\nherken export writes\n%s", f, r.body, want.Bytes())
		}
		if !strings.Contains(string(r.body), md5.String()[len("md5:"):]) || strings.Contains(string(r.body), "a9993e36") {
			t.Errorf("%s: want the active MD5 item only:\n%s", f, r.body)
		}
	}
	r := doKey(t, analyst, "GET", s.url+"/v1/banks/demo/export?format=pytx", "")
	if !strings.HasPrefix(string(r.body), hashlist.PyTXHeader+"\n") {
		t.Errorf("pytx export starts %q", r.body)
	}
	var read []matcher.Item
	err = hashlist.Read(bytes.NewReader(r.body), hashlist.PyTX, hashlist.Options{}, func(rec hashlist.Record) error {
		if rec.Err != nil {
			t.Errorf("line %d: %v", rec.Line, rec.Err)
		}
		read = append(read, rec.Item)
		return nil
	})
	if err != nil || len(read) != 1 || read[0].Signals[0] != md5 {
		t.Errorf("the pytx export reads back as %+v, %v", read, err)
	}
	if r := doKey(t, analyst, "GET", s.url+"/v1/banks/demo/export", ""); r.status != 200 || r.header.Get("Content-Type") != "application/x-ndjson" {
		t.Errorf("default format: %d %s", r.status, r.header.Get("Content-Type"))
	}
	for _, c := range []struct {
		key, path string
		status    int
	}{
		{provider, "/v1/banks/demo/export", 403},
		{analyst, "/v1/banks/demo/export?format=tcap", 400},
		{analyst, "/v1/banks/none/export", 404},
		{"", "/v1/banks/demo/export", 401},
	} {
		r := doKey(t, c.key, "GET", s.url+c.path, "")
		if r.status != c.status || r.errorCode(t) == "" {
			t.Errorf("%s: %d %s, want %d and a JSON error", c.path, r.status, r.body, c.status)
		}
	}
}
