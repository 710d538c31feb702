package hamming

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// fileMagic starts a saved index; the digits are the format's version.
const fileMagic = "HKNHAM01"

// ErrFormat is returned by ReadIndex for input that is not a saved index.
var ErrFormat = errors.New("hamming: malformed saved index")

// WriteTo saves the index: its segments as they are (tables and hashes),
// its overflow and its state bytes, so that ReadIndex restores it without
// building anything. All integers are little-endian.
//
// WriteTo can be called from concurrent goroutines; Adds and Removes wait
// while it writes, and it waits for a compaction in progress.
func (ix *Index) WriteTo(w io.Writer) (int64, error) {
	ix.compactMu.Lock()
	defer ix.compactMu.Unlock()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	fw := &fileWriter{w: bufio.NewWriterSize(w, 1<<20)}
	fw.bytes([]byte(fileMagic))
	fw.u64(uint64(ix.words), uint64(ix.maxRadius), uint64(ix.live), uint64(ix.dead))
	fw.u64(uint64(len(ix.state)))
	fw.bytes(ix.state)
	fw.u64(uint64(len(ix.segs)))
	for _, sg := range ix.segs {
		fw.u64(uint64(sg.tag), uint64(sg.p), uint64(sg.kb), uint64(sg.lo), uint64(sg.n), uint64(sg.items), uint64(sg.dead))
		fw.u64s(sg.slab)
		for i := range sg.lay.m {
			fw.u64(uint64(len(sg.dir[i])))
			fw.u32s(sg.dir[i])
			fw.u64(uint64(len(sg.arena[i])))
			fw.bytes(sg.arena[i])
		}
	}
	fw.u64(uint64(len(ix.ov.ids)))
	fw.u32s(ix.ov.ids)
	fw.u64s(ix.ov.slab)
	if fw.err == nil {
		fw.err = fw.w.(*bufio.Writer).Flush()
	}
	return fw.n, fw.err
}

// ReadIndex reads an index saved by WriteTo. It reads exactly the saved
// index's bytes, so that more may follow it in r; r should be buffered.
func ReadIndex(r io.Reader) (*Index, error) {
	fr := &fileReader{r: r}
	if string(fr.bytes(len(fileMagic))) != fileMagic {
		return nil, fmt.Errorf("%w: bad magic", ErrFormat)
	}
	words, maxRadius, live, dead := int(fr.u64()), int(fr.u64()), int(fr.u64()), int(fr.u64())
	if fr.err != nil {
		return nil, fr.fail()
	}
	if _, err := checkConfig(64*words, maxRadius); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	nstate := fr.count(math.MaxUint32 + 1)
	ix := newIndex(words, maxRadius, &segment{}, fr.bytes(nstate), live)
	ix.dead = dead
	lay := layoutFor(words)
	nsegs := fr.count(256)
	for range nsegs {
		sg := &segment{words: words, lay: lay}
		sg.tag, sg.p, sg.kb = uint8(fr.u64()), uint(fr.u64()), int(fr.u64())
		sg.lo, sg.n, sg.items, sg.dead = int(fr.u64()), int(fr.u64()), int(fr.u64()), int(fr.u64())
		if fr.err != nil || sg.tag < stateBase || sg.p < 16 || sg.p > 24 || sg.kb > 1 ||
			sg.lo < 0 || sg.n < 0 || sg.lo+sg.n > nstate || sg.items > sg.n {
			return nil, fr.fail()
		}
		sg.slab = fr.u64s(sg.n * words)
		sg.dir, sg.arena = make([][]uint32, lay.m), make([][]byte, lay.m)
		for i := range lay.m {
			if fr.count(1<<24+1) != 1<<sg.p+1 {
				return nil, fr.fail()
			}
			sg.dir[i] = fr.u32s(1<<sg.p + 1)
			if fr.count(math.MaxInt32) != sg.items*(sg.kb+4)+1 {
				return nil, fr.fail()
			}
			sg.arena[i] = fr.bytes(sg.items*(sg.kb+4) + 1)
			if fr.err == nil && int(sg.dir[i][1<<sg.p]) != sg.items {
				return nil, fr.fail()
			}
		}
		ix.segs = append(ix.segs, sg)
	}
	nov := fr.count(nstate + 1)
	ids := fr.u32s(nov)
	slab := fr.u64s(nov * words)
	if fr.err != nil {
		return nil, fr.fail()
	}
	for i, id := range ids {
		if int(id) >= nstate {
			return nil, fr.fail()
		}
		ix.ov.pos[id] = i
	}
	ix.ov.ids, ix.ov.slab = ids, slab
	return ix, nil
}

type fileWriter struct {
	w   io.Writer
	n   int64
	err error
	buf []byte
}

func (fw *fileWriter) bytes(b []byte) {
	if fw.err != nil {
		return
	}
	var n int
	n, fw.err = fw.w.Write(b)
	fw.n += int64(n)
}

func (fw *fileWriter) u64(vs ...uint64) { fw.u64s(vs) }

func (fw *fileWriter) u64s(vs []uint64) {
	for len(vs) > 0 {
		k := min(len(vs), 1<<14)
		fw.buf = fw.buf[:0]
		for _, v := range vs[:k] {
			fw.buf = binary.LittleEndian.AppendUint64(fw.buf, v)
		}
		fw.bytes(fw.buf)
		vs = vs[k:]
	}
}

func (fw *fileWriter) u32s(vs []uint32) {
	for len(vs) > 0 {
		k := min(len(vs), 1<<15)
		fw.buf = fw.buf[:0]
		for _, v := range vs[:k] {
			fw.buf = binary.LittleEndian.AppendUint32(fw.buf, v)
		}
		fw.bytes(fw.buf)
		vs = vs[k:]
	}
}

type fileReader struct {
	r   io.Reader
	err error
	buf []byte
}

func (fr *fileReader) fail() error {
	if fr.err != nil && !errors.Is(fr.err, ErrFormat) {
		return fmt.Errorf("%w: %v", ErrFormat, fr.err)
	}
	return ErrFormat
}

// bytes reads n bytes into a new slice (nil after a failure).
func (fr *fileReader) bytes(n int) []byte {
	if fr.err != nil {
		return nil
	}
	b := make([]byte, n)
	_, fr.err = io.ReadFull(fr.r, b)
	return b
}

func (fr *fileReader) u64() uint64 {
	if fr.err != nil {
		return 0
	}
	var b [8]byte
	if _, fr.err = io.ReadFull(fr.r, b[:]); fr.err != nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b[:])
}

// count reads a length, failing unless it is below limit.
func (fr *fileReader) count(limit int) int {
	v := fr.u64()
	if fr.err == nil && v >= uint64(limit) {
		fr.err = ErrFormat
	}
	return int(v)
}

func (fr *fileReader) grow(n int) []byte {
	if cap(fr.buf) < n {
		fr.buf = make([]byte, n)
	}
	return fr.buf[:n]
}

func (fr *fileReader) u64s(n int) []uint64 {
	if fr.err != nil {
		return nil
	}
	out := make([]uint64, n)
	adviseHuge(out)
	for i := 0; i < n && fr.err == nil; {
		k := min(n-i, 1<<14)
		fr.buf = fr.grow(8 * k)
		if _, fr.err = io.ReadFull(fr.r, fr.buf); fr.err != nil {
			return nil
		}
		for j := range k {
			out[i+j] = binary.LittleEndian.Uint64(fr.buf[8*j:])
		}
		i += k
	}
	return out
}

func (fr *fileReader) u32s(n int) []uint32 {
	if fr.err != nil {
		return nil
	}
	out := make([]uint32, n)
	for i := 0; i < n && fr.err == nil; {
		k := min(n-i, 1<<15)
		fr.buf = fr.grow(4 * k)
		if _, fr.err = io.ReadFull(fr.r, fr.buf); fr.err != nil {
			return nil
		}
		for j := range k {
			out[i+j] = binary.LittleEndian.Uint32(fr.buf[4*j:])
		}
		i += k
	}
	return out
}
