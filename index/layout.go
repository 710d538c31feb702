package index

import (
	"encoding/binary"
	"fmt"

	"github.com/atkm/herken/matcher/signals"
)

var (
	keySchema   = []byte("\x00meta/schema")
	keyVersion  = []byte("\x00meta/version")
	keyNextID   = []byte("\x00meta/nextid")
	keyPostings = []byte("\x00meta/postings")

	prefixBank     = []byte("b/")
	prefixItem     = []byte("i/")
	prefixPosting  = []byte("s/")
	prefixBankItem = []byte("bi/")
)

// The user-meta byte of a posting says whether its item matches.
const (
	postingRetracted byte = 0
	postingActive    byte = 1
)

func bankKey(name string) []byte { return append(append([]byte{}, prefixBank...), name...) }

func itemKey(id uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte{}, prefixItem...), id)
}

func bankItemPrefix(bank string) []byte {
	return append(append(append([]byte{}, prefixBankItem...), bank...), 0)
}

// postingPrefix is the prefix of every posting of one signal value; its
// length is fixed by the type, so a prefix scan finds exactly that value.
func postingPrefix(sig signals.Signal) []byte {
	k := append(append([]byte{}, prefixPosting...), byte(sig.Type))
	return append(k, sig.Bytes()...)
}

func postingKey(sig signals.Signal, id uint64) []byte {
	return binary.BigEndian.AppendUint64(postingPrefix(sig), id)
}

// parsePosting splits a posting key into its signal and item id.
func parsePosting(k []byte) (signals.Signal, uint64, error) {
	rest := k[len(prefixPosting):]
	if len(rest) < 1+8 {
		return signals.Signal{}, 0, fmt.Errorf("%w: short posting key %x", ErrInconsistent, k)
	}
	t := signals.Type(rest[0])
	if !t.Valid() || len(rest) != 1+t.Size()+8 {
		return signals.Signal{}, 0, fmt.Errorf("%w: malformed posting key %x", ErrInconsistent, k)
	}
	sig, err := signals.New(t, rest[1:1+t.Size()])
	if err != nil {
		return signals.Signal{}, 0, fmt.Errorf("%w: %v", ErrInconsistent, err)
	}
	return sig, binary.BigEndian.Uint64(rest[1+t.Size():]), nil
}
