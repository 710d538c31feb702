package matcher

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher/media"
)

func mustHasher(t testing.TB, cfg HasherConfig) *Hasher {
	t.Helper()
	h, err := NewHasher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func checkDigests(t *testing.T, got *Hashes, data []byte) {
	t.Helper()
	s256 := sha256.Sum256(data)
	m5 := md5.Sum(data)
	s1 := sha1.Sum(data)
	want := map[SignalType]string{
		SHA256: hex.EncodeToString(s256[:]),
		MD5:    hex.EncodeToString(m5[:]),
		SHA1:   hex.EncodeToString(s1[:]),
	}
	for typ, w := range want {
		s, ok := got.Signal(typ)
		if !ok || s.String() != w {
			t.Errorf("%d bytes: %s = %s, want %s", len(data), typ, s, w)
		}
	}
	if got.Size != int64(len(data)) {
		t.Errorf("size %d, want %d", got.Size, len(data))
	}
}

// TestDigestsStream checks the concurrent digests at every chunk boundary
// and with readers that return little at a time.
func TestDigestsStream(t *testing.T) {
	h := mustHasher(t, HasherConfig{})
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 100, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 17, 11 * chunkSize} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		for name, r := range map[string]io.Reader{
			"plain":   bytes.NewReader(data),
			"onebyte": iotest.OneByteReader(bytes.NewReader(data)),
			"half":    iotest.HalfReader(bytes.NewReader(data)),
		} {
			if name == "onebyte" && n > 2*chunkSize {
				continue // slow and adds nothing
			}
			got, err := h.Hash(context.Background(), r)
			if err != nil {
				t.Fatalf("%s %d: %v", name, n, err)
			}
			checkDigests(t, got, data)
			if got.ContentType != File {
				t.Errorf("%s %d: content type %s", name, n, got.ContentType)
			}
		}
	}
}

func TestReadErrorIsReturned(t *testing.T) {
	h := mustHasher(t, HasherConfig{})
	boom := errors.New("disk on fire")
	for _, n := range []int64{0, 10, 3 * chunkSize} {
		r := io.MultiReader(io.LimitReader(zeroReader{}, n), iotest.ErrReader(boom))
		if _, err := h.Hash(context.Background(), r); !errors.Is(err, boom) {
			t.Errorf("after %d bytes: err = %v, want %v", n, err, boom)
		}
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func readFixture(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixtures.Path(rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const testJPEG = "pdq/threatexchange/pdq/data/bridge-mods/aaa-orig.jpg"

func TestPhotoSignals(t *testing.T) {
	data := readFixture(t, testJPEG)
	got := mustHasher(t, HasherConfig{Dihedral: true}).HashBytes(context.Background(), data)
	if got.PhotoErr != nil {
		t.Fatal(got.PhotoErr)
	}
	checkDigests(t, got, data)
	if got.ContentType != Photo || got.Format != media.JPEG || got.Width != 1600 || got.Height != 1004 {
		t.Errorf("got %s %s %dx%d", got.ContentType, got.Format, got.Width, got.Height)
	}
	if len(got.Signals) != len(SignalTypes()) {
		t.Fatalf("%d signals, want all %d", len(got.Signals), len(SignalTypes()))
	}
	// The digests in registry order, then the photo signals in registry
	// order (SHA-512, number 8, comes after AHash in the registry).
	var order []SignalType
	for _, photo := range []bool{false, true} {
		for _, typ := range SignalTypes() {
			if typ.Photo() == photo {
				order = append(order, typ)
			}
		}
	}
	for i, s := range got.Signals {
		if s.Type != order[i] {
			t.Errorf("signal %d is %s, want %s: the digests, then the photo signals", i, s.Type, order[i])
		}
	}
	if s, _ := got.Signal(PDQ); s.String() != "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22" || got.PDQQuality != 100 {
		t.Errorf("pdq %s quality %d", s, got.PDQQuality)
	}
	if got.PDQDihedral == nil || got.PDQDihedral[0][:] == nil {
		t.Error("no dihedral hashes")
	}
}

// TestBrokenPhotoKeepsDigests: a photo that cannot be decoded still gets
// its exact digests, and says why the photo signals are missing.
func TestBrokenPhotoKeepsDigests(t *testing.T) {
	data := readFixture(t, testJPEG)
	cut := data[:len(data)/3]
	got := mustHasher(t, HasherConfig{}).HashBytes(context.Background(), cut)
	checkDigests(t, got, cut)
	if !errors.Is(got.PhotoErr, media.ErrTruncated) && !errors.Is(got.PhotoErr, media.ErrCorrupt) {
		t.Errorf("PhotoErr = %v, want truncated or corrupt", got.PhotoErr)
	}
	if _, ok := got.Signal(PDQ); ok {
		t.Error("pdq computed from a broken file")
	}

	// Digests alone never decode, so a broken photo is no error then.
	only := mustHasher(t, HasherConfig{Signals: []SignalType{SHA256}}).HashBytes(context.Background(), cut)
	if only.PhotoErr != nil || len(only.Signals) != 1 {
		t.Errorf("sha256 only: %v, %d signals", only.PhotoErr, len(only.Signals))
	}

	small := mustHasher(t, HasherConfig{MaxPhotoBytes: 1000}).HashBytes(context.Background(), data)
	if !errors.Is(small.PhotoErr, media.ErrTooLarge) {
		t.Errorf("over MaxPhotoBytes: PhotoErr = %v", small.PhotoErr)
	}
	checkDigests(t, small, data)
}

func TestVideoGetsDigestsOnly(t *testing.T) {
	data := append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'i', 's', 'o', '2'}, make([]byte, 5000)...)
	got := mustHasher(t, HasherConfig{}).HashBytes(context.Background(), data)
	if got.ContentType != Video || got.PhotoErr != nil || len(got.Signals) != 4 { // sha256, md5, sha1, sha512
		t.Errorf("got %s, %v, %d signals", got.ContentType, got.PhotoErr, len(got.Signals))
	}
}

func TestNoSignalsSelected(t *testing.T) {
	if _, err := NewHasher(HasherConfig{Signals: []SignalType{}}); err == nil {
		t.Error("empty signal list accepted")
	}
}

// TestHasherConcurrent runs one Hasher from many goroutines (run with -race).
func TestHasherConcurrent(t *testing.T) {
	data := readFixture(t, testJPEG)
	h := mustHasher(t, HasherConfig{})
	want := h.HashBytes(context.Background(), data)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got := h.HashBytes(context.Background(), data)
			for i := range want.Signals {
				if got.Signals[i] != want.Signals[i] {
					t.Errorf("concurrent hash differs: %s", got.Signals[i].Type)
				}
			}
		})
	}
	wg.Wait()
}

func TestFastDecode(t *testing.T) {
	data := fixtures.LargeJPEG(t)
	exact := mustHasher(t, HasherConfig{Decode: DecodeExact}).HashBytes(context.Background(), data)
	fast := mustHasher(t, HasherConfig{Decode: DecodeFast}).HashBytes(context.Background(), data)
	if exact.PhotoErr != nil || fast.PhotoErr != nil {
		t.Fatal(exact.PhotoErr, fast.PhotoErr)
	}
	if exact.Scaled() || exact.Width != 3200 || exact.Height != 2008 {
		t.Fatalf("exact decoding: %dx%d decoded at %dx%d", exact.Width, exact.Height, exact.DecodedWidth, exact.DecodedHeight)
	}
	if fast.Width != exact.Width || fast.Height != exact.Height {
		t.Errorf("fast decoding reports the size %dx%d, want the file's", fast.Width, fast.Height)
	}
	if !strings.HasPrefix(media.JPEGDecoder(), "libjpeg-turbo") {
		// image/jpeg cannot scale: fast is exact.
		if fast.Scaled() || !slices.Equal(fast.Signals, exact.Signals) {
			t.Errorf("pure-Go fast decoding differs from exact")
		}
		return
	}
	// 1/2 is the smallest fast scale that keeps 2008 rows at >= 512.
	if fast.DecodedWidth != 1600 || fast.DecodedHeight != 1004 {
		t.Errorf("fast decoding decoded at %dx%d, want 1600x1004", fast.DecodedWidth, fast.DecodedHeight)
	}
	// PDQ, the signal shared across the field, must stay within its
	// threshold; the 64-bit hashes move more on this tiled photo (the
	// accuracy report measures all of them on the corpus).
	for _, st := range []SignalType{PDQ, PHash, DHash, AHash} {
		a, _ := exact.Signal(st)
		b, _ := fast.Signal(st)
		d, err := a.Distance(b)
		t.Logf("%s: fast and exact hashes %d bits apart", st, d)
		if err != nil || st == PDQ && d > st.DefaultThreshold() {
			t.Errorf("%s: fast and exact hashes are %d bits apart (threshold %d)", st, d, st.DefaultThreshold())
		}
	}
	for _, st := range []SignalType{SHA256, MD5, SHA1} {
		a, _ := exact.Signal(st)
		b, _ := fast.Signal(st)
		if a != b {
			t.Errorf("%s differs between decode modes", st)
		}
	}
}

func TestDecodeModeIsChecked(t *testing.T) {
	if _, err := NewHasher(HasherConfig{Decode: "quick"}); err == nil || !strings.Contains(err.Error(), `"quick"`) {
		t.Errorf("NewHasher accepted decode mode quick: %v", err)
	}
	if m, err := ParseDecodeMode("fast"); err != nil || m != DecodeFast {
		t.Errorf("ParseDecodeMode(fast) = %q, %v", m, err)
	}
}

// TestHashBytesEqualsHash checks that hashing in memory gives what
// streaming gives, for photos, broken and oversized ones, other files and
// nothing at all.
func TestHashBytesEqualsHash(t *testing.T) {
	photo := readFixture(t, testJPEG)
	big := bytes.Repeat([]byte("not a photo, only bytes. "), 3<<20/25) // digested concurrently
	inputs := map[string][]byte{
		"photo": photo, "truncated": photo[:len(photo)/2], "text": []byte("hello"), "empty": nil, "large file": big,
	}
	for _, cfg := range []HasherConfig{{}, {MaxPhotoBytes: 1000}, {Signals: []SignalType{PDQ}}} {
		h := mustHasher(t, cfg)
		for name, b := range inputs {
			want, err := h.Hash(context.Background(), iotest.HalfReader(bytes.NewReader(b)))
			if err != nil {
				t.Fatal(err)
			}
			got := h.HashBytes(context.Background(), b)
			if !slices.Equal(got.Signals, want.Signals) || got.Format != want.Format || got.ContentType != want.ContentType ||
				got.Size != want.Size || got.Width != want.Width || got.PDQQuality != want.PDQQuality ||
				fmt.Sprint(got.PhotoErr) != fmt.Sprint(want.PhotoErr) {
				t.Errorf("%s with %+v: HashBytes gives %+v, Hash %+v", name, cfg, got, want)
			}
		}
	}
}

// TestEveryPhotoTypeHasAHasher holds the implementations' table equal to
// the signals registry: a perceptual type without an implementation would
// never be computed.
func TestEveryPhotoTypeHasAHasher(t *testing.T) {
	for _, typ := range SignalTypes() {
		if _, ok := photoHashers[typ]; ok != typ.Photo() {
			t.Errorf("%s: photo type %v, implementation registered %v", typ, typ.Photo(), ok)
		}
	}
}
