package negset

import (
	"bufio"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The files at the top of a negative corpus folder.
const (
	ManifestFile = "NEGATIVE.tsv"
	GroupsFile   = "GROUPS.tsv"
)

// Picture is one picture of the negative corpus: a tile of a source
// picture, or a whole one.
type Picture struct {
	SHA256       string // of File
	File         string // relative to the corpus folder
	Package      string // "name=version"
	Path         string // installed path of the source picture
	SourceSHA256 string
	// Rect is the tile in the source picture's pixels; for a whole picture
	// it is the source's bounds (the file may be shrunk).
	Rect                      image.Rectangle
	Whole                     bool
	SourceWidth, SourceHeight int
}

// Name says which picture it is for a report: the installed path, and the
// tile's rectangle when it is a tile.
func (p Picture) Name() string {
	name, _, _ := strings.Cut(p.Package, "=")
	if p.Whole {
		return name + ":" + p.Path
	}
	return fmt.Sprintf("%s:%s@%d,%d+%dx%d", name, p.Path, p.Rect.Min.X, p.Rect.Min.Y, p.Rect.Dx(), p.Rect.Dy())
}

var manifestHeader = []string{"sha256", "file", "package", "path", "source_sha256", "x", "y", "w", "h", "whole", "source_w", "source_h"}

// WriteManifest writes pics, sorted by file, to dir/NEGATIVE.tsv.
func WriteManifest(dir string, pics []Picture) error {
	rows := make([][]string, 0, len(pics))
	for _, p := range pics {
		rows = append(rows, []string{p.SHA256, p.File, p.Package, p.Path, p.SourceSHA256,
			strconv.Itoa(p.Rect.Min.X), strconv.Itoa(p.Rect.Min.Y), strconv.Itoa(p.Rect.Dx()), strconv.Itoa(p.Rect.Dy()),
			strconv.FormatBool(p.Whole), strconv.Itoa(p.SourceWidth), strconv.Itoa(p.SourceHeight)})
	}
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(a[1], b[1]) })
	return writeTSV(filepath.Join(dir, ManifestFile), manifestHeader, rows)
}

// ReadManifest reads dir/NEGATIVE.tsv.
func ReadManifest(dir string) ([]Picture, error) {
	rows, err := readTSV(filepath.Join(dir, ManifestFile), manifestHeader)
	if err != nil {
		return nil, err
	}
	out := make([]Picture, 0, len(rows))
	for i, r := range rows {
		var n [7]int
		for k, f := range []string{r[5], r[6], r[7], r[8], r[10], r[11]} {
			if n[k], err = strconv.Atoi(f); err != nil {
				return nil, fmt.Errorf("negset: %s line %d: %q is not a number", ManifestFile, i+2, f)
			}
		}
		whole, err := strconv.ParseBool(r[9])
		if err != nil || len(r[0]) != 64 {
			return nil, fmt.Errorf("negset: %s line %d: malformed row", ManifestFile, i+2)
		}
		out = append(out, Picture{SHA256: r[0], File: r[1], Package: r[2], Path: r[3], SourceSHA256: r[4],
			Rect: image.Rect(n[0], n[1], n[0]+n[2], n[1]+n[3]), Whole: whole, SourceWidth: n[4], SourceHeight: n[5]})
	}
	return out, nil
}

var groupsHeader = []string{"group", "member", "kept", "package", "path", "width", "height", "links"}

// WriteGroups writes the near-duplicate groups of more than one member to
// dir/GROUPS.tsv: one row per member, with the links that joined it to
// members listed before it ("1:pdq:62" is PDQ distance 62 to member 1).
func WriteGroups(dir string, groups []Group) error {
	var rows [][]string
	n := 0
	for _, g := range groups {
		if len(g.Members) < 2 {
			continue
		}
		n++
		for i, m := range g.Members {
			var links []string
			for _, l := range g.Links {
				if l.B == i {
					s := fmt.Sprintf("%d:%s", l.A, l.Reason)
					if l.Distance >= 0 {
						s += ":" + strconv.Itoa(l.Distance)
					}
					links = append(links, s)
				}
			}
			rows = append(rows, []string{strconv.Itoa(n), strconv.Itoa(i), strconv.FormatBool(i == g.Kept), m.Package, m.Path,
				strconv.Itoa(m.Width), strconv.Itoa(m.Height), strings.Join(links, ",")})
		}
	}
	return writeTSV(filepath.Join(dir, GroupsFile), groupsHeader, rows)
}

// GroupRow is one row of GROUPS.tsv.
type GroupRow struct {
	Group, Member int
	Kept          bool
	Package, Path string
	Width, Height int
	Links         string
}

// ReadGroups reads dir/GROUPS.tsv.
func ReadGroups(dir string) ([]GroupRow, error) {
	rows, err := readTSV(filepath.Join(dir, GroupsFile), groupsHeader)
	if err != nil {
		return nil, err
	}
	out := make([]GroupRow, 0, len(rows))
	for i, r := range rows {
		var n [4]int
		for k, f := range []string{r[0], r[1], r[5], r[6]} {
			if n[k], err = strconv.Atoi(f); err != nil {
				return nil, fmt.Errorf("negset: %s line %d: %q is not a number", GroupsFile, i+2, f)
			}
		}
		out = append(out, GroupRow{Group: n[0], Member: n[1], Kept: r[2] == "true", Package: r[3], Path: r[4],
			Width: n[2], Height: n[3], Links: r[7]})
	}
	return out, nil
}

func writeTSV(path string, header []string, rows [][]string) error {
	var b strings.Builder
	b.WriteString(strings.Join(header, "\t") + "\n")
	for _, r := range rows {
		for _, f := range r {
			if strings.ContainsAny(f, "\t\n") {
				return fmt.Errorf("negset: field %q holds a tab or newline", f)
			}
		}
		b.WriteString(strings.Join(r, "\t") + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("negset: %w", err)
	}
	return nil
}

func readTSV(path string, header []string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("negset: %w", err)
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
			return nil, fmt.Errorf("negset: %s line %d: %d fields, want %d", filepath.Base(path), line, len(fields), len(header))
		}
		if line == 1 {
			if !slices.Equal(fields, header) {
				return nil, fmt.Errorf("negset: %s: unexpected header %q", filepath.Base(path), fields)
			}
			continue
		}
		rows = append(rows, fields)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("negset: %s: %w", filepath.Base(path), err)
	}
	if line == 0 {
		return nil, fmt.Errorf("negset: %s is empty", filepath.Base(path))
	}
	return rows, nil
}
