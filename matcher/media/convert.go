package media

import (
	"image"
	"image/color"
)

// fromImage converts a decoded image to 8-bit samples the way the
// reference pipeline (ImageMagick to PNM, read by CImg into 8 bits) sees
// them: 16-bit samples keep their low byte, alpha is dropped from the
// non-premultiplied colour, palettes are expanded. grey asks for one
// channel taken from the red sample (for grey+alpha PNGs, which
// image/png returns as NRGBA).
func fromImage(m image.Image, grey bool) *Image {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := m.(type) {
	case *image.Gray:
		out := newImage(w, h, 1)
		for y := range h {
			copy(out.Pix[y*w:(y+1)*w], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
		return out
	case *image.Gray16:
		out := newImage(w, h, 1)
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				out.Pix[y*w+x] = row[2*x+1]
			}
		}
		return out
	case *image.NRGBA:
		return fromInterleaved(m.Pix, m.PixOffset(b.Min.X, b.Min.Y), m.Stride, w, h, 1, grey)
	case *image.NRGBA64:
		return fromInterleaved(m.Pix, m.PixOffset(b.Min.X, b.Min.Y), m.Stride, w, h, 2, grey)
	case *image.RGBA:
		if opaque(m.Pix, m.PixOffset(b.Min.X, b.Min.Y), m.Stride, w, h, 1) {
			return fromInterleaved(m.Pix, m.PixOffset(b.Min.X, b.Min.Y), m.Stride, w, h, 1, grey)
		}
	case *image.RGBA64:
		if opaque(m.Pix, m.PixOffset(b.Min.X, b.Min.Y), m.Stride, w, h, 2) {
			return fromInterleaved(m.Pix, m.PixOffset(b.Min.X, b.Min.Y), m.Stride, w, h, 2, grey)
		}
	case *image.Paletted:
		return fromPaletted(m, paletteRGB(m.Palette))
	case *image.CMYK:
		return fromCMYK(m)
	}
	// Anything else: the generic, slower path through non-premultiplied
	// colour; 16-bit images keep the low byte as above.
	_, sixteen := m.(*image.RGBA64)
	ch := 3
	if grey {
		ch = 1
	}
	out := newImage(w, h, ch)
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var r, g, bl byte
			if sixteen {
				c := color.NRGBA64Model.Convert(m.At(x, y)).(color.NRGBA64)
				r, g, bl = byte(c.R), byte(c.G), byte(c.B)
			} else {
				c := color.NRGBAModel.Convert(m.At(x, y)).(color.NRGBA)
				r, g, bl = c.R, c.G, c.B
			}
			out.Pix[i] = r
			if ch == 3 {
				out.Pix[i+1], out.Pix[i+2] = g, bl
			}
			i += ch
		}
	}
	return out
}

// fromInterleaved copies 4-sample pixels of size bytes per sample (1 or 2,
// big-endian) starting at off, keeping the low byte of each sample.
func fromInterleaved(pix []byte, off, stride, w, h, size int, grey bool) *Image {
	ch := 3
	if grey {
		ch = 1
	}
	out := newImage(w, h, ch)
	lo := size - 1 // index of the low byte within a sample
	i := 0
	for y := range h {
		row := pix[off+y*stride:]
		for x := range w {
			p := row[x*4*size:]
			out.Pix[i] = p[lo]
			if ch == 3 {
				out.Pix[i+1] = p[size+lo]
				out.Pix[i+2] = p[2*size+lo]
			}
			i += ch
		}
	}
	return out
}

// opaque reports whether every alpha sample is at its maximum, so that the
// premultiplied colour equals the non-premultiplied one.
func opaque(pix []byte, off, stride, w, h, size int) bool {
	for y := range h {
		row := pix[off+y*stride:]
		for x := range w {
			for k := range size {
				if row[(x*4+3)*size+k] != 0xff {
					return false
				}
			}
		}
	}
	return true
}

// paletteRGB returns a palette as packed R, G, B bytes of the
// non-premultiplied colours.
func paletteRGB(p color.Palette) []byte {
	rgb := make([]byte, 3*len(p))
	for i, c := range p {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		rgb[3*i], rgb[3*i+1], rgb[3*i+2] = n.R, n.G, n.B
	}
	return rgb
}

func fromPaletted(m *image.Paletted, rgb []byte) *Image {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	out := newImage(w, h, 3)
	n := len(rgb) / 3
	i := 0
	for y := range h {
		row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := range w {
			if k := int(row[x]); k < n {
				copy(out.Pix[i:i+3], rgb[3*k:3*k+3])
			}
			i += 3
		}
	}
	return out
}

// fromGIF expands a GIF frame with the file's own colour table: image/gif
// replaces the transparent entry by transparent black, whereas ImageMagick
// keeps its colour (and the reference then drops the alpha).
func fromGIF(m *image.Paletted, data []byte) *Image {
	rgb := paletteRGB(m.Palette)
	if table, _, _ := gifFirstFrame(data); len(table) >= len(rgb) {
		rgb = table
	}
	return fromPaletted(m, rgb)
}

// gifFirstFrame returns the colour table that applies to a GIF's first
// frame (its local table, else the global one) and the frame's declared
// size; nil and zeros if the file ends or is malformed first.
func gifFirstFrame(d []byte) (table []byte, w, h int) {
	if len(d) < 13 {
		return nil, 0, 0
	}
	tableLen := func(flags byte) int { return 3 << (flags&7 + 1) }
	var global []byte
	i := 13
	if d[10]&0x80 != 0 {
		n := tableLen(d[10])
		if i+n > len(d) {
			return nil, 0, 0
		}
		global = d[i : i+n]
		i += n
	}
	for i < len(d) {
		switch d[i] {
		case 0x21: // extension: label, then sub-blocks up to a zero length
			i += 2
			for i < len(d) && d[i] != 0 {
				i += int(d[i]) + 1
			}
			i++
		case 0x2c: // image descriptor
			if i+10 > len(d) {
				return nil, 0, 0
			}
			w = int(d[i+5]) | int(d[i+6])<<8
			h = int(d[i+7]) | int(d[i+8])<<8
			if flags := d[i+9]; flags&0x80 != 0 {
				n := tableLen(flags)
				if i+10+n > len(d) {
					return nil, w, h
				}
				return d[i+10 : i+10+n], w, h
			}
			return global, w, h
		default:
			return nil, 0, 0
		}
	}
	return nil, 0, 0
}

func fromCMYK(m *image.CMYK) *Image {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	out := newImage(w, h, 3)
	i := 0
	for y := range h {
		row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := range w {
			// image.CMYK holds ink amounts; libjpeg hands ImageMagick their
			// inverse (Adobe's convention), which is what cmykToRGB takes.
			p := row[4*x : 4*x+4]
			k := 255 - p[3]
			out.Pix[i] = cmykToRGB(255-p[0], k)
			out.Pix[i+1] = cmykToRGB(255-p[1], k)
			out.Pix[i+2] = cmykToRGB(255-p[2], k)
			i += 3
		}
	}
	return out
}

// cmykToRGB converts one inverted ink sample s (255 = no ink, as libjpeg
// returns Adobe CMYK) and inverted black k to a colour sample the way
// ImageMagick 6 Q16 does: it stores 65535-257·s, converts with
// R = QR - (C·(QR-K)/QR + K), rounds to a 16-bit quantum and scales that
// down to 8 bits. The result is round(s·k/255).
func cmykToRGB(s, k byte) byte {
	q := (257*2*uint32(s)*uint32(k) + 255) / 510 // round(257·s·k/255); no ties
	return byte(((q + 128) - ((q + 128) >> 8)) >> 8)
}
