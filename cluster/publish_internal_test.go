package cluster

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// TestItemChangesEncoding: the changes an import is cut into are encoded
// as json.Marshal encodes them, stay under maxChangeBytes, decode to
// their items, and hold every item once, in order.
func TestItemChangesEncoding(t *testing.T) {
	var items []known.Item
	for i := range 5000 {
		h := bytes.Repeat([]byte{byte(i), byte(i >> 8)}, 16)
		sg, err := signals.New(signals.PDQ, h)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, known.Item{Bank: "b", Label: strings.Repeat("<&\"é", i%50), Signals: []signals.Signal{sg},
			Categories: []known.Category{known.Incitement}})
	}
	changes, data, first, err := itemChanges(items)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) < 2 {
		t.Fatalf("%d changes: want the items cut into several", len(changes))
	}
	next := 0
	for j, ch := range changes {
		want, err := json.Marshal(ch)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data[j], want) {
			t.Fatalf("change %d encoded as\n%.200s\nwant\n%.200s", j, data[j], want)
		}
		if len(data[j]) > maxChangeBytes {
			t.Errorf("change %d: %d bytes, over %d", j, len(data[j]), maxChangeBytes)
		}
		got, err := decodeChange(data[j])
		if err != nil || len(got.Items) != len(ch.Items) {
			t.Fatalf("change %d decodes to %d items, %v", j, len(got.Items), err)
		}
		if first[j] != next {
			t.Fatalf("change %d starts at item %d, want %d", j, first[j], next)
		}
		next += len(ch.Items)
	}
	if next != len(items) {
		t.Fatalf("the changes hold %d items, want %d", next, len(items))
	}
}
