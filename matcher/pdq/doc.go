// Package pdq computes PDQ, Meta's 256-bit perceptual image hash, with its
// quality score and its eight dihedral variants.
//
// This is herken's own implementation of the published algorithm, written to
// agree bit for bit with Meta's reference C++ implementation: from the same
// decoded pixels it yields the identical hash and quality. The steps are
//
//  1. luma Y = 0.299 R + 0.587 G + 0.114 B in float32 (grey images use the
//     grey value itself);
//  2. a two-pass Jarosz tent filter (box filters along rows and columns, run
//     twice) sized for a 64x64 output, then decimation to 64x64;
//  3. the quality score, from the sum of quantised gradients of the 64x64
//     image, capped at 100;
//  4. a 2D DCT keeping coefficients (1..16)x(1..16);
//  5. one bit per coefficient: set when it exceeds the median (Torben's
//     method).
//
// The reference command-line hasher first squashes any image with a side
// over 512 pixels to exactly 512x512 by nearest-neighbour sampling, aspect
// ratio not kept. Options.FullResolution turns that off, which gives what
// the Python and Java ports and vPDQ compute.
//
// HashSamples hashes 64x64 samples a caller filtered itself (a region of a
// photo) to HashLuma's hash for about 0.6 of its work: the DCT's sums
// folded in half and the median selected, each bit taken from them when no
// coefficient lies within float rounding of the median, else from the
// reference's sums. Hash and HashLuma do not use it.
//
// A Hasher holds reusable buffers and is not safe for concurrent use; use
// one per goroutine (or a sync.Pool). Hash values are plain arrays and safe
// to share.
package pdq
