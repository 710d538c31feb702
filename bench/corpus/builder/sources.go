package builder

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/atkm/herken/fixtures"
)

// DefaultPackages are the Debian 12 packages the default corpus is built
// from, about 190 MB of downloads: photographs (wallpapers, and the sample
// pictures of scikit-image and OpenCV). A ":/prefix" keeps only files
// installed below that folder, leaving out documentation figures and test
// images that are shifted copies of one another.
var DefaultPackages = []string{
	"mate-backgrounds",
	"lomiri-wallpapers",
	"lomiri-wallpapers-16.04",
	"lomiri-wallpapers-20.04",
	"python3-skimage:/usr/lib/python3/dist-packages/skimage/data",
	"opencv-doc:/usr/share/doc/opencv-doc/examples",
}

// Source is a folder of candidate pictures with their provenance.
type Source struct {
	Package string // "name=version", as recorded in the manifest
	Root    string // the folder the installed paths are relative to
	Prefix  string // only files whose installed path starts with it
	// PathPrefix is put before a file's path relative to Root to give its
	// installed path, e.g. "/" for an unpacked package.
	PathPrefix string
}

// Candidate is one file found in a source.
type Candidate struct {
	Package string
	Path    string // installed path
	File    string // where it is on this machine
}

// Candidates lists the files of s that start like a JPEG or a PNG, sorted
// by installed path.
func (s Source) Candidates() ([]Candidate, error) {
	var out []Candidate
	err := filepath.WalkDir(s.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(s.Root, p)
		if err != nil {
			return err
		}
		installed := s.PathPrefix + filepath.ToSlash(rel)
		if !strings.HasPrefix(installed, s.Prefix) || !isJPEGOrPNG(p) {
			return nil
		}
		out = append(out, Candidate{Package: s.Package, Path: installed, File: p})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("builder: %w", err)
	}
	slices.SortFunc(out, func(a, b Candidate) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// isJPEGOrPNG judges a file by its magic bytes, not its name.
func isJPEGOrPNG(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := f.Read(head)
	head = head[:n]
	return bytes.HasPrefix(head, []byte{0xff, 0xd8, 0xff}) ||
		bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n"))
}

// FetchDebian downloads each package with `apt-get download` into work
// and unpacks it there with `dpkg -x`; nothing is installed. A spec is a
// package name, optionally followed by ":/installed/prefix".
func FetchDebian(ctx context.Context, specs []string, work string) ([]Source, error) {
	var out []Source
	for _, spec := range specs {
		name, prefix, _ := strings.Cut(spec, ":")
		dl := filepath.Join(work, "deb", name)
		if err := os.MkdirAll(dl, 0o755); err != nil {
			return nil, fmt.Errorf("builder: %w", err)
		}
		cmd := exec.CommandContext(ctx, "apt-get", "download", name)
		cmd.Dir = dl
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("builder: apt-get download %s: %w: %s", name, err, lastLine(b))
		}
		debs, _ := filepath.Glob(filepath.Join(dl, "*.deb"))
		if len(debs) != 1 {
			return nil, fmt.Errorf("builder: apt-get download %s left %d .deb files", name, len(debs))
		}
		fields, err := exec.CommandContext(ctx, "dpkg-deb", "-f", debs[0], "Package", "Version").Output()
		if err != nil {
			return nil, fmt.Errorf("builder: dpkg-deb -f %s: %w", debs[0], err)
		}
		pkg, ver := debField(fields, "Package"), debField(fields, "Version")
		root := filepath.Join(work, "root", name)
		if err := os.MkdirAll(root, 0o755); err != nil { // dpkg -x creates only the last element
			return nil, fmt.Errorf("builder: %w", err)
		}
		if b, err := exec.CommandContext(ctx, "dpkg", "-x", debs[0], root).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("builder: dpkg -x %s: %w: %s", debs[0], err, lastLine(b))
		}
		out = append(out, Source{Package: pkg + "=" + ver, Root: root, Prefix: prefix, PathPrefix: "/"})
	}
	return out, nil
}

func debField(b []byte, name string) string {
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, name+": "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// FixtureSources are the photos committed under fixtures/pdq: the two
// Debian packages' pictures (at their installed paths, versions as in
// fixtures/pdq/README.md) and the few originals among Meta's PDQ test
// images (not their edited copies, which would count as false positives).
func FixtureSources() []Source {
	deb := fixtures.Path("pdq/debian")
	te := fixtures.Path("pdq/threatexchange")
	return []Source{
		{Package: "opencv-doc=4.6.0+dfsg-12", Root: filepath.Join(deb, "opencv-doc"), PathPrefix: "/"},
		{Package: "python3-skimage=0.19.3-8", Root: filepath.Join(deb, "python3-skimage"), PathPrefix: "/"},
		{Package: "threatexchange", Root: te, PathPrefix: "",
			Prefix: "pdq/data/reg-test-input/labelme-subset/"},
		{Package: "threatexchange", Root: te, PathPrefix: "",
			Prefix: "pdq/data/reg-test-input/dih/bridge-1-original.jpg"},
		{Package: "threatexchange", Root: te, PathPrefix: "",
			Prefix: "pdq/data/reg-test-input/pen-and-coaster.png"},
	}
}

// DirSource is a local folder of pictures, recorded as package "local".
func DirSource(dir string) Source {
	return Source{Package: "local", Root: dir}
}
