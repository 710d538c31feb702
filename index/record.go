package index

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// An item's record (i/<id>) is binary since schema 2: a bulk import writes
// millions, and JSON made them three times the size, with the signals in
// hex and the time as text, and its encoding cost more than the write.
//
//	0x01                  the format (a JSON record starts with '{')
//	uvarint               the item id
//	varint                added_at, Unix nanoseconds (UTC)
//	uvarint n, n times:   signal type byte, its value (the type's size)
//	uvarint n, n times:   uvarint length, category name
//	the rest              every other field, as JSON (itemTail)
//
// Records written as JSON by schema 1 are still read as they are.
const recordBinary byte = 0x01

// itemTail holds the fields of known.Item that the binary header does not,
// under the same JSON names; TestItemTailCoversItem keeps the two in step.
type itemTail struct {
	Bank       string               `json:"bank"`
	Label      string               `json:"label,omitempty"`
	Reference  string               `json:"reference,omitempty"`
	AddedBy    string               `json:"added_by,omitempty"`
	PDQQuality *int                 `json:"pdq_quality,omitempty"`
	Video      *known.VideoInfo     `json:"video,omitempty"`
	Variants   []known.ItemVariant  `json:"variants,omitempty"`
	Provenance *known.Provenance    `json:"provenance,omitempty"`
	Status     known.ItemStatus     `json:"status"`
	Retraction *known.Retraction    `json:"retraction,omitempty"`
	Quarantine *known.Quarantine    `json:"quarantine,omitempty"`
	History    []known.StatusChange `json:"history,omitempty"`
}

// encodeItem appends the binary record of it to b.
func encodeItem(b []byte, it *known.Item) ([]byte, error) {
	b = append(b, recordBinary)
	b = binary.AppendUvarint(b, it.ID)
	b = binary.AppendVarint(b, it.AddedAt.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(it.Signals)))
	for _, s := range it.Signals {
		b = append(append(b, byte(s.Type)), s.Bytes()...)
	}
	b = binary.AppendUvarint(b, uint64(len(it.Categories)))
	for _, c := range it.Categories {
		b = append(binary.AppendUvarint(b, uint64(len(c))), c...)
	}
	tail, err := json.Marshal(itemTail{
		Bank: it.Bank, Label: it.Label, Reference: it.Reference, AddedBy: it.AddedBy,
		PDQQuality: it.PDQQuality, Video: it.Video, Variants: it.Variants, Provenance: it.Provenance,
		Status: it.Status, Retraction: it.Retraction, Quarantine: it.Quarantine, History: it.History,
	})
	if err != nil {
		return nil, err
	}
	return append(b, tail...), nil
}

var errRecord = errors.New("truncated or malformed binary item record")

// decodeItem reads a record in either format.
func decodeItem(v []byte) (*known.Item, error) {
	it := new(known.Item)
	if len(v) == 0 || v[0] != recordBinary {
		return it, decodeJSON(v, it)
	}
	d := recordReader{b: v[1:]}
	it.ID = d.uvarint()
	if ns := d.varint(); d.err == nil {
		it.AddedAt = time.Unix(0, ns).UTC()
	}
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		t := signals.Type(d.bytes(1)[0])
		if !t.Valid() {
			return nil, fmt.Errorf("%w: item %d: unknown signal type %d", ErrInconsistent, it.ID, t)
		}
		s, err := signals.New(t, d.bytes(t.Size()))
		if err != nil && d.err == nil {
			return nil, fmt.Errorf("%w: item %d: %v", ErrInconsistent, it.ID, err)
		}
		it.Signals = append(it.Signals, s)
	}
	n = d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		it.Categories = append(it.Categories, known.Category(d.bytes(int(d.uvarint()))))
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInconsistent, d.err)
	}
	var tail itemTail
	if err := decodeJSON(d.b, &tail); err != nil {
		return nil, err
	}
	it.Bank, it.Label, it.Reference, it.AddedBy = tail.Bank, tail.Label, tail.Reference, tail.AddedBy
	it.PDQQuality, it.Video, it.Variants, it.Provenance = tail.PDQQuality, tail.Video, tail.Variants, tail.Provenance
	it.Status, it.Retraction, it.Quarantine, it.History = tail.Status, tail.Retraction, tail.Quarantine, tail.History
	return it, nil
}

// recordReader reads the binary header; after the first failure it
// returns zeros and keeps the error.
type recordReader struct {
	b   []byte
	err error
}

func (r *recordReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recordReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bytes returns the next n bytes (n zeros after a failure).
func (r *recordReader) bytes(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.fail()
		return make([]byte, max(n, 1))
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *recordReader) fail() {
	if r.err == nil {
		r.err = errRecord
	}
}

// writeItem stores it's record.
func writeItem(txn *badger.Txn, it *known.Item) error {
	b, err := encodeItem(nil, it)
	if err != nil {
		return fmt.Errorf("index: encoding item %d: %w", it.ID, err)
	}
	return txn.Set(itemKey(it.ID), b)
}

func readItem(txn *badger.Txn, id uint64) (*known.Item, error) {
	item, err := txn.Get(itemKey(id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: %v", ErrItemNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	var it *known.Item
	err = item.Value(func(v []byte) error {
		var err error
		it, err = decodeItem(v)
		return err
	})
	return it, err
}
