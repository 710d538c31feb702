package matcher_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"os"
	"strings"
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/knowntest"
	xdraw "golang.org/x/image/draw"
)

// TestCornerLogoFoundThroughParts stamps an opaque badge of a fifth of
// the width in each corner of a known photo in turn, re-encodes the copy
// smaller, and checks that the copy is identified through a stored part
// of the known item (the band with the badge left out on both sides),
// named in the evidence, while neither the item's own hash nor its crops
// reach it.
func TestCornerLogoFoundThroughParts(t *testing.T) {
	data, err := os.ReadFile(fixtures.Path("pdq/debian/opencv-doc/usr/share/doc/opencv-doc/examples/data/baboon.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	known, err := matcher.NewHasher(matcher.HasherConfig{Signals: []matcher.SignalType{matcher.PDQ}, ItemVariants: true})
	if err != nil {
		t.Fatal(err)
	}
	it, notes, err := known.HashBytes(ctx, data).KnownItem()
	if err != nil || len(notes) != 0 {
		t.Fatal(err, notes)
	}
	bank := matcher.Bank{Name: "a", Enabled: true, Categories: []matcher.Category{matcher.Incitement}}
	it.Bank, it.Label, it.Categories = "a", "baboon", bank.Categories
	parts := 0
	for _, v := range it.Variants {
		if strings.HasPrefix(v.Name, "part (") {
			parts++
		}
	}
	if parts != 2 {
		t.Fatalf("%d stored parts, want one without the top band and one without the bottom band", parts)
	}
	plain := it
	plain.Variants = nil
	query, err := matcher.NewHasher(matcher.HasherConfig{Signals: []matcher.SignalType{matcher.PDQ}, Dihedral: true, Regions: true})
	if err != nil {
		t.Fatal(err)
	}
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	side := b.Dx() / 5
	for _, c := range []struct {
		name string
		at   image.Point
	}{
		{"top-left", image.Pt(b.Dx()/50, b.Dy()/50)},
		{"top-right", image.Pt(b.Dx()-side-b.Dx()/50, b.Dy()/50)},
		{"bottom-left", image.Pt(b.Dx()/50, b.Dy()-side-b.Dx()/50)},
		{"bottom-right", image.Pt(b.Dx()-side-b.Dx()/50, b.Dy()-side-b.Dx()/50)},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The copy: the badge stamped, then shown at 70%.
			stamped := image.NewRGBA(b)
			draw.Draw(stamped, b, src, b.Min, draw.Src)
			badge := image.Rect(0, 0, side, side).Add(c.at)
			draw.Draw(stamped, badge, image.White, image.Point{}, draw.Src)
			draw.Draw(stamped, badge.Inset(side/12), &image.Uniform{C: color.RGBA{0x20, 0x40, 0xc0, 0xff}}, image.Point{}, draw.Src)
			draw.Draw(stamped, image.Rect(badge.Min.X+side/5, badge.Min.Y+side*2/5, badge.Max.X-side/5, badge.Min.Y+side*3/5), image.White, image.Point{}, draw.Src)
			small := image.NewRGBA(image.Rect(0, 0, b.Dx()*7/10, b.Dy()*7/10))
			xdraw.CatmullRom.Scale(small, small.Rect, stamped, b, draw.Src, nil)
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, small, &jpeg.Options{Quality: 85}); err != nil {
				t.Fatal(err)
			}
			qs := matcher.Queries(query.HashBytes(ctx, buf.Bytes()), true)
			l, err := matcher.Identify(knowntest.NewMemory([]matcher.Bank{bank}, []matcher.Item{plain}), qs, matcher.DefaultRule)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Matches) != 0 {
				t.Fatalf("the stamped copy matched the item without variants: %+v (the test's badge is too small)", l.Matches)
			}
			l, err = matcher.Identify(knowntest.NewMemory([]matcher.Bank{bank}, []matcher.Item{it}), qs, matcher.DefaultRule)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Matches) != 1 {
				t.Fatalf("stamped copy: matches %+v candidates %+v", l.Matches, l.Candidates)
			}
			m := l.Matches[0]
			if !strings.HasPrefix(m.KnownVariant, "part (") || m.Region == nil || m.Region.Kind != matcher.PartKind ||
				!strings.Contains(m.Explanation, "left out") || !strings.Contains(m.Explanation, "the picture without its") {
				t.Fatalf("the evidence does not say a part matched: %+v", m)
			}
			t.Logf("%s", m.Explanation)
		})
	}
}
