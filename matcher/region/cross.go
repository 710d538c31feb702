package region

import "image"

// crossPadded looks, inside each band a padded picture spans (rows over
// padding above and below, or columns over padding left and right), for
// padding on the other axis too: a landscape picture centred on a square
// or a phone's canvas over a blurred copy of itself has padding on all four
// sides. Over the whole image the seams on the other axis are weak (the
// padding above and below does not jump there), within the band they are
// as clear as the first pair. It returns the pictures so bounded, ranked
// just above the band they were found in.
func crossPadded(pix []byte, width, height, channels int, found []scored) []scored {
	var out []scored
	for _, f := range found {
		if f.Kind != KindPadding {
			continue
		}
		r := f.Rect
		w, h := r.Dx(), r.Dy()
		// The band is read in place (no copy), on the one axis asked of
		// it: its columns in a band of rows, its rows in a band of columns.
		stride := width * channels
		var sub []byte
		axes := 0
		switch {
		case r.Dx() == width && r.Dy() < height:
			sub, axes = pix[r.Min.Y*stride:r.Max.Y*stride], colsOnly
		case r.Dy() == height && r.Dx() < width:
			sub, axes = pix[r.Min.X*channels:], rowsOnly
		default:
			continue
		}
		if w < 32 || h < 32 {
			continue
		}
		ps := measureLines(sub, w, h, channels, stride, axes)
		var in image.Rectangle
		ok := false
		if r.Dx() == width {
			var a, b int
			if a, b, ok = ps.cols.padded(crossWeak); !ok {
				a, b, ok = ps.cols.crossCalm() // crosscalm.go
			}
			if ok {
				in = image.Rect(a, r.Min.Y, b, r.Max.Y)
			}
		} else {
			var a, b int
			if a, b, ok = ps.rows.padded(crossWeak); !ok {
				a, b, ok = ps.rows.crossCalm()
			}
			if ok {
				in = image.Rect(r.Min.X, a, r.Max.X, b)
			}
		}
		ps.release()
		if !ok || in.Dx()*in.Dy()*100 < 15*width*height || in.Dx() > 5*in.Dy() || in.Dy() > 5*in.Dx() {
			continue
		}
		out = append(out, scored{Region{Rect: in, Kind: KindPadding, Size: f.Size, Margin: "padding on all sides"}, f.score + 0.05})
	}
	return out
}
