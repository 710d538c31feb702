//go:build cgo && turbojpeg

package media

/*
#cgo pkg-config: libturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>
#include <jconfig.h>

#define HERKEN_STR2(x) #x
#define HERKEN_STR(x) HERKEN_STR2(x)
static const char *herken_tj_version(void) { return HERKEN_STR(LIBJPEG_TURBO_VERSION); }
*/
import "C"

import (
	"errors"
	"runtime"
	"strings"
	"unsafe"
)

// JPEGDecoder names the JPEG decoder compiled in.
func JPEGDecoder() string {
	return "libjpeg-turbo " + C.GoString(C.herken_tj_version()) + " (cgo, TurboJPEG API)"
}

// decodeJPEG decodes with libjpeg-turbo's defaults (ISLOW IDCT, fancy
// upsampling: flags 0), which is what ImageMagick and djpeg produce.
// The header is read and the limits checked before any pixel is decoded,
// and the pixels go straight into a Go buffer. With minSide > 0 it decodes
// at the smallest of the DCT scales 1/8, 1/4 and 1/2 that keeps each side
// at least min(side, minSide) (see scaledSize).
func decodeJPEG(data []byte, lim Limits, minSide int) (*Image, error) {
	// TurboJPEG keeps the text of a warning (such as "Premature end of
	// JPEG file") in a thread-local buffer. Between two cgo calls a
	// goroutine may move to another thread and read another decode's
	// message, or none, and so take a truncated file for a good one (seen
	// under load). Every call of one decode stays on one thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	h := C.tjInitDecompress()
	if h == nil {
		return nil, newError(CodeCorrupt, JPEG, nil, "cannot start the jpeg decoder: %s", C.GoString(C.tjGetErrorStr2(nil)))
	}
	defer C.tjDestroy(h)
	src := (*C.uchar)(unsafe.Pointer(&data[0]))
	size := C.ulong(len(data))
	var w, ht, subsamp, cs C.int
	if C.tjDecompressHeader3(h, src, size, &w, &ht, &subsamp, &cs) != 0 {
		return nil, tjError(h, "reading jpeg header")
	}
	if w <= 0 || ht <= 0 {
		// libjpeg reads a file that ends inside its header as "tables
		// only", with a warning that says so.
		if err := tjError(h, "reading jpeg header"); errors.Is(err, ErrTruncated) {
			return nil, err
		}
		return nil, newError(CodeCorrupt, JPEG, nil, "corrupt jpeg data: no image frame")
	}
	if err := lim.check(JPEG, int(w), int(ht)); err != nil {
		return nil, err
	}
	pf, channels := C.int(C.TJPF_RGB), 3
	switch cs {
	case C.TJCS_GRAY:
		pf, channels = C.TJPF_GRAY, 1
	case C.TJCS_CMYK, C.TJCS_YCCK:
		pf, channels = C.TJPF_CMYK, 4
	}
	sw, sh := scaledSize(int(w), int(ht), minSide)
	pix := pixBuffer(sw * sh * channels)
	rc := C.tjDecompress2(h, src, size, (*C.uchar)(unsafe.Pointer(&pix[0])), C.int(sw), 0, C.int(sh), pf, 0)
	if rc != 0 {
		// libjpeg warns about, and still decodes, some damage (extraneous
		// bytes before a marker, say), as ImageMagick does too; a file
		// that ends early is a failure.
		err := tjError(h, "decoding jpeg")
		if C.tjGetErrorCode(h) != C.TJERR_WARNING || errors.Is(err, ErrTruncated) {
			return nil, err
		}
	}
	var img *Image
	if channels == 4 {
		img = cmykPixToRGB(pix, sw, sh)
	} else {
		img = &Image{Width: sw, Height: sh, Channels: channels, Pix: pix}
	}
	img.SourceWidth, img.SourceHeight = int(w), int(ht)
	return img, nil
}

// scaledSize returns the size libjpeg-turbo decodes a w x h JPEG to at the
// smallest scale of 1/8, 1/4 and 1/2 that keeps each side at least
// min(side, minSide); the full size when none does or minSide <= 0.
// Those three scales have fast IDCTs (SIMD, or DC only at 1/8); the other
// M/8 scales libjpeg offers are slower than a full decode. libjpeg rounds a
// scaled side up: ceil(side*M/8).
func scaledSize(w, h, minSide int) (int, int) {
	if minSide <= 0 {
		return w, h
	}
	for _, m := range []int{1, 2, 4} {
		sw, sh := (w*m+7)/8, (h*m+7)/8
		if sw >= min(w, minSide) && sh >= min(h, minSide) {
			return sw, sh
		}
	}
	return w, h
}

func tjError(h C.tjhandle, what string) error {
	msg := C.GoString(C.tjGetErrorStr2(h))
	cause := errors.New(strings.ToLower(msg[:min(1, len(msg))]) + msg[min(1, len(msg)):])
	switch {
	case strings.Contains(msg, "Premature end"):
		return newError(CodeTruncated, JPEG, cause, "jpeg data ends early (%s)", what)
	case strings.Contains(msg, "Unsupported"):
		return newError(CodeUnsupported, JPEG, cause, "jpeg variant not supported (%s)", what)
	}
	return newError(CodeCorrupt, JPEG, cause, "corrupt jpeg data (%s)", what)
}

// cmykPixToRGB converts libjpeg's CMYK output (inverted, as Adobe writes
// it) in place, the way ImageMagick does (see cmykToRGB).
func cmykPixToRGB(pix []byte, w, h int) *Image {
	n := w * h
	for i := range n {
		p := pix[4*i : 4*i+4]
		k := p[3]
		r, g, b := cmykToRGB(p[0], k), cmykToRGB(p[1], k), cmykToRGB(p[2], k)
		pix[3*i], pix[3*i+1], pix[3*i+2] = r, g, b
	}
	return &Image{Width: w, Height: h, Channels: 3, Pix: pix[: 3*n : 3*n]}
}
