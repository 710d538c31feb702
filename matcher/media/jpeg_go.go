//go:build !(cgo && turbojpeg)

package media

import (
	"bytes"
	"image"
	"image/jpeg"
)

// JPEGDecoder names the JPEG decoder compiled in.
func JPEGDecoder() string {
	return "pure Go (image/jpeg with libjpeg-compatible upsampling and colour conversion)"
}

// decodeJPEG decodes with image/jpeg, then upsamples chroma and converts to
// RGB with our port of libjpeg's algorithms (ycc.go) instead of Go's own.
// image/jpeg cannot scale in the DCT, so the image is always decoded at
// full size, whatever minSide asks.
func decodeJPEG(data []byte, lim Limits, _ int) (*Image, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, classify(JPEG, err)
	}
	if err := lim.check(JPEG, cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	m, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, classify(JPEG, err)
	}
	switch m := m.(type) {
	case *image.YCbCr:
		return libjpegYCbCrToRGB(m), nil
	default:
		// Grey, CMYK (un-inverted by image/jpeg; YCCK converted with Go's
		// own formula, so approximate) and RGB JPEGs.
		return fromImage(m, false), nil
	}
}
