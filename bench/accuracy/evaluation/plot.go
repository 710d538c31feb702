package evaluation

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// A small line-chart renderer: enough for the report's curves, drawn with
// image/draw and basicfont so that the evaluation needs no plotting module.

type series struct {
	name   string
	c      color.RGBA
	xs, ys []float64
	dots   bool // mark every point
}

type marker struct {
	x     float64
	label string
	c     color.RGBA
}

type chart struct {
	title, xlabel, ylabel  string
	xmin, xmax, ymin, ymax float64
	xlog                   bool // log10 axis; xmin must be > 0
	xticks, yticks         []float64
	series                 []series
	vlines                 []marker
	legendBottomRight      bool // else top left
}

var (
	black = color.RGBA{0, 0, 0, 255}
	grid  = color.RGBA{225, 225, 225, 255}
	// palette is distinguishable in colour and in grey.
	palette = []color.RGBA{{0, 90, 181, 255}, {220, 50, 32, 255}, {0, 150, 80, 255}, {150, 90, 0, 255}, {120, 120, 120, 255}}
)

const (
	marginL, marginR, marginT, marginB = 64, 16, 34, 44
)

func (c *chart) px(x float64, r image.Rectangle) int {
	lo, hi, v := c.xmin, c.xmax, x
	if c.xlog {
		lo, hi, v = math.Log10(lo), math.Log10(hi), math.Log10(math.Max(x, c.xmin))
	}
	return r.Min.X + marginL + int(math.Round((v-lo)/(hi-lo)*float64(r.Dx()-marginL-marginR)))
}

func (c *chart) py(y float64, r image.Rectangle) int {
	h := float64(r.Dy() - marginT - marginB)
	return r.Max.Y - marginB - int(math.Round((y-c.ymin)/(c.ymax-c.ymin)*h))
}

// draw renders the chart into r of dst.
func (c *chart) draw(dst *image.RGBA, r image.Rectangle) {
	draw.Draw(dst, r, image.White, image.Point{}, draw.Src)
	x0, x1 := r.Min.X+marginL, r.Max.X-marginR
	y0, y1 := r.Min.Y+marginT, r.Max.Y-marginB
	for _, t := range c.xticks {
		x := c.px(t, r)
		line(dst, x, y0, x, y1, grid, 1)
		line(dst, x, y1, x, y1+4, black, 1)
		s := tickLabel(t, c.xlog)
		text(dst, x-textWidth(s)/2, y1+16, s, black)
	}
	for _, t := range c.yticks {
		y := c.py(t, r)
		line(dst, x0, y, x1, y, grid, 1)
		line(dst, x0-4, y, x0, y, black, 1)
		s := tickLabel(t, false)
		text(dst, x0-8-textWidth(s), y+4, s, black)
	}
	line(dst, x0, y0, x0, y1, black, 1)
	line(dst, x0, y1, x1, y1, black, 1)
	text(dst, x0, r.Min.Y+14, c.title, black)
	text(dst, x0, y0-4, c.ylabel, black)
	text(dst, (x0+x1)/2-textWidth(c.xlabel)/2, y1+34, c.xlabel, black)
	for i, m := range c.vlines {
		x := c.px(m.x, r)
		for y := y0; y < y1; y += 6 {
			line(dst, x, y, x, min(y+3, y1), m.c, 1)
		}
		text(dst, x+3, y0+12+14*i, m.label, m.c) // stacked, so that close lines stay legible
	}
	for _, s := range c.series {
		for i := 1; i < len(s.xs); i++ {
			line(dst, c.px(s.xs[i-1], r), c.py(s.ys[i-1], r), c.px(s.xs[i], r), c.py(s.ys[i], r), s.c, 2)
		}
		if s.dots {
			for i := range s.xs {
				x, y := c.px(s.xs[i], r), c.py(s.ys[i], r)
				draw.Draw(dst, image.Rect(x-2, y-2, x+3, y+3), &image.Uniform{C: s.c}, image.Point{}, draw.Src)
			}
		}
	}
	// Legend, inside the plot area where the curves usually leave room.
	ly := y0 + 30 + 14*len(c.vlines)
	if c.legendBottomRight {
		ly = y1 - 10 - 16*(len(c.series)-1)
	}
	wmax := 0
	for _, s := range c.series {
		wmax = max(wmax, textWidth(s.name))
	}
	for _, s := range c.series {
		lx := x0 + 10
		if c.legendBottomRight {
			lx = x1 - wmax - 36
		}
		draw.Draw(dst, image.Rect(lx-4, ly-11, lx+wmax+26, ly+4), image.White, image.Point{}, draw.Src)
		line(dst, lx, ly-4, lx+18, ly-4, s.c, 3)
		text(dst, lx+22, ly, s.name, black)
		ly += 16
	}
}

func tickLabel(v float64, log bool) string {
	if log {
		return fmt.Sprintf("1e%d", int(math.Round(math.Log10(v))))
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func textWidth(s string) int { return font.MeasureString(basicfont.Face7x13, s).Ceil() }

func text(dst *image.RGBA, x, y int, s string, c color.RGBA) {
	d := font.Drawer{Dst: dst, Src: &image.Uniform{C: c}, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// line draws from (x0, y0) to (x1, y1) with Bresenham's algorithm, w
// pixels thick.
func line(dst *image.RGBA, x0, y0, x1, y1 int, c color.RGBA, w int) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		for i := range w {
			for j := range w {
				if (image.Point{X: x0 + i, Y: y0 + j}).In(dst.Rect) {
					dst.SetRGBA(x0+i, y0+j, c)
				}
			}
		}
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int { return max(v, -v) }

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
