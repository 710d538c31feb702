package index

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"slices"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/ristretto/v2/z"
)

// Snapshots of the known content.
//
// A snapshot is every key of the known content (the meta keys, banks,
// items, postings with their user-meta byte, bank item lists and the
// quarantine list) as one Badger read transaction sees it: a consistent
// state whose version is the one written with it, taken while lookups
// and writes go on. The service's own records (API keys, the audit log
// and its statistics, analysts' feedback, synced sources' checkpoints)
// are not part of it: they belong to the node that wrote them.
//
// The maker builds a Badger folder of those keys beside its index, with
// Badger's StreamWriter (it writes the tables directly instead of
// committing transactions), and sends that folder's files
// (snapshotfile.go): a new replica writes them to disk and opens them,
// with no rebuilding on its side.
//
// The keys go from the read transaction to the StreamWriter as a stream:
// the line "herken-snapshot/1\n", then per key its length (uvarint), the
// key, its user-meta byte, the value's length (uvarint) and the value, in
// key order; then a zero length, the number of keys (8 bytes big-endian)
// and the CRC-32C of the keys, user-meta bytes and values (4 bytes
// big-endian).

const snapshotMagic = "herken-snapshot/1\n"

// contentPrefixes are the key ranges of the known content, in key order.
var contentPrefixes = [][]byte{[]byte("\x00meta/"), prefixBank, prefixBankItem, prefixBankList, prefixItem, prefixQuarantine, prefixPosting}

// ErrSnapshot refuses a snapshot that is damaged or not a snapshot.
var ErrSnapshot = errors.New("index: not a valid snapshot")

// Snapshot is a consistent state of the known content, held open for
// writing it out. Close it when done: until then the database keeps the
// versions it needs, and DB.Close waits.
type Snapshot struct {
	// Version is the index version of the state: on a replica, the
	// sequence of the last change it holds.
	Version uint64
	// LogID is the log the state follows ("" for a single node's).
	LogID string

	txn    *badger.Txn
	done   func()
	follow string
	// dir is the index's folder: the snapshot's folder is built beside it.
	dir  string
	opts Options
	// aborted stops writing (Abort).
	aborted atomic.Bool
}

// ErrSnapshotAborted ends a snapshot's writing after Abort.
var ErrSnapshotAborted = errors.New("index: snapshot aborted")

// Abort makes a WriteTo in progress stop soon with ErrSnapshotAborted:
// building the snapshot's folder takes a while for a large index, and a
// shutdown should not wait for it. It may be called from any goroutine.
func (sn *Snapshot) Abort() { sn.aborted.Store(true) }

// Snapshot opens a consistent state of the known content.
func (s *Content) Snapshot() (*Snapshot, error) {
	s.writeM.Lock()
	if s.closed.Load() {
		s.writeM.Unlock()
		return nil, ErrClosed
	}
	// Under writeM, so that DB.Close, which waits for bg holding
	// writeM, sees this Add.
	s.bg.Add(1)
	txn := s.db.NewTransaction(false)
	s.writeM.Unlock()
	sn := &Snapshot{txn: txn, done: func() { txn.Discard(); s.bg.Done() }, dir: s.dir, opts: s.opts}
	var err error
	if sn.Version, err = getU64(txn, keyVersion); err != nil {
		sn.Close()
		return nil, fmt.Errorf("index: snapshot: %w", err)
	}
	switch v, err := getValue(txn, keyLog); {
	case err == nil:
		sn.LogID = string(v)
	case !errors.Is(err, badger.ErrKeyNotFound):
		sn.Close()
		return nil, fmt.Errorf("index: snapshot: %w", err)
	}
	return sn, nil
}

// Follow makes the snapshot written a replica's state of the log id: for
// moving a single node's index into a cluster, whose log then continues
// after the snapshot's version.
func (sn *Snapshot) Follow(id string) {
	sn.follow, sn.LogID = id, id
}

// Close releases the state.
func (sn *Snapshot) Close() {
	if sn.done != nil {
		sn.done()
		sn.done = nil
	}
}

// writeKeys writes the snapshot's keys to w, in the key stream format,
// and returns the bytes written.
func (sn *Snapshot) writeKeys(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<20)
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	var keys uint64
	var num [binary.MaxVarintLen64]byte
	put := func(k []byte, um byte, v []byte) error {
		bw.Write(num[:binary.PutUvarint(num[:], uint64(len(k)))])
		bw.Write(k)
		bw.WriteByte(um)
		bw.Write(num[:binary.PutUvarint(num[:], uint64(len(v)))])
		_, err := bw.Write(v)
		crc.Write(k)
		crc.Write([]byte{um})
		crc.Write(v)
		keys++
		if keys%4096 == 0 && sn.aborted.Load() {
			return ErrSnapshotAborted
		}
		return err
	}
	if _, err := bw.WriteString(snapshotMagic); err != nil {
		return cw.n, err
	}
	for i, p := range contentPrefixes {
		var err error
		if i == 0 {
			err = sn.writeMeta(p, put)
		} else {
			err = eachKey(sn.txn, p, put)
		}
		if err != nil {
			return cw.n, fmt.Errorf("index: snapshot: %w", err)
		}
	}
	bw.WriteByte(0)
	var tail [12]byte
	binary.BigEndian.PutUint64(tail[:8], keys)
	binary.BigEndian.PutUint32(tail[8:], crc.Sum32())
	bw.Write(tail[:])
	err := bw.Flush()
	return cw.n, err
}

// writeMeta writes the meta keys, with the log id Follow set.
func (sn *Snapshot) writeMeta(prefix []byte, put func([]byte, byte, []byte) error) error {
	type kv struct {
		k, v []byte
		um   byte
	}
	var meta []kv
	err := eachKey(sn.txn, prefix, func(k []byte, um byte, v []byte) error {
		if sn.follow == "" || !bytes.Equal(k, keyLog) {
			meta = append(meta, kv{bytes.Clone(k), bytes.Clone(v), um})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if sn.follow != "" {
		meta = append(meta, kv{k: keyLog, v: []byte(sn.follow)})
		slices.SortFunc(meta, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
	}
	for _, m := range meta {
		if err := put(m.k, m.um, m.v); err != nil {
			return err
		}
	}
	return nil
}

// eachKey calls fn with every key under prefix, in order, with its
// user-meta byte and value (valid during the call only).
func eachKey(txn *badger.Txn, prefix []byte, fn func(k []byte, um byte, v []byte) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 256})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		err := item.Value(func(v []byte) error { return fn(item.Key(), item.UserMeta(), v) })
		if err != nil {
			return err
		}
	}
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// loadInto builds a Badger folder in dir, which holds none, from the key
// stream read from r.
func loadInto(dir string, r io.Reader, opts Options) (info SnapshotInfo, err error) {
	br := bufio.NewReaderSize(r, 1<<20)
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != snapshotMagic {
		return info, fmt.Errorf("%w: no snapshot header", ErrSnapshot)
	}
	bopts := badger.DefaultOptions(dir).WithLogger(badgerLogger{logger(opts)}).
		WithMemTableSize(32 << 20).WithCompression(options.None).WithNumVersionsToKeep(1)
	db, err := badger.Open(bopts)
	if err != nil {
		return info, fmt.Errorf("index: %w", err)
	}
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("index: %w", cerr)
		}
	}()
	sw := db.NewStreamWriter()
	if err := sw.Prepare(); err != nil {
		return info, fmt.Errorf("index: %w", err)
	}
	defer sw.Cancel()
	// Reading and the StreamWriter's table building overlap: buffers of
	// keys go to a writer goroutine while the next one is filled.
	const bufSize = 8 << 20
	full := make(chan *z.Buffer, 2)
	wrote := make(chan error, 1)
	go func() {
		var werr error
		for b := range full {
			if werr == nil {
				werr = sw.Write(b)
			}
			b.Release()
		}
		wrote <- werr
	}()
	buf := z.NewBuffer(bufSize+(1<<20), "herken.snapshot")
	info, err = readSnapshot(br, func(kv *pb.KV) {
		badger.KVToBuffer(kv, buf)
		if buf.LenNoPadding() > bufSize {
			full <- buf
			buf = z.NewBuffer(bufSize+(1<<20), "herken.snapshot")
		}
	})
	full <- buf
	close(full)
	if werr := <-wrote; err == nil && werr != nil {
		err = fmt.Errorf("index: loading a snapshot: %w", werr)
	}
	if err != nil {
		return info, err
	}
	if err := sw.Flush(); err != nil {
		return info, fmt.Errorf("index: loading a snapshot: %w", err)
	}
	return info, nil
}

func logger(opts Options) *slog.Logger {
	if opts.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return opts.Logger
}

// readSnapshot reads the keys of a snapshot after its header, in order,
// and checks its trailer. The KV given to put and its slices are reused
// for the next key.
func readSnapshot(br *bufio.Reader, put func(*pb.KV)) (info SnapshotInfo, err error) {
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	kv := &pb.KV{Version: 1, StreamId: 1, UserMeta: make([]byte, 1)}
	var prev []byte
	var schemaSeen bool
	for {
		klen, err := binary.ReadUvarint(br)
		if err != nil {
			return info, fmt.Errorf("%w: %v", ErrSnapshot, err)
		}
		if klen == 0 {
			break
		}
		if klen > 1<<16 {
			return info, fmt.Errorf("%w: a key of %d bytes", ErrSnapshot, klen)
		}
		kv.Key = grow(kv.Key, int(klen))
		if _, err := io.ReadFull(br, kv.Key); err != nil {
			return info, fmt.Errorf("%w: %v", ErrSnapshot, err)
		}
		if kv.UserMeta[0], err = br.ReadByte(); err != nil {
			return info, fmt.Errorf("%w: %v", ErrSnapshot, err)
		}
		vlen, err := binary.ReadUvarint(br)
		if err != nil || vlen > 64<<20 {
			return info, fmt.Errorf("%w: a value's length: %v", ErrSnapshot, err)
		}
		kv.Value = grow(kv.Value, int(vlen))
		if _, err := io.ReadFull(br, kv.Value); err != nil {
			return info, fmt.Errorf("%w: %v", ErrSnapshot, err)
		}
		if info.Keys > 0 && bytes.Compare(kv.Key, prev) <= 0 {
			return info, fmt.Errorf("%w: keys out of order", ErrSnapshot)
		}
		prev = append(prev[:0], kv.Key...)
		crc.Write(kv.Key)
		crc.Write(kv.UserMeta)
		crc.Write(kv.Value)
		info.Keys++
		switch {
		case bytes.Equal(kv.Key, keyVersion) && len(kv.Value) == 8:
			info.Version = binary.BigEndian.Uint64(kv.Value)
		case bytes.Equal(kv.Key, keyLog):
			info.LogID = string(kv.Value)
		case bytes.Equal(kv.Key, keySchema):
			schemaSeen = string(kv.Value) == schema
		}
		put(kv)
	}
	var tail [12]byte
	if _, err := io.ReadFull(br, tail[:]); err != nil {
		return info, fmt.Errorf("%w: no trailer", ErrSnapshot)
	}
	if n := binary.BigEndian.Uint64(tail[:8]); n != info.Keys || binary.BigEndian.Uint32(tail[8:]) != crc.Sum32() {
		return info, fmt.Errorf("%w: %d keys read, %d written, or a checksum mismatch", ErrSnapshot, info.Keys, n)
	}
	if !schemaSeen {
		return info, fmt.Errorf("%w: not of this herken's layout (%s)", ErrSnapshot, schema)
	}
	return info, nil
}

// grow returns b resized to n bytes, reusing its array when it can.
func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}
