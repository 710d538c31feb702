package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// schema marks an initialised store; a new layout gets a new name.
// Schema 2 writes items' records in binary (record.go); it reads schema
// 1's JSON records as they are, so opening a schema 1 store only moves
// its mark to 2, after which a herken of schema 1 refuses it by name
// rather than failing on the first binary record.
const (
	schema   = "herken-index/2"
	schemaV1 = "herken-index/1"
)

// Errors callers can test for with errors.Is.
var (
	ErrNotInitialised = errors.New("index: not an initialised herken index")
	ErrInconsistent   = errors.New("index: store is inconsistent")
	ErrBankNotFound   = errors.New("index: bank not found")
	ErrBankExists     = errors.New("index: bank already exists")
	ErrItemNotFound   = errors.New("index: item not found")
	ErrClosed         = errors.New("index: store is closed")
	ErrDiskFull       = errors.New("index: not enough free disk space")
	ErrNoSearch       = errors.New("index: store opened for writing only (NoSearch): no lookups")
)

// Options configure an index.
type Options struct {
	// Create initialises a new store when Dir holds none. Without it,
	// Open refuses a folder that is not an initialised store.
	Create bool
	// NoSync turns off the fsync of every commit: kill -9 is still
	// survived (Badger writes through mmap), power loss may not be.
	NoSync bool
	// BloomFPRate is the false-positive rate of the exact prefilters
	// (default 1e-6).
	BloomFPRate float64
	// Logger receives Badger's warnings and the store's own events.
	Logger *slog.Logger
	// Now is the clock (tests set it); default time.Now.
	Now func() time.Time
	// AuditRetention is how long audit records, which hold personal
	// data, are kept (default and maximum: DefaultAuditRetention).
	AuditRetention time.Duration
	// NoSearch opens the store for writing only: the in-memory search
	// structures (Bloom filters, Hamming indexes) are not built, so Open
	// is quicker and an import holds no index in memory it will never
	// search. Lookups and filter exports fail with ErrNoSearch. For
	// herken import, which holds the store only while the service is
	// stopped (Badger locks the folder).
	NoSearch bool
	// MinFreeBytes is the free space the data folder's disk must keep:
	// writes are refused with ErrDiskFull below it, before the disk fills
	// and Badger fails mid-write (default 64 MiB; negative: no check).
	MinFreeBytes int64
}

// DB is an open index: one Badger database holding three stores, each
// with its own API and lock. Content is the known content that results
// are matched against; APIKeys the service's keys and roles; AuditLog the
// record of requests. They share the database and nothing else, so that a
// key change or an audit record never touches the index version.
type DB struct {
	*base
	content *Content
	keys    *APIKeys
	audit   *AuditLog
	// peers, if set, gives the other nodes' hourly statistics (CountPeers).
	peers atomic.Pointer[PeerHours]
}

// base is what the three stores share: the database, the options and
// whether it is closed.
type base struct {
	dir    string
	db     *badger.DB
	opts   Options
	log    *slog.Logger
	closed atomic.Bool
}

// maxType bounds the signal types, for per-type arrays.
const maxType = 16

// Open opens the index in dir, loading the in-memory search structures and
// the API keys, and starts the audit log's writer.
func Open(dir string, opts Options) (*DB, error) {
	if opts.BloomFPRate == 0 {
		opts.BloomFPRate = 1e-6
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MinFreeBytes == 0 {
		opts.MinFreeBytes = 64 << 20
	}
	switch {
	case opts.AuditRetention == 0:
		opts.AuditRetention = DefaultAuditRetention
	case opts.AuditRetention < time.Hour || opts.AuditRetention > DefaultAuditRetention:
		return nil, fmt.Errorf("index: audit retention %s: it must be between an hour and 365 days (the law's maximum)", opts.AuditRetention)
	}
	fresh, err := checkDir(dir, opts.Create)
	if err != nil {
		return nil, err
	}
	bopts := badger.DefaultOptions(dir).
		WithSyncWrites(!opts.NoSync).
		WithLogger(badgerLogger{opts.Logger}).
		WithMemTableSize(32 << 20).
		// Hashes do not compress, and uncompressed tables let a test check
		// that expired audit records are really gone from disk.
		WithCompression(options.None).
		WithNumVersionsToKeep(1)
	db, err := badger.Open(bopts)
	if err != nil {
		return nil, fmt.Errorf("index: opening %s: %w", dir, err)
	}
	b := &base{db: db, opts: opts, log: opts.Logger, dir: dir}
	d := &DB{base: b, content: &Content{base: b}, keys: &APIKeys{base: b}, audit: newAuditLog(b)}
	err = verifyTables(db)
	if err == nil && fresh {
		err = b.initialise()
	}
	if err == nil {
		err = b.checkSchema()
	}
	if err == nil {
		err = d.content.load()
	}
	if err == nil {
		err = d.keys.load()
	}
	if err == nil {
		err = d.audit.Expire()
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	d.audit.start()
	if ss := d.content.mem.seen; !ss.ready {
		d.content.bg.Go(func() { d.content.fillSeen(ss) })
	}
	return d, nil
}

// Content is the known content: banks, items and the index version.
func (d *DB) Content() *Content { return d.content }

// APIKeys is the store of the service's API keys.
func (d *DB) APIKeys() *APIKeys { return d.keys }

// AuditLog is the record of requests.
func (d *DB) AuditLog() *AuditLog { return d.audit }

// Close flushes the audit log, waits for writes in progress and closes
// the database. Reads and writes of any of the three stores fail after.
func (d *DB) Close() error {
	if d.closed.Swap(true) {
		return nil
	}
	d.audit.stop()
	c, k := d.content, d.keys
	c.writeM.Lock()
	defer c.writeM.Unlock()
	k.writeM.Lock()
	defer k.writeM.Unlock()
	c.bg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.saveMemSnapshot(); err != nil {
		// The next open builds the structures from the postings instead.
		c.log.Error("index: saving the search structures", "err", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return d.db.Close()
}

// checkDir refuses a folder that holds no store unless create is set, so
// that a mistyped path never serves an empty index. It reports whether the
// store must be initialised.
func checkDir(dir string, create bool) (fresh bool, err error) {
	_, err = os.Stat(filepath.Join(dir, "MANIFEST"))
	switch {
	case err == nil:
		return false, nil
	case !errors.Is(err, os.ErrNotExist):
		return false, fmt.Errorf("index: %w", err)
	case !create:
		return false, fmt.Errorf("%w: %s has no store (create one with herken init)", ErrNotInitialised, dir)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return false, fmt.Errorf("index: %s is not empty and holds no store; refusing to create one there", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("index: %w", err)
	}
	return true, nil
}

// verifyTables checks the checksum of every block of every table, so that a
// damaged file is refused at start-up rather than served. Badger's own
// verification at table open dereferences nil on some failures, in a
// goroutine of its own; this runs it here, where a panic can be recovered.
func verifyTables(db *badger.DB) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: a table file failed verification (badger: %v)", ErrInconsistent, r)
		}
	}()
	if err := db.VerifyChecksum(); err != nil {
		return fmt.Errorf("%w: %v", ErrInconsistent, err)
	}
	return nil
}

func (b *base) initialise() error {
	return b.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(keySchema, []byte(schema)); err != nil {
			return err
		}
		for _, k := range [][]byte{keyVersion, keyNextID} {
			if err := txn.Set(k, u64(0)); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkSchema refuses a database that is not a herken index of this
// layout, and moves a schema 1 store to schema 2 (see schema).
func (b *base) checkSchema() error {
	return b.db.Update(func(txn *badger.Txn) error {
		v, err := getValue(txn, keySchema)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrNotInitialised, err)
		}
		switch string(v) {
		case schema:
			return nil
		case schemaV1:
			b.log.Info("index: moving the store to schema 2 (binary item records; the JSON ones are read as they are)")
			return txn.Set(keySchema, []byte(schema))
		}
		return fmt.Errorf("%w: schema %q, this herken reads %q (and %q)", ErrNotInitialised, v, schema, schemaV1)
	})
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// badgerLogger passes Badger's warnings and errors to slog and drops its
// chatter.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Error("badger", "msg", fmt.Sprintf(f, a...)) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Warn("badger", "msg", fmt.Sprintf(f, a...)) }
func (b badgerLogger) Infof(string, ...any)        {}
func (b badgerLogger) Debugf(string, ...any)       {}
