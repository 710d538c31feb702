package prefilter

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/atkm/herken/matcher/signals"
	"github.com/bits-and-blooms/bloom/v3"
)

// magic starts every filter file; the digit is the format version.
const magic = "HKNBLM01"

// ErrFormat is returned by ReadFrom for input that is not a filter file.
var ErrFormat = errors.New("prefilter: malformed filter file")

// Meta describes a filter, as served beside it.
type Meta struct {
	Type     signals.Type `json:"type"`
	Count    uint         `json:"count"`
	Capacity uint         `json:"capacity"`
	FPRate   float64      `json:"fp_rate"`
	Bytes    int64        `json:"bytes"`
}

// Meta returns the filter's metadata.
//
// Meta can be called from concurrent goroutines.
func (f *Filter) Meta() Meta {
	return Meta{Type: f.typ, Count: f.Count(), Capacity: f.Capacity(),
		FPRate: f.fpRate, Bytes: f.Bytes()}
}

// WriteTo writes the filter, including keys added since the last fold, in
// this format (all integers big-endian):
//
//	8 bytes  magic "HKNBLM01"
//	1 byte   length of the signal type's name, then the name ("sha256")
//	8 bytes  count (keys added; an upper bound on distinct keys)
//	8 bytes  capacity (keys the filter was sized for)
//	8 bytes  configured false-positive rate, IEEE 754 binary64
//	rest     the filter in bloom/v3's binary format (BloomFilter.WriteTo):
//	         m and k as uint64, then the bit set's length in bits as
//	         uint64 and its words as uint64
//
// A key is the raw digest (32 bytes for sha256); bloom/v3 derives the k
// bit locations from its 128-bit murmur3 hashes, so an offline client
// tests digests with bloom/v3's Test or an equivalent.
//
// WriteTo can be called from concurrent goroutines; it is serialised with
// Add and Rebuild only while it takes a snapshot.
func (f *Filter) WriteTo(w io.Writer) (int64, error) {
	f.mu.Lock()
	g := f.cur.Load()
	bf, count := g.bf, g.count
	if f.sideLen.Load() > 0 {
		bf = bf.Copy()
		f.side.Range(func(k, _ any) bool {
			bf.Add(k.(signals.Signal).Bytes())
			count++
			return true
		})
	}
	f.mu.Unlock()

	var hdr bytes.Buffer
	hdr.WriteString(magic)
	name := f.typ.String()
	hdr.WriteByte(byte(len(name)))
	hdr.WriteString(name)
	hdr.Write(binary.BigEndian.AppendUint64(nil, uint64(count)))
	hdr.Write(binary.BigEndian.AppendUint64(nil, uint64(g.capacity)))
	hdr.Write(binary.BigEndian.AppendUint64(nil, math.Float64bits(f.fpRate)))
	bw := bufio.NewWriterSize(w, 1<<16)
	n, err := hdr.WriteTo(bw)
	if err != nil {
		return n, fmt.Errorf("prefilter: write %s filter: %w", f.typ, err)
	}
	m, err := bf.WriteTo(bw)
	n += m
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return n, fmt.Errorf("prefilter: write %s filter: %w", f.typ, err)
	}
	return n, nil
}

// ReadFilter reads a filter written by WriteTo.
func ReadFilter(r io.Reader) (*Filter, error) {
	f := new(Filter)
	if _, err := f.ReadFrom(r); err != nil {
		return nil, err
	}
	return f, nil
}

// ReadFrom replaces f with a filter written by WriteTo. The zero Filter is
// a valid receiver; a Filter of another signal type is not.
//
// It reads exactly the filter's bytes, so a caller may buffer r. The
// input is trusted: the bit set's length is allocated as given.
//
// ReadFrom must not be called concurrently with any other method of f.
func (f *Filter) ReadFrom(r io.Reader) (int64, error) {
	cr := &countingReader{r: r}
	var head [len(magic) + 1]byte
	if _, err := io.ReadFull(cr, head[:]); err != nil {
		return cr.n, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if string(head[:len(magic)]) != magic {
		return cr.n, fmt.Errorf("%w: bad magic %q", ErrFormat, head[:len(magic)])
	}
	name := make([]byte, head[len(magic)])
	var nums [3]uint64
	if _, err := io.ReadFull(cr, name); err != nil {
		return cr.n, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if err := binary.Read(cr, binary.BigEndian, &nums); err != nil {
		return cr.n, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	t, err := signals.ParseType(string(name))
	if err != nil || !t.Exact() {
		return cr.n, fmt.Errorf("%w: signal type %q", ErrFormat, name)
	}
	if f.typ != 0 && f.typ != t {
		return cr.n, fmt.Errorf("prefilter: cannot read a %s filter into a %s filter", t, f.typ)
	}
	fp := math.Float64frombits(nums[2])
	if !(fp > 0 && fp < 1) {
		return cr.n, fmt.Errorf("%w: false-positive rate %g", ErrFormat, fp)
	}
	bf := new(bloom.BloomFilter)
	if _, err := bf.ReadFrom(cr); err != nil {
		return cr.n, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if bf.Cap() == 0 || bf.K() == 0 || bf.BitSet().Len() < bf.Cap() {
		return cr.n, fmt.Errorf("%w: inconsistent filter (m=%d, k=%d)", ErrFormat, bf.Cap(), bf.K())
	}
	f.typ, f.fpRate = t, fp
	f.side.Clear()
	f.sideLen.Store(0)
	f.cur.Store(&generation{bf: bf, capacity: uint(nums[1]), count: uint(nums[0])})
	return cr.n, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
