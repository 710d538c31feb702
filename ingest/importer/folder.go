package importer

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Folder lists the regular files below dir in name order, for Media. It
// follows symbolic links to files and folders, and reads each folder and
// file once however many links lead to it, so that a link back up the
// tree is no loop. What it leaves out (a second way to a file or folder,
// a link to nothing, a device or a pipe) is recorded with Skip, with why.
func (im *Importer) Folder(dir string) ([]string, error) {
	w := walker{skip: im.Skip, dirs: map[string]bool{}, files: map[string]string{}}
	if err := w.walk(dir); err != nil {
		return nil, err
	}
	return w.out, nil
}

type walker struct {
	skip  func(path, reason string)
	out   []string
	dirs  map[string]bool   // real paths of the folders walked
	files map[string]string // real path -> the path it is listed under
}

func (w *walker) walk(dir string) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	if w.dirs[real] {
		w.skip(dir, "skipped: a link to a folder already read (a loop, or a second way to it)")
		return nil
	}
	w.dirs[real] = true
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		mode := e.Type()
		if mode&fs.ModeSymlink != 0 {
			st, err := os.Stat(p)
			if err != nil {
				w.skip(p, "skipped: a symbolic link to nothing that can be read ("+linkTarget(p)+")")
				continue
			}
			mode = st.Mode().Type()
		}
		switch {
		case mode.IsDir():
			if err := w.walk(p); err != nil {
				return err
			}
		case mode.IsRegular():
			real, err := filepath.EvalSymlinks(p)
			if err != nil {
				return err
			}
			if first, ok := w.files[real]; ok {
				w.skip(p, "skipped: the same file as "+first)
				continue
			}
			w.files[real] = p
			w.out = append(w.out, p)
		default:
			w.skip(p, "skipped: not a regular file ("+mode.String()+")")
		}
	}
	return nil
}

func linkTarget(p string) string {
	if t, err := os.Readlink(p); err == nil {
		return "to " + t
	}
	return "unreadable"
}
