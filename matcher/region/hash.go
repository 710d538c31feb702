package region

import (
	"image"

	"github.com/atkm/herken/matcher/pdq"
)

// Squashed returns the pixels of region r ready for a PDQ hash that
// squashes (pdq.Options without FullResolution), in the layout of pix, and
// their size. A region larger than pdq.SquashSide on a side is sampled to
// SquashSide x SquashSide at exactly the pixels PDQ's own squash would
// take from the crop, so its hash is bit for bit the crop's while the copy
// is a quarter of a 1 MP crop's. (Hashing from a smaller, averaged copy was
// measured at 8-28 bits from the crop's hash: too far to spend on speed.)
func Squashed(pix []byte, width, height, channels int, r image.Rectangle) ([]byte, int, int) {
	r = r.Intersect(image.Rect(0, 0, width, height))
	if r.Dx() <= pdq.SquashSide && r.Dy() <= pdq.SquashSide || len(pix) < width*height*channels {
		return Crop(pix, width, height, channels, r), r.Dx(), r.Dy()
	}
	const n = pdq.SquashSide
	var xo [n]int
	for x := range n {
		xo[x] = (r.Min.X + x*r.Dx()/n) * channels
	}
	stride := width * channels
	out := make([]byte, n*n*channels)
	for y := range n {
		row := pix[(r.Min.Y+y*r.Dy()/n)*stride:]
		o := out[y*n*channels : (y+1)*n*channels]
		if channels == 1 {
			for x := range n {
				o[x] = row[xo[x]]
			}
			continue
		}
		for x := range n {
			copy(o[3*x:3*x+3], row[xo[x]:xo[x]+3])
		}
	}
	return out, n, n
}
