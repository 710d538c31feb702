package service

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
)

// FuzzBatchLine feeds arbitrary lines to the batch line handler: every
// line gets a result or a client error, never an internal one or a panic.
func FuzzBatchLine(f *testing.F) {
	f.Add([]byte(`{"id":1,"signals":[{"type":"md5","value":"d35c785545392755e7e4164457657269"}]}`))
	f.Add([]byte(`{"id":"x","data_base64":"aGVsbG8="}`))
	f.Add([]byte(`{"id":[1,2],"url":"http://127.0.0.1/"}`))
	f.Add([]byte(`{"id":1,"signals":[{"type":"pdq","value":"zz","quality":500}]}`))
	f.Add([]byte(`{"id":null,"signals":null,"url":""}`))
	f.Add([]byte(`{"data_base64" : "aGVs\/bG8=", "id":2}`))
	f.Add([]byte(`{"data_base64":"aGVsbG8=","data_base64":"d29ybGQ="}`))
	db, err := index.Open(filepath.Join(f.TempDir(), "data"), index.Options{Create: true, NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Content().CreateBank(matcher.Bank{Name: "demo", Enabled: true, Categories: []matcher.Category{matcher.Threat}}); err != nil {
		f.Fatal(err)
	}
	svc, err := New(Config{DB: db, MaxUploadBytes: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		// Taking data_base64 out before decoding changes nothing.
		in, data, err := parseBatchLine(line)
		wantIn, wantData, wantErr := parseBatchLineSlowly(line)
		wantIn.DataBase64, in.DataBase64 = nil, nil
		if (err == nil) != (wantErr == nil) || err == nil && (string(data) != string(wantData) || (data == nil) != (wantData == nil) || !reflect.DeepEqual(in, wantIn)) {
			t.Fatalf("line %q: parsed as %+v %q %v, want %+v %q %v", line, in, data, err, wantIn, wantData, wantErr)
		}
		out, rec := svc.match.batchLine(context.Background(), 1, line)
		if out.Error != nil && (out.Error.Code == "internal" || rec.Status >= 500) {
			t.Fatalf("line %q: internal error %+v", line, out.Error)
		}
		if out.Error == nil && out.Result == nil {
			t.Fatalf("line %q: neither result nor error", line)
		}
		if strings.Contains(rec.Detail, "internal") {
			t.Fatalf("line %q: %+v", line, rec)
		}
	})
}
