package builder

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The manifest files at the top of a corpus folder.
const (
	ManifestFile = "MANIFEST.tsv"
	DerivedFile  = "DERIVED.tsv"
)

// Original is one row of MANIFEST.tsv: a picture as it was taken from its
// package, and the file the corpus keeps of it.
type Original struct {
	SHA256        string // of File
	Size          int64  // of File, in bytes
	Width, Height int    // of File
	Package       string // "name=version", or "local" for --from
	Path          string // the installed path in the package
	SourceSHA256  string // of the package's file, which File may have shrunk
	File          string // relative to the corpus folder, e.g. originals/<id>.png
}

// ID is the short name of the original used in derived file names: the
// first 16 hex digits of its SHA-256.
func (o Original) ID() string { return o.SHA256[:16] }

// Derived is one row of DERIVED.tsv.
type Derived struct {
	SHA256    string
	Transform string
	Original  string // the original's ID
	File      string // relative to the corpus folder
	// Also is the ID of the second original a two-picture post shows, of
	// which it is a copy too; empty for every other transform.
	Also string
}

var (
	manifestHeader = []string{"sha256", "size", "width", "height", "package", "path", "source_sha256", "file"}
	derivedHeader  = []string{"sha256", "transform", "original", "file", "also"}
	// derivedHeaderV1 is the header of corpora built before two-picture
	// posts, still read.
	derivedHeaderV1 = []string{"sha256", "transform", "original", "file"}
)

// WriteManifest writes the originals, sorted by SHA-256, to dir/MANIFEST.tsv.
func WriteManifest(dir string, origs []Original) error {
	rows := make([][]string, 0, len(origs))
	for _, o := range origs {
		rows = append(rows, []string{o.SHA256, strconv.FormatInt(o.Size, 10), strconv.Itoa(o.Width),
			strconv.Itoa(o.Height), o.Package, o.Path, o.SourceSHA256, o.File})
	}
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return writeTSV(filepath.Join(dir, ManifestFile), manifestHeader, rows)
}

// WriteDerived writes the derived copies, sorted by transform and original,
// to dir/DERIVED.tsv.
func WriteDerived(dir string, ds []Derived) error {
	rows := make([][]string, 0, len(ds))
	for _, d := range ds {
		rows = append(rows, []string{d.SHA256, d.Transform, d.Original, d.File, d.Also})
	}
	slices.SortFunc(rows, func(a, b []string) int {
		return strings.Compare(a[3], b[3])
	})
	return writeTSV(filepath.Join(dir, DerivedFile), derivedHeader, rows)
}

// ReadManifest reads dir/MANIFEST.tsv.
func ReadManifest(dir string) ([]Original, error) {
	rows, err := readTSV(filepath.Join(dir, ManifestFile), manifestHeader)
	if err != nil {
		return nil, err
	}
	out := make([]Original, 0, len(rows))
	for i, r := range rows {
		o := Original{SHA256: r[0], Package: r[4], Path: r[5], SourceSHA256: r[6], File: r[7]}
		var e1, e2, e3 error
		o.Size, e1 = strconv.ParseInt(r[1], 10, 64)
		o.Width, e2 = strconv.Atoi(r[2])
		o.Height, e3 = strconv.Atoi(r[3])
		if e1 != nil || e2 != nil || e3 != nil || len(o.SHA256) != 64 {
			return nil, fmt.Errorf("builder: %s line %d: malformed row", ManifestFile, i+2)
		}
		out = append(out, o)
	}
	return out, nil
}

// ReadDerived reads dir/DERIVED.tsv.
func ReadDerived(dir string) ([]Derived, error) {
	rows, err := readTSV(filepath.Join(dir, DerivedFile), derivedHeader)
	if err != nil {
		var v1 error
		if rows, v1 = readTSV(filepath.Join(dir, DerivedFile), derivedHeaderV1); v1 != nil {
			return nil, err
		}
	}
	out := make([]Derived, 0, len(rows))
	for _, r := range rows {
		d := Derived{SHA256: r[0], Transform: r[1], Original: r[2], File: r[3]}
		if len(r) > 4 {
			d.Also = r[4]
		}
		out = append(out, d)
	}
	return out, nil
}

// Digest returns the SHA-256 of dir/MANIFEST.tsv and of dir/DERIVED.tsv:
// together they name the exact corpus a report ran on.
func Digest(dir string) (manifest, derived string, err error) {
	sum := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("builder: %w", err)
		}
		s := sha256.Sum256(b)
		return hex.EncodeToString(s[:]), nil
	}
	if manifest, err = sum(ManifestFile); err != nil {
		return "", "", err
	}
	derived, err = sum(DerivedFile)
	return manifest, derived, err
}

func writeTSV(path string, header []string, rows [][]string) error {
	var b strings.Builder
	b.WriteString(strings.Join(header, "\t") + "\n")
	for _, r := range rows {
		for _, f := range r {
			if strings.ContainsAny(f, "\t\n") {
				return fmt.Errorf("builder: field %q holds a tab or newline", f)
			}
		}
		b.WriteString(strings.Join(r, "\t") + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("builder: %w", err)
	}
	return nil
}

func readTSV(path string, header []string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("builder: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var rows [][]string
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != len(header) {
			return nil, fmt.Errorf("builder: %s line %d: %d fields, want %d", filepath.Base(path), line, len(fields), len(header))
		}
		if line == 1 {
			if !slices.Equal(fields, header) {
				return nil, fmt.Errorf("builder: %s: unexpected header %q", filepath.Base(path), fields)
			}
			continue
		}
		rows = append(rows, fields)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("builder: %s: %w", filepath.Base(path), err)
	}
	return rows, nil
}
