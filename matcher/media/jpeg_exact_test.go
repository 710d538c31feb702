package media

import (
	"os"
	"strings"
	"testing"
)

func turboBuild() bool { return strings.HasPrefix(JPEGDecoder(), "libjpeg-turbo") }

// TestJPEGMatchesDjpeg compares Decode with libjpeg-turbo's default decode
// (djpeg -dct int), which is what the reference PDQ hasher sees. The cgo
// build must match exactly; the pure Go build's IDCT differs slightly,
// so it is held to a bound and its statistics are logged.
func TestJPEGMatchesDjpeg(t *testing.T) {
	t.Logf("decoder: %s", JPEGDecoder())
	var files, exact, skipped int
	var worst int
	var sum, samples int64
	for i, path := range fixtureFiles(t, ".jpg", ".jpeg") {
		if testing.Short() && i%10 != 0 {
			continue // a sample under -short (and -race)
		}
		out, err := runTool(t, "djpeg", "-dct", "int", "-pnm", path)
		if err != nil {
			skipped++ // CMYK: djpeg cannot write it as PNM
			continue
		}
		want, err := readPNM(out)
		if err != nil {
			t.Fatalf("%s: djpeg output: %v", path, err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := Decode(data, DefaultLimits)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if got.Channels != want.Channels {
			t.Errorf("%s: %d channels, djpeg gives %d", path, got.Channels, want.Channels)
			continue
		}
		s, err := compareImages(got, want)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		files++
		if s.differing == 0 {
			exact++
		} else if turboBuild() {
			t.Errorf("%s: %d pixels differ from djpeg (max %d)", path, s.differing, s.maxAbs)
		}
		if s.maxAbs > worst {
			worst = s.maxAbs
			t.Logf("%s: new worst: %d pixels differ, max abs diff %d", path, s.differing, s.maxAbs)
		}
		sum += s.sumAbs
		samples += s.samples
	}
	t.Logf("%d of %d JPEGs pixel-identical to djpeg (%d skipped); max abs diff %d, mean abs diff %.5f",
		exact, files, skipped, worst, float64(sum)/float64(max(samples, 1)))
	if files == 0 {
		t.Fatal("no JPEG compared")
	}
	if worst > maxGoJPEGDiff {
		t.Errorf("max abs diff %d, want <= %d", worst, maxGoJPEGDiff)
	}
}

// Bounds on the pure Go decoder's difference from libjpeg-turbo, measured
// on the fixtures: IDCT rounding gives at most 3 for YCbCr and grey; YCCK
// goes through Go's own colour formula (up to 13 on a tiny seed).
const (
	maxGoJPEGDiff = 4
	maxGoCMYKDiff = 16
)
