package pdq

import (
	"encoding/hex"
	"fmt"
	"math/bits"
)

// Hash is a 256-bit PDQ hash. Its bytes are in the order the reference
// prints them: bit k of the algorithm (k = 16*row + column of the DCT
// coefficient) is bit k%8 of byte 31-k/8, so the hex form of the bytes is
// the reference's text form.
type Hash [32]byte

// String returns the hash as 64 lowercase hex digits.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// Bit reports whether bit k (0..255) is set.
func (h Hash) Bit(k int) bool { return h[31-k/8]&(1<<(k%8)) != 0 }

func (h *Hash) setBit(k int) { h[31-k/8] |= 1 << (k % 8) }

// Distance returns the Hamming distance between h and o.
func (h Hash) Distance(o Hash) int {
	d := 0
	for i := range h {
		d += bits.OnesCount8(h[i] ^ o[i])
	}
	return d
}

// ParseHash parses 64 hex digits.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 64 {
		return h, fmt.Errorf("pdq: hash %q has %d hex digits, want 64", s, len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("pdq: hash %q: %w", s, err)
	}
	return h, nil
}

// Dihedral names the eight rotations and flips of an image, in the order
// and with the names of the reference implementation.
type Dihedral int

// The dihedral variants. Rot90 is counter-clockwise; FlipY mirrors left to
// right; FlipPlus1 and FlipMinus1 are the transposes about the main and the
// anti-diagonal.
const (
	Orig Dihedral = iota
	Rot90
	Rot180
	Rot270
	FlipX
	FlipY
	FlipPlus1
	FlipMinus1
	NumDihedral
)

var dihedralNames = [NumDihedral]string{
	"orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1",
}

func (d Dihedral) String() string {
	if d < 0 || d >= NumDihedral {
		return fmt.Sprintf("Dihedral(%d)", int(d))
	}
	return dihedralNames[d]
}
