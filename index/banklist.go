package index

import (
	"encoding/binary"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// A bank's item list is kept per write since schema 2: one key per bank
// and write, bl/<bank>\x00<first id>, whose value lists the ids the write
// added to the bank (ascending, as uvarint deltas from the previous id,
// the first from 0). Schema 1 wrote one key per item, bi/<bank>\x00<id>,
// which a bulk import paid for with a third of its keys; those are still
// read, and all precede the lists (ids only grow).

var prefixBankList = []byte("bl/")

func bankListPrefix(bank string) []byte {
	return append(append(append([]byte{}, prefixBankList...), bank...), 0)
}

func bankListKey(bank string, first uint64) []byte {
	return binary.BigEndian.AppendUint64(bankListPrefix(bank), first)
}

func encodeIDs(ids []uint64) []byte {
	b := make([]byte, 0, 2*len(ids)+8)
	prev := uint64(0)
	for _, id := range ids {
		b = binary.AppendUvarint(b, id-prev)
		prev = id
	}
	return b
}

func decodeIDs(b []byte, fn func(id uint64) (bool, error)) error {
	prev := uint64(0)
	for len(b) > 0 {
		d, n := binary.Uvarint(b)
		if n <= 0 {
			return fmt.Errorf("%w: malformed bank item list", ErrInconsistent)
		}
		b, prev = b[n:], prev+d
		if more, err := fn(prev); err != nil || !more {
			return err
		}
	}
	return nil
}

// writeBankLists records the ids a write added, per bank (each ascending).
func writeBankLists(txn *badger.Txn, added map[string][]uint64) error {
	for bank, ids := range added {
		if err := txn.Set(bankListKey(bank, ids[0]), encodeIDs(ids)); err != nil {
			return err
		}
	}
	return nil
}

// eachBankItem calls fn with the ids of bank's items above after, in
// ascending order, until fn returns false.
func eachBankItem(txn *badger.Txn, bank string, after uint64, fn func(id uint64) (bool, error)) error {
	more := true
	call := func(id uint64) (bool, error) {
		if id <= after {
			return true, nil
		}
		var err error
		more, err = fn(id)
		return more, err
	}
	// Schema 1's keys, one per item.
	prefix := bankItemPrefix(bank)
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: prefix})
	for it.Seek(binary.BigEndian.AppendUint64(append([]byte{}, prefix...), after+1)); more && it.Valid(); it.Next() {
		if _, err := call(binary.BigEndian.Uint64(it.Item().Key()[len(prefix):])); err != nil {
			it.Close()
			return err
		}
	}
	it.Close()
	if !more {
		return nil
	}
	// The lists: start from the last one that begins at or below after+1,
	// which may hold it.
	prefix = bankListPrefix(bank)
	start := prefix
	target := bankListKey(bank, after+1)
	rev := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false, Prefix: prefix, Reverse: true})
	if rev.Seek(target); rev.Valid() {
		start = rev.Item().KeyCopy(nil)
	}
	rev.Close()
	it = txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 4, Prefix: prefix})
	defer it.Close()
	for it.Seek(start); more && it.Valid(); it.Next() {
		err := it.Item().Value(func(v []byte) error { return decodeIDs(v, call) })
		if err != nil {
			return err
		}
	}
	return nil
}
