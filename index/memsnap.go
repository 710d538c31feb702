package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/atkm/herken/index/hamming"
	"github.com/atkm/herken/index/prefilter"
	"github.com/atkm/herken/matcher/signals"
)

// The in-memory search structures are saved when the store closes, in
// the store's folder, and read at the next open instead of being built
// from the postings: at 10M PDQ items that replaces a scan of every
// posting and the Hamming index's build by reading about a gigabyte. The
// snapshot names the index version and posting counts it holds; any
// other state of the store (a write since, a crash after writes) makes
// it stale, and it is then ignored and removed. A damaged one (its
// checksum) is ignored too. It is removed once read, so that only a clean
// Close leaves one behind.
//
// Layout: "HKNMEM01", the version, the number of types and per type its
// byte and posting count (uint64 little-endian), then per type in the
// same order its structure: an exact type's Bloom filter
// (prefilter.Filter.WriteTo), a perceptual type's owner list (a count and
// uint32s) and Hamming index (hamming.Index.WriteTo); last, the CRC-32C
// of everything before it.
const (
	memSnapshotFile  = "memory.snapshot"
	memSnapshotMagic = "HKNMEM01"
)

var memCastagnoli = crc32.MakeTable(crc32.Castagnoli)

// saveMemSnapshot writes the structures in memory, atomically (a temporary
// file renamed). Called by Close with s.mu held and writers stopped.
func (s *Content) saveMemSnapshot() error {
	if s.opts.NoSearch || s.mem == nil {
		return nil
	}
	// Writes since the open left the Hamming indexes in several segments
	// and an overflow (see hamming.Compact); one segment is smaller and
	// searches faster, as a build from the postings would make it.
	for _, n := range s.mem.near {
		n.ix.Compact()
	}
	path := filepath.Join(s.dir, memSnapshotFile)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // after the rename, a no-op
	crc := crc32.New(memCastagnoli)
	bw := bufio.NewWriterSize(io.MultiWriter(f, crc), 1<<20)
	err = s.writeMemSnapshot(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		_, err = f.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	return err
}

func (s *Content) writeMemSnapshot(w io.Writer) error {
	counts, err := s.postingCounts()
	if err != nil {
		return err
	}
	types := s.memSnapshotTypes()
	head := append([]byte(memSnapshotMagic), binary.LittleEndian.AppendUint64(nil, s.version.Load())...)
	head = binary.LittleEndian.AppendUint64(head, uint64(len(types)))
	for _, t := range types {
		head = binary.LittleEndian.AppendUint64(append(head, byte(t)), counts[t])
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	for _, t := range types {
		if f := s.mem.exact[t]; f != nil {
			if _, err := f.WriteTo(w); err != nil {
				return err
			}
			continue
		}
		n := s.mem.near[t]
		b := binary.LittleEndian.AppendUint64(nil, uint64(len(n.owner)))
		for _, o := range n.owner {
			b = binary.LittleEndian.AppendUint32(b, o)
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		if _, err := n.ix.WriteTo(w); err != nil {
			return err
		}
	}
	return nil
}

// memSnapshotTypes lists the types with structures in memory, in order.
func (s *Content) memSnapshotTypes() []signals.Type {
	var types []signals.Type
	for _, t := range signals.Types() {
		if s.mem.exact[t] != nil || s.mem.near[t] != nil {
			types = append(types, t)
		}
	}
	slices.Sort(types)
	return types
}

var errMemStale = errors.New("stale")

// readMemSnapshot returns the structures saved for this version and these
// posting counts, or an error saying why there are none to use. The file
// is removed in any case.
func (s *Content) readMemSnapshot(version uint64, counts map[signals.Type]uint64) (*memory, error) {
	path := filepath.Join(s.dir, memSnapshotFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)
	defer f.Close()
	// The checksum first, over the whole file, so that nothing is built
	// from a damaged one.
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() < int64(len(memSnapshotMagic))+4 {
		return nil, errors.New("truncated")
	}
	crc := crc32.New(memCastagnoli)
	if _, err := io.CopyBuffer(crc, io.NewSectionReader(f, 0, fi.Size()-4), make([]byte, 1<<20)); err != nil {
		return nil, err
	}
	var sum [4]byte
	if _, err := f.ReadAt(sum[:], fi.Size()-4); err != nil {
		return nil, err
	}
	if binary.LittleEndian.Uint32(sum[:]) != crc.Sum32() {
		return nil, errors.New("checksum mismatch")
	}
	r := bufio.NewReaderSize(io.NewSectionReader(f, 0, fi.Size()-4), 1<<20)
	head := make([]byte, len(memSnapshotMagic)+16)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	if string(head[:len(memSnapshotMagic)]) != memSnapshotMagic {
		return nil, errors.New("not a snapshot")
	}
	if v := binary.LittleEndian.Uint64(head[len(memSnapshotMagic):]); v != version {
		return nil, fmt.Errorf("%w: it holds version %d, the store %d", errMemStale, v, version)
	}
	ntypes := binary.LittleEndian.Uint64(head[len(memSnapshotMagic)+8:])
	if ntypes > maxType {
		return nil, errors.New("malformed")
	}
	var types []signals.Type
	for range ntypes {
		var b [9]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, err
		}
		t := signals.Type(b[0])
		if !t.Valid() {
			return nil, errors.New("malformed")
		}
		if n := binary.LittleEndian.Uint64(b[1:]); n != counts[t] {
			return nil, fmt.Errorf("%w: %d %s postings in it, %d in the store", errMemStale, n, t, counts[t])
		}
		types = append(types, t)
	}
	mem := &memory{exact: map[signals.Type]*prefilter.Filter{}, near: map[signals.Type]*nearIndex{},
		seen: newSeenSet(counts)}
	for _, t := range types {
		if t.Exact() {
			pf, err := prefilter.ReadFilter(r)
			if err != nil {
				return nil, err
			}
			if pf.Type() != t {
				return nil, errors.New("malformed")
			}
			mem.exact[t] = pf
			continue
		}
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, err
		}
		n := binary.LittleEndian.Uint64(b[:])
		if n > counts[t] {
			return nil, errors.New("malformed")
		}
		owner := make([]uint32, n)
		buf := make([]byte, 4*min(n, 1<<16))
		for i := uint64(0); i < n; {
			k := min(n-i, 1<<16)
			if _, err := io.ReadFull(r, buf[:4*k]); err != nil {
				return nil, err
			}
			for j := range k {
				owner[i+j] = binary.LittleEndian.Uint32(buf[4*j:])
			}
			i += k
		}
		ix, err := hamming.ReadIndex(r)
		if err != nil {
			return nil, err
		}
		if ix.Bits() != t.Bits() {
			return nil, errors.New("malformed")
		}
		mem.near[t] = &nearIndex{ix: ix, owner: owner}
	}
	// Types the store has and the snapshot does not (none today) are
	// built empty, as load does.
	for _, t := range signals.Types() {
		if mem.exact[t] != nil || mem.near[t] != nil {
			continue
		}
		if counts[t] != 0 {
			return nil, fmt.Errorf("%w: no %s structure", errMemStale, t)
		}
		if err := s.emptyMemStructure(mem, t); err != nil {
			return nil, err
		}
	}
	return mem, nil
}

// emptyMemStructure adds an empty structure of type t to mem.
func (s *Content) emptyMemStructure(mem *memory, t signals.Type) error {
	if t.Exact() {
		f, err := prefilter.New(t, 0, s.opts.BloomFPRate)
		mem.exact[t] = f
		return err
	}
	b, err := hamming.NewBuilder(t.Bits(), maxRadius(t), 0)
	if err != nil {
		return err
	}
	mem.near[t] = &nearIndex{ix: b.Index()}
	return nil
}

// postingCounts reads the number of postings written per type.
func (s *Content) postingCounts() (map[signals.Type]uint64, error) {
	counts := map[signals.Type]uint64{}
	err := s.db.View(func(txn *badger.Txn) error {
		for _, t := range signals.Types() {
			c, err := getU64(txn, postingCountKey(t))
			if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
				return err
			}
			counts[t] = c
		}
		return nil
	})
	return counts, err
}

// saveBuiltMemSnapshot builds the search structures of the Badger folder
// dir, into which a snapshot's keys were just written (Snapshot.WriteTo),
// and saves them there, so that the snapshot file carries them and a
// replica loading it opens as a store closed cleanly does, without
// building them from 10M postings on its critical path.
//
// They are built from that folder, not copied from the maker's structures
// in memory: those move with every change applied while the snapshot's
// read transaction stays at its version, so a copy of them would hold a
// later state, and holding the writers off for the whole copy (about a
// gigabyte at 10M items, after a compaction of the Hamming indexes) would
// stall the stream's applier on the replica making snapshots. The folder holds exactly the snapshot's keys, and
// the structures built from it are those any replica's open would build
// from them, with the same ids in the same key order. The build is the
// maker's cost, off every other replica's path: the CPU of an open built
// from the postings and a second copy of the structures in memory until
// they are written. It also proves the folder opens: a folder whose
// postings do not match their counts fails here, not on the replicas.
//
// The folder is opened read-only, so that its Badger files stay as the
// StreamWriter left them; its open (load) applies the same checks as
// Open, and readMemSnapshot on the replica checks the version and
// posting counts against the loaded folder's before using them.
func saveBuiltMemSnapshot(dir string, opts Options) error {
	opts.NoSearch = false
	db, err := badger.Open(badger.DefaultOptions(dir).WithReadOnly(true).
		WithLogger(badgerLogger{logger(opts)}).WithCompression(options.None).WithNumVersionsToKeep(1))
	if err != nil {
		return err
	}
	defer db.Close()
	c := &Content{base: &base{db: db, opts: opts, log: logger(opts), dir: dir}}
	if err := c.load(); err != nil {
		return err
	}
	return c.saveMemSnapshot()
}

// SearchFromSaved reports whether the open read the search structures
// saved beside the store (at the last Close, or carried by the snapshot
// it was loaded from) instead of building them from the postings.
func (s *Content) SearchFromSaved() bool { return s.fromMemSnapshot }
