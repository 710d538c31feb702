package matcher

import (
	"fmt"
	"image"
	"math"
	"strconv"

	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
)

// cropStep and cropSteps define the crops a known photo is also hashed at,
// as item variants. PDQ finds a crop of about 1% a side but hardly one of
// 2.5% (measured on the fixtures: 43 of 44 photos within 31 bits at 1%, 23
// of 44 at 2.5%), so the crops lie close together, and they meet the query
// halfway: a query is also looked up trimmed by half a step on every side
// (trimStep, a query variant), and the stored crops cut half a step more
// than a whole number of steps, (a+1/2)*cropStep and (b+1/2)*cropStep off
// the two sides of each axis for a+b <= cropSteps. Each side of a query's
// crop then lies within a quarter step of a stored crop's either as given
// or trimmed: a copy missing up to 10% of each side, split in any way,
// meets a crop of at most 12.5% (5% crops 83% found within 22 bits on the
// evaluation corpus, 10% crops 81%, where the 2.5% grid of whole steps
// without the trim found 67% and 56%; storing that grid to 12.5% with the
// trim found as many but took 440 crops, not 225).
const (
	cropStep  = 0.025
	cropSteps = 4 // the most cut off an axis: (cropSteps+1) * cropStep, 12.5%
	trimStep  = cropStep / 2
)

// cropSide is the side the photo is reduced to before its crops are
// hashed: PDQ squashes to 512x512 anyway, so the crops of the reduced
// photo hash within a few bits of the crops of the photo.
const cropSide = 512

// cropFractions lists the (first side, second side) fractions cut along
// one axis, in quarter percent: odd multiples of trimStep.
func cropFractions() [][2]float64 {
	var out [][2]float64
	for a := 0; a <= cropSteps; a++ {
		for b := 0; a+b <= cropSteps; b++ {
			out = append(out, [2]float64{(float64(a) + 0.5) * cropStep, (float64(b) + 0.5) * cropStep})
		}
	}
	return out
}

// hashCrops computes the item variants of a known photo: the PDQ hash of
// each crop of the grid, then of each of its parts without a band along
// one side (partvariants.go).
func (h *Hasher) hashCrops(img *media.Image, out *Hashes) error {
	ph := h.pdqPool.Get().(*pdq.Hasher)
	defer h.pdqPool.Put(ph)
	src := newCropSource(img, cropSide)
	add := func(name string, r image.Rectangle) error {
		res, err := src.hash(ph, r)
		if err != nil {
			return fmt.Errorf("matcher: pdq of a crop: %w", err)
		}
		if res.Quality >= DefaultMinPDQQuality { // a flat crop identifies nothing
			out.ItemVariants = append(out.ItemVariants, ItemVariant{Name: name, Signal: mustSignal(PDQ, res.Hash[:])})
		}
		return nil
	}
	w, hgt := src.w, src.h
	fr := cropFractions()
	for _, x := range fr {
		for _, y := range fr {
			r := image.Rect(int(x[0]*float64(w)+0.5), int(y[0]*float64(hgt)+0.5),
				w-int(x[1]*float64(w)+0.5), hgt-int(y[1]*float64(hgt)+0.5))
			if err := add(cropName(x, y), r); err != nil {
				return err
			}
		}
	}
	src = newCropSource(img, partSide)
	for _, side := range partSides {
		if err := add(partName(side), partRect(side, src.w, src.h)); err != nil {
			return err
		}
	}
	return nil
}

// cropSource is the known photo reduced to cropSide, which its crops are
// cut from: averaged, not sampled as PDQ squashes, because the crops of
// the averaged copy came as close to the corpus's cropped copies (67% of
// 5% crops within 22 bits either way) for a fraction of the copying.
type cropSource struct {
	rgb  []byte
	w, h int
	buf  []byte
}

func newCropSource(img *media.Image, side int) *cropSource {
	rgb, w, h := reducedRGB(img, side)
	return &cropSource{rgb: rgb, w: w, h: h, buf: make([]byte, 0, len(rgb))}
}

// hash returns the PDQ hash of the part r of the reduced photo.
func (s *cropSource) hash(ph *pdq.Hasher, r image.Rectangle) (pdq.Result, error) {
	s.buf = s.buf[:0]
	for row := r.Min.Y; row < r.Max.Y; row++ {
		s.buf = append(s.buf, s.rgb[(row*s.w+r.Min.X)*3:(row*s.w+r.Max.X)*3]...)
	}
	return ph.Hash(s.buf, r.Dx(), r.Dy(), 3)
}

// cropName says which crop an item variant is, for the evidence.
func cropName(x, y [2]float64) string {
	s := "crop ("
	sep := ""
	for _, side := range []struct {
		f    float64
		name string
	}{{x[0], "left"}, {y[0], "top"}, {x[1], "right"}, {y[1], "bottom"}} {
		if side.f > 0 {
			s += fmt.Sprintf("%s%s%% off the %s", sep, strconv.FormatFloat(math.Round(400*side.f)/4, 'f', -1, 64), side.name)
			sep = ", "
		}
	}
	return s + ")"
}

// reducedRGB returns img averaged down to at most side pixels a side (each
// side on its own, as PDQ squashes) as 3-channel pixels.
func reducedRGB(img *media.Image, side int) ([]byte, int, int) {
	m := reduce(img, side)
	b := m.Bounds()
	out := make([]byte, 0, b.Dx()*b.Dy()*3)
	switch m := m.(type) {
	case *image.Gray:
		for y := 0; y < b.Dy(); y++ {
			for _, v := range m.Pix[y*m.Stride : y*m.Stride+b.Dx()] {
				out = append(out, v, v, v)
			}
		}
	case *image.RGBA:
		for y := 0; y < b.Dy(); y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*b.Dx()]
			for x := 0; x < len(row); x += 4 {
				out = append(out, row[x], row[x+1], row[x+2])
			}
		}
	}
	return out, b.Dx(), b.Dy()
}
