package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/atkm/herken/index/prefilter"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

// schema marks an initialised store; a new layout gets a new name.
const schema = "herken-index/1"

// Errors callers can test for with errors.Is.
var (
	ErrNotInitialised = errors.New("index: not an initialised herken index")
	ErrInconsistent   = errors.New("index: store is inconsistent")
	ErrBankNotFound   = errors.New("index: bank not found")
	ErrBankExists     = errors.New("index: bank already exists")
	ErrItemNotFound   = errors.New("index: item not found")
	ErrClosed         = errors.New("index: store is closed")
	ErrDiskFull       = errors.New("index: not enough free disk space")
)

// Options configure a Store.
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
	// MinFreeBytes is the free space the data folder's disk must keep:
	// writes are refused with ErrDiskFull below it, before the disk fills
	// and Badger fails mid-write (default 64 MiB; negative: no check).
	MinFreeBytes int64
}

// Store is the index of known content. See the package documentation.
type Store struct {
	dir    string
	db     *badger.DB
	opts   Options
	log    *slog.Logger
	writeM sync.Mutex // serialises writers

	mu      sync.RWMutex // held by lookups (read) and by writers applying to memory (write)
	mem     *memory
	banks   map[string]*known.Bank
	keys    map[string]*APIKey
	version atomic.Uint64
	closed  atomic.Bool

	audit      *auditLog
	bg         sync.WaitGroup // background filter rebuilds, waited for by Close
	rebuilding [maxType]atomic.Bool
}

// maxType bounds the signal types, for per-type arrays.
const maxType = 16

// Open opens the store in dir, loading the in-memory indexes.
func Open(dir string, opts Options) (*Store, error) {
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
	s := &Store{db: db, opts: opts, log: opts.Logger, dir: dir}
	err = verifyTables(db)
	if err == nil && fresh {
		err = s.initialise()
	}
	if err == nil {
		err = s.load()
	}
	if err == nil {
		err = s.ExpireAudit()
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	s.startAudit()
	return s, nil
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

func (s *Store) initialise() error {
	return s.db.Update(func(txn *badger.Txn) error {
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

// Close closes the store. Lookups and writes after Close fail.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.stopAudit()
	s.writeM.Lock()
	defer s.writeM.Unlock()
	s.bg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Close()
}

// Version is the current index version.
func (s *Store) Version() uint64 { return s.version.Load() }

// Status describes the index for operators.
type Status struct {
	Version uint64                `json:"index_version"`
	Banks   int                   `json:"banks"`
	Signals map[string]SignalStat `json:"signals"`
}

// SignalStat counts the active signals of one type in memory.
type SignalStat struct {
	Count       int     `json:"count"`
	MemoryBytes int64   `json:"memory_bytes"`
	FPRate      float64 `json:"bloom_fp_rate,omitempty"`
}

// Status returns counts and sizes of the in-memory indexes.
func (s *Store) Status() Status {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := Status{Version: s.version.Load(), Banks: len(s.banks), Signals: map[string]SignalStat{}}
	for t, f := range s.mem.exact {
		st.Signals[t.String()] = SignalStat{Count: int(f.Count()), MemoryBytes: f.Bytes(), FPRate: f.FPRate()}
	}
	for t, p := range s.mem.near {
		st.Signals[t.String()] = SignalStat{Count: p.ix.Len(), MemoryBytes: p.ix.Bytes() + int64(4*len(p.owner))}
	}
	return st
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// badgerLogger passes Badger's warnings and errors to slog and drops its
// chatter.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Error("badger", "msg", fmt.Sprintf(f, a...)) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Warn("badger", "msg", fmt.Sprintf(f, a...)) }
func (b badgerLogger) Infof(string, ...any)        {}
func (b badgerLogger) Debugf(string, ...any)       {}

// FilterMeta describes the Bloom filter of one exact signal type.
type FilterMeta struct {
	prefilter.Meta
	IndexVersion uint64 `json:"index_version"`
}

// WriteFilter writes the Bloom filter of the exact signal type t in the
// format of prefilter.Filter.WriteTo, for offline pre-screening, and
// returns its metadata. Retracted items may still be in it; a positive
// answer is to be confirmed by a lookup.
func (s *Store) WriteFilter(t signals.Type, w io.Writer) (FilterMeta, error) {
	s.mu.RLock()
	f, ok := s.mem.exact[t]
	meta := FilterMeta{IndexVersion: s.version.Load()}
	s.mu.RUnlock()
	if !ok {
		return FilterMeta{}, fmt.Errorf("index: %s is not an exact signal type; filters exist for sha256, md5 and sha1", t)
	}
	meta.Meta = f.Meta()
	if _, err := f.WriteTo(w); err != nil {
		return FilterMeta{}, err
	}
	return meta, nil
}
