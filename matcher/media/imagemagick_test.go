package media

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const imageMagick = "/usr/bin/convert" // /usr/local/bin/convert may be a stand-in

// TestMatchesImageMagick compares Decode with ImageMagick 6's PNM output,
// which is what the reference PDQ hasher reads, for every non-JPEG fixture
// and the CMYK JPEGs. Only the pure Go CMYK path may differ (it converts
// YCCK with Go's own formula), by a bounded amount.
func TestMatchesImageMagick(t *testing.T) {
	if _, err := os.Stat(imageMagick); err != nil {
		t.Skipf("ImageMagick not installed at %s (apt-get install imagemagick): %v", imageMagick, err)
	}
	if testing.Short() {
		t.Skip("slow: runs ImageMagick on every fixture")
	}
	files := fixtureFiles(t, ".png", ".gif", ".webp")
	seeds, _ := filepath.Glob(filepath.Join("testdata", "seed", "*"))
	files = append(files, seeds...) // tiny files of every format, odd sizes
	for _, p := range fixtureFiles(t, ".jpg", ".jpeg") {
		if strings.Contains(strings.ToLower(p), "cmyk") {
			files = append(files, p)
		}
	}
	for _, path := range files {
		out, err := runTool(t, imageMagick, path, "pnm:-")
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		want, err := readPNM(out)
		if err != nil {
			t.Fatalf("%s: ImageMagick output: %v", path, err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, f, err := Decode(data, DefaultLimits)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		s, err := compareImages(got, want)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		switch {
		case s.differing == 0:
		case f == JPEG && !turboBuild() && s.maxAbs <= maxGoCMYKDiff:
			t.Logf("%s: pure Go JPEG: %d pixels differ, max %d", path, s.differing, s.maxAbs)
		default:
			t.Errorf("%s (%v, %d ch): %d of %d pixels differ from ImageMagick, max abs diff %d",
				path, f, got.Channels, s.differing, got.Width*got.Height, s.maxAbs)
		}
	}
}
