package prefilter

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// DCSO is a Bloom filter in the file format of DCSO's flor and bloom
// libraries, which CIRCL's hashlookup tools (hashlookup-analyser.py
// --bloomfilters, fleur, poppy) read. Its keys are whatever bytes the
// reader tests: for those tools, the hex digest of a file as text, in
// upper case unless the tool is told --bloomfilters-lower-case. It is
// written once for export and is not part of the matching path.
//
// The format, as flor reads it (all integers little-endian uint64):
//
//	version flags (1), capacity n, false-positive rate p (binary64),
//	k, m (bits), N (keys added), then the bit array as ceil(m/64)
//	64-bit words (bit i is bit i%8 of byte i/8), then free-form data.
//
// A key's k bit positions come from its 64-bit FNV-1 hash h reduced
// modulo the prime 2^64-59, then k times h = (h*g mod 2^64) mod that
// prime, with g = 2^64-1469, each position being h mod m.
//
// A DCSO is not safe for concurrent use.
type DCSO struct {
	n, k, m, count uint64
	p              float64
	bits           []byte
}

const (
	dcsoVersion = 1
	dcsoModulus = 18446744073709551557 // the largest prime below 2^64
	dcsoFactor  = 18446744073709550147 // the multiplier of the position sequence
	fnvOffset   = 14695981039346656037
	fnvPrime    = 1099511628211
)

// NewDCSO returns an empty filter sized for n keys at false-positive rate
// p, as flor sizes one: m = floor(-n ln p / ln²2) bits and k = ceil(m ln2 / n)
// positions a key.
func NewDCSO(n uint64, p float64) (*DCSO, error) {
	if n == 0 {
		return nil, errors.New("prefilter: a DCSO filter needs a capacity of at least 1")
	}
	if !(p > 0 && p < 1) {
		return nil, fmt.Errorf("prefilter: false-positive rate %g not in (0, 1)", p)
	}
	// Computed as flor does, so that m and k, and so the file, are the
	// ones flor makes for the same n and p: in float64 step by step (Go
	// would fold constant expressions exactly), and rounded up while still
	// negative, that is down.
	ln2 := math.Log(2)
	m := uint64(math.Abs(math.Ceil(float64(n) * math.Log(p) / math.Pow(ln2, 2))))
	k := uint64(math.Ceil(ln2 * float64(m) / float64(n)))
	return &DCSO{n: n, k: k, m: m, p: p, bits: make([]byte, (m+63)/64*8)}, nil
}

// positions calls fn with each of key's k bit positions.
func (d *DCSO) positions(key []byte, fn func(pos uint64) bool) bool {
	h := uint64(fnvOffset)
	for _, b := range key {
		h *= fnvPrime // FNV-1: multiply, then xor
		h ^= uint64(b)
	}
	h %= dcsoModulus
	for range d.k {
		h = (h * dcsoFactor) % dcsoModulus // the product wraps at 2^64 first, as in flor
		if !fn(h % d.m) {
			return false
		}
	}
	return true
}

// Add adds key. Like flor, it counts a key as added when it set at least
// one new bit.
func (d *DCSO) Add(key []byte) {
	added := false
	d.positions(key, func(pos uint64) bool {
		if d.bits[pos/8]&(1<<(pos%8)) == 0 {
			added = true
			d.bits[pos/8] |= 1 << (pos % 8)
		}
		return true
	})
	if added {
		d.count++
	}
}

// Test reports whether key may have been added.
func (d *DCSO) Test(key []byte) bool {
	return d.positions(key, func(pos uint64) bool { return d.bits[pos/8]&(1<<(pos%8)) != 0 })
}

// Count is the number of keys that set a new bit when added.
func (d *DCSO) Count() uint64 { return d.count }

// WriteTo writes the filter in the DCSO format with no trailing data.
func (d *DCSO) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	var hdr []byte
	for _, v := range []uint64{dcsoVersion, d.n, math.Float64bits(d.p), d.k, d.m, d.count} {
		hdr = binary.LittleEndian.AppendUint64(hdr, v)
	}
	n, err := bw.Write(hdr)
	if err == nil {
		var m int
		m, err = bw.Write(d.bits)
		n += m
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return int64(n), fmt.Errorf("prefilter: write DCSO filter: %w", err)
	}
	return int64(n), nil
}

// ReadDCSO reads a filter in the DCSO format; data after the bit array
// is ignored. The input is trusted as far as the bit array's size.
func ReadDCSO(r io.Reader) (*DCSO, error) {
	var hdr [6]uint64
	if err := binary.Read(r, binary.LittleEndian, &hdr); err != nil {
		return nil, fmt.Errorf("prefilter: read DCSO filter: %w", err)
	}
	if hdr[0]&0xff != dcsoVersion {
		return nil, fmt.Errorf("prefilter: DCSO filter version %d, want %d", hdr[0]&0xff, dcsoVersion)
	}
	d := &DCSO{n: hdr[1], p: math.Float64frombits(hdr[2]), k: hdr[3], m: hdr[4], count: hdr[5]}
	if d.m == 0 || d.k == 0 || d.m > 1<<40 {
		return nil, fmt.Errorf("prefilter: DCSO filter with m=%d, k=%d", d.m, d.k)
	}
	d.bits = make([]byte, (d.m+63)/64*8)
	if _, err := io.ReadFull(r, d.bits); err != nil {
		return nil, fmt.Errorf("prefilter: read DCSO filter's bits: %w", err)
	}
	return d, nil
}

// Bytes is the size of the file WriteTo writes.
func (d *DCSO) Bytes() int64 { return 6*8 + int64(len(d.bits)) }
