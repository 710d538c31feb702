package index

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/atkm/herken/matcher/known"
)

// The snapshot file: a tar stream of the Badger folder built from a
// snapshot's keys (snapshot.go) and of the search structures built from
// that folder (memsnap.go's file, which the replica's open reads instead
// of building them), led by snapshotHead, a JSON record of the snapshot
// (its version, log and banks, so that a reader wanting only those stops
// there), and closed by snapshotSums, the checksum of every file, checked
// as the files are written out. A file without the search structures
// (made before they were added) loads too: the open builds them.
//
// The checksums are CRC-32C since format 3 (SHA-256 before, still read):
// they catch damage between the maker and the folder, as the object
// store's SHA-256 of each part does in transit and Badger's block
// checksums and the search structures' CRC-32C do at the open; they
// cannot prove who made the file (whoever can change it can change its
// checksums too), so a cryptographic hash bought nothing, and at 10M
// items (2.8 GB) SHA-256 took 1.45 s of CPU here against CRC-32C's
// 0.09 s, on the path of a joining replica.

const (
	snapshotFormat = "herken-snapshot/3"
	snapshotHead   = "herken-snapshot.json"
	snapshotSums   = "herken-snapshot.crc32c.json"
	// The format before, whose checksums are SHA-256.
	snapshotFormat2 = "herken-snapshot/2"
	snapshotSums2   = "herken-snapshot.sha256.json"
)

// fileSum returns the checksum of a snapshot file's files for its
// format, and the name of its checksums record.
func fileSum(format string) (func() hash.Hash, string) {
	if format == snapshotFormat2 {
		return sha256.New, snapshotSums2
	}
	return func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) }, snapshotSums
}

// snapshotHeader is the leading record of a snapshot file.
type snapshotHeader struct {
	Format  string       `json:"format"`
	Version uint64       `json:"index_version"`
	LogID   string       `json:"log_id,omitempty"`
	Banks   []known.Bank `json:"banks"`
}

// SnapshotInfo describes a loaded snapshot.
type SnapshotInfo struct {
	Version uint64
	LogID   string
	Keys    uint64
}

// WriteTo writes the snapshot file to w and returns the bytes written. It
// builds the snapshot's Badger folder beside the index (the folder's name
// and ".snapshot-build"), which takes the disk space of the known content
// until it returns.
func (sn *Snapshot) WriteTo(w io.Writer) (int64, error) {
	head := snapshotHeader{Format: snapshotFormat, Version: sn.Version, LogID: sn.LogID, Banks: []known.Bank{}}
	err := eachKey(sn.txn, prefixBank, func(_ []byte, _ byte, v []byte) error {
		var b known.Bank
		if err := decodeJSON(v, &b); err != nil {
			return err
		}
		head.Banks = append(head.Banks, b)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("index: snapshot: %w", err)
	}
	build := filepath.Clean(sn.dir) + ".snapshot-build"
	if err := os.RemoveAll(build); err != nil {
		return 0, fmt.Errorf("index: snapshot: %w", err)
	}
	defer os.RemoveAll(build)
	pr, pw := io.Pipe()
	go func() {
		_, err := sn.writeKeys(pw)
		pw.CloseWithError(err)
	}()
	_, err = loadInto(build, pr, sn.opts)
	pr.CloseWithError(errors.New("index: snapshot built"))
	if sn.aborted.Load() {
		return 0, ErrSnapshotAborted
	}
	if err != nil {
		return 0, fmt.Errorf("index: building the snapshot: %w", err)
	}
	// The search structures of exactly these keys (memsnap.go says why
	// they are built from the folder); a replica whose open finds them
	// unusable builds them from the postings instead.
	if err := saveBuiltMemSnapshot(build, sn.opts); err != nil {
		return 0, fmt.Errorf("index: building the snapshot's search structures: %w", err)
	}
	if sn.aborted.Load() {
		return 0, ErrSnapshotAborted
	}

	cw := &countWriter{w: w}
	tw := tar.NewWriter(cw)
	hb, err := json.Marshal(head)
	if err != nil {
		return 0, err
	}
	if err := writeTarFile(tw, snapshotHead, hb); err != nil {
		return cw.n, err
	}
	ents, err := os.ReadDir(build)
	if err != nil {
		return cw.n, fmt.Errorf("index: snapshot: %w", err)
	}
	sums := map[string]string{}
	for _, e := range ents {
		// DISCARD holds the value log's garbage statistics, none in a
		// new folder (1 MiB of zeros); Badger makes it again.
		if !e.Type().IsRegular() || e.Name() == "DISCARD" {
			continue
		}
		sum, err := copyToTar(tw, filepath.Join(build, e.Name()))
		if err != nil {
			return cw.n, fmt.Errorf("index: snapshot: %w", err)
		}
		sums[e.Name()] = sum
	}
	sb, err := json.Marshal(sums)
	if err != nil {
		return cw.n, err
	}
	if err := writeTarFile(tw, snapshotSums, sb); err != nil {
		return cw.n, err
	}
	err = tw.Close()
	return cw.n, err
}

func writeTarFile(tw *tar.Writer, name string, b []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}

// copyToTar adds the file at path and returns its checksum.
func copyToTar(tw *tar.Writer, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if err := tw.WriteHeader(&tar.Header{Name: filepath.Base(path), Mode: 0o600, Size: fi.Size(), Typeflag: tar.TypeReg}); err != nil {
		return "", err
	}
	newSum, _ := fileSum(snapshotFormat)
	h := newSum()
	if _, err := io.Copy(io.MultiWriter(tw, h), f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// LoadSnapshot makes dir an index holding the snapshot file read from r.
// dir must not hold a store (an empty or missing folder): the files are
// written beside it and moved into place only once all are there and
// match their checksums, so that an interrupted load leaves no half index
// behind.
func LoadSnapshot(dir string, r io.Reader, opts Options) (SnapshotInfo, error) {
	if _, err := checkDir(dir, true); err != nil {
		return SnapshotInfo{}, err
	}
	tmp := filepath.Clean(dir) + ".loading"
	if err := os.RemoveAll(tmp); err != nil {
		return SnapshotInfo{}, fmt.Errorf("index: %w", err)
	}
	info, err := extract(tmp, r)
	if err != nil {
		os.RemoveAll(tmp)
		return info, err
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return info, fmt.Errorf("index: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return info, fmt.Errorf("index: %w", err)
	}
	return info, nil
}

// extract writes the snapshot file's Badger folder to dir.
func extract(dir string, r io.Reader) (SnapshotInfo, error) {
	tr := tar.NewReader(r)
	head, err := readHead(tr)
	if err != nil {
		return SnapshotInfo{}, err
	}
	info := SnapshotInfo{Version: head.Version, LogID: head.LogID}
	newSum, sumsName := fileSum(head.Format)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return info, fmt.Errorf("index: %w", err)
	}
	got := map[string]string{}
	for {
		h, err := tr.Next()
		if err != nil {
			return info, fmt.Errorf("%w: cut short: %v", ErrSnapshot, err)
		}
		name := h.Name
		if name == sumsName {
			var want map[string]string
			if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&want); err != nil {
				return info, fmt.Errorf("%w: checksums: %v", ErrSnapshot, err)
			}
			if len(want) == 0 || !mapsEqual(want, got) {
				return info, fmt.Errorf("%w: the files do not match their checksums", ErrSnapshot)
			}
			if _, err := tr.Next(); err != io.EOF {
				return info, fmt.Errorf("%w: data after the checksums", ErrSnapshot)
			}
			return info, nil
		}
		if h.Typeflag != tar.TypeReg || name != filepath.Base(name) || strings.HasPrefix(name, ".") || name == snapshotHead || name == snapshotSums || name == snapshotSums2 {
			return info, fmt.Errorf("%w: unexpected entry %q", ErrSnapshot, name)
		}
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return info, fmt.Errorf("index: %w", err)
		}
		sum := newSum()
		_, err = io.Copy(io.MultiWriter(f, sum), tr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return info, fmt.Errorf("%w: %s: %v", ErrSnapshot, name, err)
		}
		got[name] = hex.EncodeToString(sum.Sum(nil))
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func readHead(tr *tar.Reader) (snapshotHeader, error) {
	var head snapshotHeader
	h, err := tr.Next()
	if err != nil || h.Name != snapshotHead {
		return head, fmt.Errorf("%w: no %s first", ErrSnapshot, snapshotHead)
	}
	if err := json.NewDecoder(io.LimitReader(tr, 64<<20)).Decode(&head); err != nil {
		return head, fmt.Errorf("%w: %s: %v", ErrSnapshot, snapshotHead, err)
	}
	if head.Format != snapshotFormat && head.Format != snapshotFormat2 {
		return head, fmt.Errorf("%w: format %q, this herken reads %q", ErrSnapshot, head.Format, snapshotFormat)
	}
	return head, nil
}

// SnapshotBanks reads the banks of a snapshot file and its version, from
// its first record only.
func SnapshotBanks(r io.Reader) ([]known.Bank, uint64, error) {
	head, err := readHead(tar.NewReader(r))
	if err != nil {
		return nil, 0, err
	}
	slices.SortFunc(head.Banks, func(a, b known.Bank) int { return strings.Compare(a.Name, b.Name) })
	return head.Banks, head.Version, nil
}
