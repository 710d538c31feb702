package media

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fixtureDir holds the PDQ reference corpus (see its README.md).
var fixtureDir = filepath.Join("..", "..", "fixtures", "pdq")

// fixtureFiles lists the fixture files with one of the given extensions.
func fixtureFiles(t testing.TB, exts ...string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(fixtureDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		for _, e := range exts {
			if ext == e {
				files = append(files, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no %v fixtures under %s", exts, fixtureDir)
	}
	return files
}

// runTool runs an external tool and returns its standard output, or skips
// the test when the tool is missing.
func runTool(t *testing.T, tool string, args ...string) ([]byte, error) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s not installed: %v", tool, err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(tool, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %v: %v: %s", tool, args, err, stderr.Bytes())
	}
	return out, nil
}

// readPNM parses the first image of a binary PNM stream (P4, P5 or P6) as
// the reference's CImg reads it into 8 bits: bitmaps become 0/255, 16-bit
// samples keep their low byte.
func readPNM(data []byte) (*Image, error) {
	pos := 0
	token := func() string { // next header token, skipping whitespace and comments
		for pos < len(data) {
			if c := data[pos]; c == '#' {
				for pos < len(data) && data[pos] != '\n' {
					pos++
				}
			} else if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				pos++
			} else {
				break
			}
		}
		start := pos
		for pos < len(data) && !strings.ContainsRune(" \t\n\r#", rune(data[pos])) {
			pos++
		}
		return string(data[start:pos])
	}
	magic := token()
	nfields := 3
	fields := [3]int{0, 0, 1}
	if magic == "P4" {
		nfields = 2
	}
	for i := range nfields {
		n, err := strconv.Atoi(token())
		if err != nil {
			return nil, fmt.Errorf("pnm header: %v", err)
		}
		fields[i] = n
	}
	pos++ // the single whitespace byte after the header
	if pos > len(data) {
		return nil, fmt.Errorf("short pnm header")
	}
	w, h, maxval := fields[0], fields[1], fields[2]
	ch := map[string]int{"P4": 1, "P5": 1, "P6": 3}[magic]
	if ch == 0 {
		return nil, fmt.Errorf("unsupported pnm type %q", magic)
	}
	body := data[pos:]
	img := newImage(w, h, ch)
	switch {
	case magic == "P4":
		rowBytes := (w + 7) / 8
		if len(body) < rowBytes*h {
			return nil, fmt.Errorf("short pbm")
		}
		for y := range h {
			for x := range w {
				if body[y*rowBytes+x/8]&(0x80>>(x%8)) == 0 {
					img.Pix[y*w+x] = 255
				}
			}
		}
	case maxval < 256:
		if len(body) < len(img.Pix) {
			return nil, fmt.Errorf("short pnm")
		}
		copy(img.Pix, body)
	default:
		if len(body) < 2*len(img.Pix) {
			return nil, fmt.Errorf("short 16-bit pnm")
		}
		for i := range img.Pix {
			img.Pix[i] = body[2*i+1]
		}
	}
	return img, nil
}

// diffStats compares two images of equal size; a grey image is compared
// with an RGB one by repeating its grey sample.
type diffStats struct {
	differing int // pixels with any differing sample
	maxAbs    int
	sumAbs    int64
	samples   int64
}

func compareImages(got, want *Image) (diffStats, error) {
	var s diffStats
	if got.Width != want.Width || got.Height != want.Height {
		return s, fmt.Errorf("size %dx%d, want %dx%d", got.Width, got.Height, want.Width, want.Height)
	}
	if got.Channels == 1 && want.Channels == 3 {
		return s, fmt.Errorf("got 1 channel, want 3")
	}
	for i := range got.Width * got.Height {
		differs := false
		for c := range got.Channels {
			g := int(got.Pix[i*got.Channels+c])
			w := int(want.Pix[i*want.Channels+min(c, want.Channels-1)])
			d := max(g-w, w-g)
			if d != 0 {
				differs = true
			}
			s.maxAbs = max(s.maxAbs, d)
			s.sumAbs += int64(d)
			s.samples++
		}
		if differs {
			s.differing++
		}
	}
	return s, nil
}
