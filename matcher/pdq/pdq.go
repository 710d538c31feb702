package pdq

import (
	"errors"
	"math"
)

// SquashSide is the side to which the reference command-line hasher
// squashes images that have a side longer than it.
const SquashSide = 512

// MinSide is the smallest side that can be hashed; smaller images hash to
// zero with quality 0, as in the reference.
const MinSide = 5

// Options choose between the reference's behaviours.
type Options struct {
	// FullResolution hashes the image at its own size instead of first
	// squashing it to 512x512 as the reference command-line hasher does.
	FullResolution bool
	// Dihedral also computes the seven rotated and flipped hashes.
	Dihedral bool
	// Mirrored also computes the hash of the image flipped left to right
	// (Result.Mirrored), and none of the other variants: a quarter of the
	// work of Dihedral for the one variant a re-post commonly is.
	Mirrored bool
}

// Result is the hash of one image.
type Result struct {
	Hash    Hash
	Quality int
	// Dihedral holds all eight variants, indexed by Dihedral, when
	// Options.Dihedral was set; Dihedral[Orig] equals Hash.
	Dihedral *[NumDihedral]Hash
	// Mirrored is the hash of the image flipped left to right, when
	// Options.Mirrored or Options.Dihedral was set; it equals
	// Dihedral[FlipY].
	Mirrored Hash
}

// Hasher computes PDQ hashes, reusing its buffers between calls.
// A Hasher is not safe for concurrent use.
type Hasher struct {
	opts    Options
	buf1    []float32
	buf2    []float32
	sums    []float32
	a64     [64][64]float32
	t16x64  [16][64]float32
	b16     [16][16]float32
	aux16   [16][16]float32
	scratch [256]float32
}

// NewHasher returns a Hasher with the given options.
func NewHasher(opts Options) *Hasher { return &Hasher{opts: opts} }

// ErrBadImage is returned for pixel buffers that do not match their shape.
var ErrBadImage = errors.New("pdq: pixel buffer does not match width, height and channels")

// Hash hashes 8-bit pixels: channels is 1 (grey) or 3 (RGB), pix is
// row-major and interleaved with stride width*channels.
//
// RGB pixels are always hashed through the luma weights, even when every
// pixel is grey: the reference does the same (measured on fixture q2821.jpg),
// and the weighted sum of a grey value is not always that value in float32.
func (h *Hasher) Hash(pix []byte, width, height, channels int) (Result, error) {
	if width < 0 || height < 0 || (channels != 1 && channels != 3) || len(pix) != width*height*channels {
		return Result{}, ErrBadImage
	}
	rows, cols := height, width
	squash := !h.opts.FullResolution && (width > SquashSide || height > SquashSide)
	if squash {
		rows, cols = SquashSide, SquashSide
	}
	var res Result
	if rows < MinSide || cols < MinSide {
		if h.opts.Dihedral {
			res.Dihedral = new([NumDihedral]Hash)
		}
		return res, nil
	}
	luma := h.lumaBuffer(rows * cols)
	if squash {
		fillLumaNearest(luma, pix, width, height, channels, rows, cols)
	} else {
		fillLuma(luma, pix, width*height, channels)
	}
	h.hashLuma(luma, rows, cols, &res)
	return res, nil
}

// HashLuma hashes a luma plane of rows x cols float32 values, row-major
// (Luma's of each pixel): a 64x64 plane is taken as already filtered and
// decimated, as Hash's own filter leaves it. The plane is used as scratch
// space and overwritten.
func (h *Hasher) HashLuma(luma []float32, rows, cols int) (Result, error) {
	if rows < 0 || cols < 0 || len(luma) != rows*cols {
		return Result{}, ErrBadImage
	}
	var res Result
	if rows < MinSide || cols < MinSide {
		if h.opts.Dihedral {
			res.Dihedral = new([NumDihedral]Hash)
		}
		return res, nil
	}
	h.hashLuma(luma, rows, cols, &res)
	return res, nil
}

func (h *Hasher) lumaBuffer(n int) []float32 {
	if cap(h.buf1) < n {
		h.buf1 = make([]float32, n)
	}
	return h.buf1[:n]
}

func (h *Hasher) hashLuma(luma []float32, rows, cols int, res *Result) {
	if rows == 64 && cols == 64 {
		for i := range 64 {
			copy(h.a64[i][:], luma[i*64:(i+1)*64])
		}
	} else {
		if cap(h.buf2) < len(luma) {
			h.buf2 = make([]float32, len(luma))
		}
		tmp := h.buf2[:len(luma)]
		if cap(h.sums) < cols {
			h.sums = make([]float32, cols)
		}
		jaroszDecimate(luma, tmp, rows, cols, WindowSize(cols, 64), WindowSize(rows, 64), h.sums, &h.a64)
	}
	res.Quality = quality(&h.a64)
	dct64To16(&h.a64, &h.t16x64, &h.b16)
	h.setHashes(res, h.medianBits)
}

// medianBits is bits, for setHashes: the reference's bits always decide.
func (h *Hasher) medianBits(b *[16][16]float32) (Hash, bool) { return h.bits(b), true }

// setHashes sets res's hash from the coefficients h.b16, and its mirrored
// and dihedral hashes when the options ask for them, each from bits; it
// reports false when bits declines one (the hashes are then partial).
func (h *Hasher) setHashes(res *Result, bits func(*[16][16]float32) (Hash, bool)) bool {
	res.Dihedral, res.Mirrored = nil, Hash{}
	var ok bool
	if res.Hash, ok = bits(&h.b16); !ok {
		return false
	}
	if h.opts.Dihedral {
		var all [NumDihedral]Hash
		all[Orig] = res.Hash
		for d := Rot90; d < NumDihedral; d++ {
			dihedralTransforms[d].apply(&h.b16, &h.aux16)
			if all[d], ok = bits(&h.aux16); !ok {
				return false
			}
		}
		res.Dihedral = &all
		res.Mirrored = all[FlipY]
	} else if h.opts.Mirrored {
		dihedralTransforms[FlipY].apply(&h.b16, &h.aux16)
		if res.Mirrored, ok = bits(&h.aux16); !ok {
			return false
		}
	}
	return true
}

// The luma weights, as float32 constants like the reference's.
var (
	lumaR = float32(0.299)
	lumaG = float32(0.587)
	lumaB = float32(0.114)
)

// lumaTables hold each weight times every 8-bit value: a lookup gives the
// same float32 product as the multiplication, for less work.
var lumaTables = func() (t [3][256]float32) {
	for v := range 256 {
		t[0][v], t[1][v], t[2][v] = lumaR*float32(v), lumaG*float32(v), lumaB*float32(v)
	}
	return t
}()

// luma is the reference's luma of one RGB pixel.
func luma(r, g, b byte) float32 {
	return lumaTables[0][r] + lumaTables[1][g] + lumaTables[2][b]
}

// Luma is the luma Hash computes of one RGB pixel, for a caller that
// filters part of an image itself and hashes it with HashLuma.
func Luma(r, g, b byte) float32 { return luma(r, g, b) }

func fillLuma(out []float32, pix []byte, n, channels int) {
	if channels == 1 {
		for i := range n {
			out[i] = float32(pix[i])
		}
		return
	}
	for i := range n {
		p := pix[3*i : 3*i+3 : 3*i+3]
		out[i] = luma(p[0], p[1], p[2])
	}
}

// fillLumaNearest samples the image to rows x cols by nearest neighbour, as
// CImg's resize does: output x takes source column floor(x*width/cols).
func fillLumaNearest(lumaOut []float32, pix []byte, width, height, channels, rows, cols int) {
	var srcX [SquashSide]int
	for x := range cols {
		srcX[x] = x * width / cols * channels
	}
	stride := width * channels
	for y := range rows {
		row := pix[(y*height/rows)*stride:]
		out := lumaOut[y*cols : (y+1)*cols]
		if channels == 1 {
			for x := range out {
				out[x] = float32(row[srcX[x]])
			}
			continue
		}
		for x := range out {
			p := row[srcX[x] : srcX[x]+3 : srcX[x]+3]
			out[x] = luma(p[0], p[1], p[2])
		}
	}
}

// WindowSize is the box filter's full window for downscaling oldDim to
// newDim: ceil(oldDim / (2*newDim)).
func WindowSize(oldDim, newDim int) int { return (oldDim + 2*newDim - 1) / (2 * newDim) }

// jaroszDecimate runs the two-pass tent filter on buf (rows with window
// colWindow, columns with rowWindow), using tmp as scratch, and writes the
// 64x64 samples nearest to the centres of a 64x64 grid to out.
func jaroszDecimate(buf, tmp []float32, rows, cols, colWindow, rowWindow int, sums []float32, out *[64][64]float32) {
	for i := range rows {
		box1D(buf[i*cols:], tmp[i*cols:], cols, 1, colWindow)
	}
	boxColumns(tmp, buf, rows, cols, rowWindow, sums)
	for i := range rows {
		box1D(buf[i*cols:], tmp[i*cols:], cols, 1, colWindow)
	}
	// The last pass runs only down the 64 columns that decimation keeps,
	// and keeps only its 64 rows: each column's sums are the same
	// operations in the same order, so the samples are bit-identical.
	var keepRow, keepCol [64]int
	for i := range 64 {
		keepRow[i] = int((float64(i) + 0.5) * float64(rows) / 64)
		keepCol[i] = int((float64(i) + 0.5) * float64(cols) / 64)
	}
	boxColumnsAt(tmp, rows, cols, rowWindow, &keepRow, &keepCol, out)
}

// boxColumnsAt is boxColumns restricted to the columns keepCol, keeping
// only the output rows keepRow (both increasing) in out.
func boxColumnsAt(in []float32, rows, cols, window int, keepRow, keepCol *[64]int, out *[64][64]float32) {
	half := (window + 2) / 2
	lead := half - 1
	grow := window - half + 1
	steady := rows - window
	tail := half - 1

	var sum, n, l [64]float32
	gather := func(r int, dst *[64]float32) {
		row := in[r*cols : (r+1)*cols]
		for j, c := range keepCol {
			dst[j] = row[c]
		}
	}
	size, k, oi := 0, 0, 0
	emit := func() {
		for k < 64 && keepRow[k] == oi { // rows repeat when there are fewer than 64
			for j := range sum {
				out[k][j] = sum[j] / float32(size)
			}
			k++
		}
		oi++
	}
	ri, li := 0, 0
	for range lead {
		gather(ri, &n)
		for j := range sum {
			sum[j] += n[j]
		}
		size++
		ri++
	}
	for range grow {
		gather(ri, &n)
		for j := range sum {
			sum[j] += n[j]
		}
		size++
		emit()
		ri++
	}
	for range steady {
		gather(ri, &n)
		gather(li, &l)
		for j := range sum {
			s := sum[j] + n[j]
			s -= l[j]
			sum[j] = s
		}
		emit()
		li++
		ri++
	}
	for range tail {
		gather(li, &l)
		for j := range sum {
			sum[j] -= l[j]
		}
		size--
		emit()
		li++
	}
}

// boxColumns applies box1D to every column at once, sweeping row by row so
// that memory is read in order. Each column sees exactly the operations
// box1D would apply to it, so the result is bit-identical.
func boxColumns(in, out []float32, rows, cols, window int, sum []float32) {
	half := (window + 2) / 2
	lead := half - 1
	grow := window - half + 1
	steady := rows - window
	tail := half - 1

	sum = sum[:cols]
	clear(sum)
	size := 0
	ri, li, oi := 0, 0, 0
	row := func(i int, s []float32) []float32 { return s[i*cols : (i+1)*cols : (i+1)*cols] }
	for range lead {
		for j, v := range row(ri, in) {
			sum[j] += v
		}
		size++
		ri++
	}
	for range grow {
		size++
		n, o := row(ri, in), row(oi, out)
		for j := range sum {
			sum[j] += n[j]
			o[j] = sum[j] / float32(size)
		}
		ri++
		oi++
	}
	for range steady {
		n, l, o := row(ri, in), row(li, in), row(oi, out)
		for j := range sum {
			s := sum[j] + n[j]
			s -= l[j]
			sum[j] = s
			o[j] = s / float32(size)
		}
		li++
		ri++
		oi++
	}
	for range tail {
		size--
		l, o := row(li, in), row(oi, out)
		for j := range sum {
			sum[j] -= l[j]
			o[j] = sum[j] / float32(size)
		}
		li++
		oi++
	}
}

// box1D is a moving average over a window centred (rounding up) on each
// output sample, shrinking at both ends. The running sum is float32 and
// updated in the same order as the reference's, which keeps results
// bit-identical.
func box1D(in, out []float32, n, stride, window int) {
	half := (window + 2) / 2
	lead := half - 1
	grow := window - half + 1
	steady := n - window
	tail := half - 1

	var sum float32
	size := 0
	ri, li, oi := 0, 0, 0
	for range lead {
		sum += in[ri]
		size++
		ri += stride
	}
	for range grow {
		sum += in[ri]
		size++
		out[oi] = sum / float32(size)
		ri += stride
		oi += stride
	}
	for range steady {
		sum += in[ri]
		sum -= in[li]
		out[oi] = sum / float32(size)
		li += stride
		ri += stride
		oi += stride
	}
	for range tail {
		sum -= in[li]
		size--
		out[oi] = sum / float32(size)
		li += stride
		oi += stride
	}
}

// quality sums the vertical and horizontal gradients of the 64x64 image,
// each quantised to an integer percentage of full scale, and scales the
// sum to 0..100.
func quality(a *[64][64]float32) int {
	if sum, ok := qualityFast(a); ok {
		return min(sum/90, 100)
	}
	return qualityGo(a)
}

// qualityGo is quality one sample at a time.
func qualityGo(a *[64][64]float32) int {
	sum := 0
	for i := range 63 {
		for j := range 64 {
			sum += absInt(int((a[i][j] - a[i+1][j]) * 100 / 255))
		}
	}
	for i := range 64 {
		for j := range 63 {
			sum += absInt(int((a[i][j] - a[i][j+1]) * 100 / 255))
		}
	}
	return min(sum/90, 100)
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// dctMatrix holds rows 1..16 of the 64-point DCT-II basis, scaled by
// sqrt(2/64), rounded to float32 as in the reference.
var dctMatrix = func() (m [16][64]float32) {
	scale := float64(float32(math.Sqrt(2.0 / 64)))
	for i := range 16 {
		for j := range 64 {
			m[i][j] = float32(scale * math.Cos(math.Pi/2/64*float64((i+1)*(2*j+1))))
		}
	}
	return m
}()

// dotColumns8 sets out[c] to the dot product of d's first len(rows)
// entries with column j+c of rows, for c in 0..7, each accumulated in
// float32 in row order. The eight sums are kept apart so that the
// additions of one do not wait on the previous one's.
func dotColumns8(d *[64]float32, rows [][64]float32, j int, out *[8]float32) {
	if dotColumns8Fast(d, rows, j, out) {
		return
	}
	dotColumns8Go(d, rows, j, out)
}

// dotColumns8Go is dotColumns8 in Go.
func dotColumns8Go(d *[64]float32, rows [][64]float32, j int, out *[8]float32) {
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	for k := range rows {
		dk := d[k]
		r := (*[8]float32)(rows[k][j : j+8])
		s0 += dk * r[0]
		s1 += dk * r[1]
		s2 += dk * r[2]
		s3 += dk * r[3]
		s4 += dk * r[4]
		s5 += dk * r[5]
		s6 += dk * r[6]
		s7 += dk * r[7]
	}
	out[0], out[1], out[2], out[3] = s0, s1, s2, s3
	out[4], out[5], out[6], out[7] = s4, s5, s6, s7
}

// dct64To16 computes B = D A Dᵀ, accumulating each dot product in float32
// in index order. The sums are the reference's; they are only interleaved
// (eight columns of T, four of B at a time) so that the additions of one
// do not wait on the previous one's, which made this a few times faster.
func dct64To16(a *[64][64]float32, t *[16][64]float32, b *[16][16]float32) {
	for i := range 16 {
		for j := 0; j < 64; j += 8 {
			dotColumns8(&dctMatrix[i], a[:], j, (*[8]float32)(t[i][j:j+8]))
		}
	}
	for i := range 16 {
		ti := &t[i]
		for j := 0; j < 16; j += 4 {
			d0, d1, d2, d3 := &dctMatrix[j], &dctMatrix[j+1], &dctMatrix[j+2], &dctMatrix[j+3]
			var s0, s1, s2, s3 float32
			for k := range 64 {
				tk := ti[k]
				s0 += tk * d0[k]
				s1 += tk * d1[k]
				s2 += tk * d2[k]
				s3 += tk * d3[k]
			}
			b[i][j], b[i][j+1], b[i][j+2], b[i][j+3] = s0, s1, s2, s3
		}
	}
}

// bits sets bit 16*i+j when coefficient (i, j) exceeds the median.
func (h *Hasher) bits(b *[16][16]float32) Hash {
	flat := h.scratch[:]
	for i := range 16 {
		copy(flat[i*16:], b[i][:])
	}
	median := torben(flat)
	var out Hash
	for i := range 16 {
		for j := range 16 {
			if b[i][j] > median {
				out.setBit(i*16 + j)
			}
		}
	}
	return out
}

// torben returns the median of m without reordering it (Torben Mogensen's
// method), choosing among equal candidates exactly as the reference does.
func torben(m []float32) float32 {
	n := len(m)
	lo, hi := m[0], m[0]
	for _, v := range m[1:] {
		lo = min(lo, v)
		hi = max(hi, v)
	}
	half := (n + 1) / 2
	for {
		guess := (lo + hi) / 2
		less, greater, equal := 0, 0, 0
		maxBelow, minAbove := lo, hi
		for _, v := range m {
			switch {
			case v < guess:
				less++
				if v > maxBelow {
					maxBelow = v
				}
			case v > guess:
				greater++
				if v < minAbove {
					minAbove = v
				}
			default:
				equal++
			}
		}
		if less <= half && greater <= half {
			switch {
			case less >= half:
				return maxBelow
			case less+equal >= half:
				return guess
			default:
				return minAbove
			}
		}
		if less > greater {
			hi = maxBelow
		} else {
			lo = minAbove
		}
	}
}

// A dihedralTransform maps the DCT coefficients of an image to those of its
// rotated or flipped copy: mirroring negates the odd-frequency basis
// functions (even 0-based indices here) along the mirrored axis, and a
// quarter turn or diagonal flip transposes.
type dihedralTransform struct{ transpose, negRows, negCols bool }

var dihedralTransforms = [NumDihedral]dihedralTransform{
	Orig:       {},
	Rot90:      {transpose: true, negCols: true},
	Rot180:     {negRows: true, negCols: true},
	Rot270:     {transpose: true, negRows: true},
	FlipX:      {negRows: true},
	FlipY:      {negCols: true},
	FlipPlus1:  {transpose: true},
	FlipMinus1: {transpose: true, negRows: true, negCols: true},
}

func (t dihedralTransform) apply(a, b *[16][16]float32) {
	for i := range 16 {
		for j := range 16 {
			v := a[i][j]
			if t.negRows && i%2 == 0 {
				v = -v
			}
			if t.negCols && j%2 == 0 {
				v = -v
			}
			if t.transpose {
				b[j][i] = v
			} else {
				b[i][j] = v
			}
		}
	}
}
