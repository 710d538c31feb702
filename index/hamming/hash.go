package hamming

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/atkm/herken/matcher/signals"
)

// ID identifies one stored hash. IDs should be dense; see the package
// documentation.
type ID = uint32

// Hash is a hash of up to 256 bits, stored as big-endian 64-bit words in
// the order of the hash's bytes. A 64-bit hash uses only Hash[0]; the other
// words are ignored by an index of that width.
type Hash [4]uint64

// FromBytes packs a 32-byte (PDQ) or 8-byte hash value.
func FromBytes(b []byte) (Hash, error) {
	var h Hash
	if len(b) != 8 && len(b) != 32 {
		return h, fmt.Errorf("hamming: hash is %d bytes, want 8 or 32", len(b))
	}
	for i := 0; i < len(b)/8; i++ {
		h[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	return h, nil
}

// FromSignal packs the value of a perceptual signal (PDQ, phash, dhash,
// ahash). Exact signal types are rejected: they belong in a prefilter.
func FromSignal(s signals.Signal) (Hash, error) {
	if !s.Type.Valid() || s.Type.Exact() {
		return Hash{}, fmt.Errorf("hamming: %s is not a perceptual signal type", s.Type)
	}
	return FromBytes(s.Bytes())
}

// Distance is the Hamming distance between a and b over all 256 bits.
func Distance(a, b Hash) int {
	return bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) +
		bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
}

// Hit is one search result.
type Hit struct {
	ID       ID
	Distance int
}

// hitLess orders hits by distance, then id.
func hitCmp(a, b Hit) int {
	if a.Distance != b.Distance {
		return a.Distance - b.Distance
	}
	switch {
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}

// dist is the Hamming distance between the query and the words-long hash
// stored at w. It is specialised for the two widths herken uses.
func dist(q *Hash, w []uint64) int {
	if len(w) == 1 {
		return bits.OnesCount64(q[0] ^ w[0])
	}
	_ = w[3]
	return bits.OnesCount64(q[0]^w[0]) + bits.OnesCount64(q[1]^w[1]) +
		bits.OnesCount64(q[2]^w[2]) + bits.OnesCount64(q[3]^w[3])
}
