// Package media recognises content by its magic bytes and decodes images
// into 8-bit pixels, safely and exactly enough for perceptual hashing.
//
// Sniff tells a file's Format (and so its Kind: photo, video or plain file)
// from its first SniffLen bytes; the file name is never consulted.
//
// Decode turns an image into an Image of 1 (grey) or 3 (RGB) channels. The
// pixels are those that Meta's reference PDQ hasher sees, because it reads
// images through ImageMagick 6: JPEG pixels are libjpeg-turbo's default
// decode (ISLOW IDCT, fancy chroma upsampling); 16-bit samples keep only
// their low byte; alpha is dropped without compositing; a GIF is its first
// frame; CMYK is converted the way ImageMagick converts it; lossy WebP is
// converted with libwebp's fancy upsampler and integer YUV formula; EXIF
// orientation is ignored.
//
// Safety: Decode reads the declared dimensions first and refuses an image
// over its Limits before any pixel is decoded, so a small file declaring a
// huge image costs almost nothing. A panic inside a decoder is recovered and
// reported as a corrupt image. Every failure is an *Error whose Code says
// what went wrong (unsupported_format, too_large, corrupt, truncated); test
// for one with errors.Is(err, media.ErrTooLarge) and the like.
//
// JPEG decoding is compiled in one of two ways. With the build tag
// turbojpeg (and cgo), JPEGs are decoded by libjpeg-turbo through its
// TurboJPEG API and match the reference bit for bit. Without it, the pure
// Go decoder of image/jpeg is used, followed by our own port of libjpeg's
// chroma upsampling and colour conversion; its IDCT differs from libjpeg's,
// so a few pixels may be off by a unit or two. JPEGDecoder reports which.
//
// Concurrency: Sniff, Decode and every method in this package are safe for
// concurrent use by multiple goroutines; they share no mutable state.
package media
