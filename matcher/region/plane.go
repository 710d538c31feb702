package region

import "github.com/atkm/herken/matcher/pdq"

// A photo's regions are sampled many times at mostly the same pixels: each
// as found and at two insets, each also mirrored, and the regions found
// overlap (a picture, the padding around it, the split above and below).
// Computing each pixel's luma again for each sampling was most of the
// Sampler's time (1.2-2.2 s of 3.3-5.7 s of region hashing on the
// re-posts); the plane computes it once a photo.

// lumaPlane holds the luma of a photo's pixels, each row over the run of
// columns read so far.
type lumaPlane struct {
	pix                    []byte // the photo, to tell it from another
	width, height, channel int
	luma                   []float32 // width values a row
	lo, hi                 []int     // the columns [lo, hi) of each row in luma
	sized                  bool      // luma, lo and hi are sized and cleared for the photo
}

// Load makes the Sampler read the luma of this photo's pixels from a plane
// it fills as Squashed and SquashedMirrored first read them, until the
// next Load or Unload: the samples are the same, for the luma of each
// pixel computed once. pix must not change meanwhile.
func (s *Sampler) Load(pix []byte, width, height, channels int) {
	p := &s.plane
	if len(pix) == 0 || len(pix) != width*height*channels || channels != 1 && channels != 3 {
		s.Unload()
		return
	}
	// The plane is sized when first filled: a photo with no region
	// found (most) never is.
	p.pix, p.width, p.height, p.channel, p.sized = pix, width, height, channels, false
}

// maxKeptPlane is the most luma values a Sampler keeps between photos
// (32 MB): a pooled Sampler would otherwise hold a plane the size of the
// largest photo it saw, 200 MB at the decoder's 50 MP limit.
const maxKeptPlane = 8 << 20

// Unload drops the Sampler's reference to the photo, and the plane itself
// when it is larger than maxKeptPlane.
func (s *Sampler) Unload() {
	p := &s.plane
	p.pix, p.sized = nil, false
	if cap(p.luma) > maxKeptPlane {
		p.luma, p.lo, p.hi = nil, nil, nil
	}
}

// holds reports whether the plane is of pix.
func (p *lumaPlane) holds(pix []byte, width, channels int) bool {
	return len(p.pix) > 0 && len(p.pix) == len(pix) && &p.pix[0] == &pix[0] &&
		p.width == width && p.channel == channels
}

// has reports whether row y's columns [a, b) are in the plane.
func (p *lumaPlane) has(y, a, b int) bool {
	return p.sized && p.lo[y] <= a && b <= p.hi[y]
}

// row returns the luma of the photo's row y, indexed by column, with
// the columns [a, b) computed (and those between them and the ones
// computed before, which keeps a row's run in one piece).
func (p *lumaPlane) row(y, a, b int) []float32 {
	if !p.sized {
		grow(&p.luma, p.width*p.height)
		clear(grow(&p.lo, p.height))
		clear(grow(&p.hi, p.height))
		p.sized = true
	}
	out := p.luma[y*p.width : (y+1)*p.width : (y+1)*p.width]
	lo, hi := p.lo[y], p.hi[y]
	switch {
	case lo == hi:
		p.fill(y, out, a, b)
		p.lo[y], p.hi[y] = a, b
		return out
	case a < lo:
		p.fill(y, out, a, lo)
		p.lo[y] = a
	}
	if b > hi {
		p.fill(y, out, hi, b)
		p.hi[y] = b
	}
	return out
}

// fill computes the luma of row y's columns [a, b) into out.
func (p *lumaPlane) fill(y int, out []float32, a, b int) {
	if a >= b {
		return
	}
	start := (y*p.width + a) * p.channel
	src := p.pix[start : start+(b-a)*p.channel]
	dst := out[a:b]
	if p.channel == 1 {
		for x, v := range src[:len(dst)] {
			dst[x] = float32(v)
		}
		return
	}
	pdq.LumaRow(dst, src)
}
