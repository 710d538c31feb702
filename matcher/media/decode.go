package media

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/png"
	"io"
	"sync"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// Limits bound the images Decode accepts, judged from their headers before
// any pixel is decoded. A field that is zero or negative takes its value
// from DefaultLimits.
type Limits struct {
	MaxSide   int   // largest width or height, in pixels
	MaxPixels int64 // largest width × height
}

// DefaultLimits admit any photo a camera makes and refuse decompression
// bombs: decoding the largest admitted image takes at most a few hundred MB.
var DefaultLimits = Limits{MaxSide: 16384, MaxPixels: 50_000_000}

func (l Limits) orDefault() Limits {
	if l.MaxSide <= 0 {
		l.MaxSide = DefaultLimits.MaxSide
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultLimits.MaxPixels
	}
	return l
}

// check refuses dimensions that are not positive or exceed the limits. It
// compares each side first so that the product cannot overflow.
func (l Limits) check(f Format, w, h int) error {
	if w <= 0 || h <= 0 {
		return newError(CodeCorrupt, f, nil, "%s image declares an empty size %dx%d", f, w, h)
	}
	if w > l.MaxSide || h > l.MaxSide {
		return newError(CodeTooLarge, f, nil, "%s image %dx%d exceeds the %d-pixel side limit", f, w, h, l.MaxSide)
	}
	if n := int64(w) * int64(h); n > l.MaxPixels {
		return newError(CodeTooLarge, f, nil, "%s image %dx%d has %d pixels, over the limit of %d", f, w, h, n, l.MaxPixels)
	}
	return nil
}

// Image is a decoded image of 8-bit samples. Channels is 1 (grey) or 3
// (R, G, B); Pix holds the rows top to bottom, samples interleaved, with a
// stride of Width*Channels.
type Image struct {
	Width, Height, Channels int
	Pix                     []byte
	// SourceWidth and SourceHeight are the size the file declares; they
	// differ from Width and Height when DecodeReduced scaled the image.
	SourceWidth, SourceHeight int
}

// maxPooledPix is the largest pixel buffer kept for reuse: a 10 MP RGB
// photo. Larger ones are left to the garbage collector.
const maxPooledPix = 32 << 20

// pixPool holds pixel buffers of released images. Reusing them spares a
// decode both the allocation and the page faults of fresh memory, which
// cost about as much as the IDCT of a large JPEG.
var pixPool sync.Pool // of *[]byte

// pixBuffer returns a buffer of n bytes, reused when one is at hand. Its
// contents are not cleared: the decoder overwrites every byte.
func pixBuffer(n int) []byte {
	if n <= maxPooledPix {
		if p, ok := pixPool.Get().(*[]byte); ok && cap(*p) >= n {
			return (*p)[:n]
		}
	}
	return make([]byte, n)
}

// Release hands the image's pixel buffer back for reuse by later decodes.
// The image must not be used afterwards.
func (m *Image) Release() {
	if m == nil || cap(m.Pix) > maxPooledPix || cap(m.Pix) == 0 {
		return
	}
	p := m.Pix[:0]
	m.Pix = nil
	pixPool.Put(&p)
}

func newImage(w, h, channels int) *Image {
	return &Image{Width: w, Height: h, Channels: channels, Pix: make([]byte, w*h*channels)}
}

// Decode sniffs data and decodes it as an image, under lim. It returns the
// format it found even when decoding fails, so that callers can report it.
// Errors are *Error values.
//
// Decode is safe for concurrent use.
func Decode(data []byte, lim Limits) (img *Image, f Format, err error) {
	return DecodeReduced(data, lim, 0)
}

// DecodeReduced is Decode for a caller that needs no more than minSide
// pixels a side: a decoder that can produce a smaller image for less work
// may return one, as long as each side keeps at least min(side, minSide)
// pixels. libjpeg-turbo does so for JPEG by scaling in the DCT, which
// costs a fraction of a full decode and averages each block instead of
// dropping pixels; every other decoder returns the full image. minSide <= 0
// asks for the full image.
func DecodeReduced(data []byte, lim Limits, minSide int) (img *Image, f Format, err error) {
	if len(data) == 0 {
		return nil, Unknown, newError(CodeUnsupported, Unknown, nil, "empty input")
	}
	f = Sniff(data)
	lim = lim.orDefault()
	defer func() {
		if r := recover(); r != nil {
			img = nil
			err = newError(CodeCorrupt, f, nil, "corrupt %s data: decoder panicked: %v", f, r)
		}
	}()
	switch f {
	case JPEG:
		img, err = decodeJPEG(data, lim, minSide)
	case PNG, GIF, WebP, BMP, TIFF:
		img, err = decodeStd(f, data, lim)
	case Unknown:
		err = newError(CodeUnsupported, f, nil, "unrecognised format")
	case HEIF, AVIF:
		err = newError(CodeUnsupported, f, nil, "%s images cannot be decoded", f)
	default:
		err = newError(CodeUnsupported, f, nil, "%s is a video container, not an image", f)
	}
	if err != nil {
		return nil, f, err
	}
	if img.SourceWidth == 0 {
		img.SourceWidth, img.SourceHeight = img.Width, img.Height
	}
	return img, f, nil
}

type decodeFuncs struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var stdDecoders = map[Format]decodeFuncs{
	PNG:  {png.DecodeConfig, png.Decode},
	GIF:  {gif.DecodeConfig, gif.Decode},
	WebP: {webp.DecodeConfig, webp.Decode},
	BMP:  {bmp.DecodeConfig, bmp.Decode},
	TIFF: {tiff.DecodeConfig, tiff.Decode},
}

// decodeStd decodes the formats handled by the standard library and
// golang.org/x/image: header first, limits, then pixels.
func decodeStd(f Format, data []byte, lim Limits) (*Image, error) {
	d := stdDecoders[f]
	cfg, err := d.config(bytes.NewReader(data))
	if err != nil {
		return nil, classify(f, err)
	}
	if err := lim.check(f, cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	if f == GIF {
		// image/gif refuses frames outside the logical screen, but check
		// the first frame's own size too before it is allocated.
		if _, fw, fh := gifFirstFrame(data); fw > 0 && fh > 0 {
			if err := lim.check(f, fw, fh); err != nil {
				return nil, err
			}
		}
	}
	m, err := d.decode(bytes.NewReader(data))
	if err != nil {
		return nil, classify(f, err)
	}
	b := m.Bounds()
	if err := lim.check(f, b.Dx(), b.Dy()); err != nil {
		return nil, err // cannot happen with the decoders we use; cheap to be sure
	}
	switch f {
	case PNG:
		return fromImage(m, pngIsGrey(data)), nil
	case GIF:
		if p, ok := m.(*image.Paletted); ok {
			return fromGIF(p, data), nil
		}
	case WebP:
		switch m := m.(type) {
		case *image.YCbCr:
			return fromWebPYCbCr(m)
		case *image.NYCbCrA:
			return fromWebPYCbCr(&m.YCbCr)
		}
	}
	return fromImage(m, false), nil
}

// pngIsGrey reports whether a PNG's IHDR colour type is grey (0) or grey
// with alpha (4): those come out as one channel.
func pngIsGrey(data []byte) bool {
	if len(data) < 26 || string(data[12:16]) != "IHDR" {
		return false
	}
	ct := data[25]
	return ct == 0 || ct == 4
}

func fromWebPYCbCr(m *image.YCbCr) (*Image, error) {
	if m.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		return nil, newError(CodeCorrupt, WebP, nil, "webp decoder returned %v chroma", m.SubsampleRatio)
	}
	return webpYUVToRGB(m), nil
}

// String describes the image, for logs and test failures.
func (m *Image) String() string {
	return fmt.Sprintf("%dx%dx%d", m.Width, m.Height, m.Channels)
}
