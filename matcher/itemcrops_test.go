package matcher_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"os"
	"strings"
	"testing"

	"github.com/atkm/herken/fixtures"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/knowntest"
)

// TestCroppedCopyFoundThroughItemVariants adds a photo as a known item
// with its crops' hashes and checks that a copy with 6% cut off the left
// and 3% off the top, re-encoded, is a match through a stored crop, named
// in the evidence, while the item without variants does not match it. The
// query is hashed as a match hashes it: the crops meet its trimmed variant
// halfway.
func TestCroppedCopyFoundThroughItemVariants(t *testing.T) {
	data, err := os.ReadFile(fixtures.Path("pdq/debian/opencv-doc/usr/share/doc/opencv-doc/examples/data/baboon.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	known, err := matcher.NewHasher(matcher.HasherConfig{Signals: []matcher.SignalType{matcher.PDQ}, ItemVariants: true})
	if err != nil {
		t.Fatal(err)
	}
	it, notes, err := known.HashBytes(context.Background(), data).KnownItem()
	if err != nil || len(notes) != 0 {
		t.Fatal(err, notes)
	}
	if len(it.Variants) < 100 {
		t.Fatalf("%d crop variants, want the grid", len(it.Variants))
	}
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	crop := src.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(b.Min.X+b.Dx()*6/100, b.Min.Y+b.Dy()*3/100, b.Max.X, b.Max.Y))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, crop, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	query, err := matcher.NewHasher(matcher.HasherConfig{Signals: []matcher.SignalType{matcher.PDQ}, Dihedral: true, Regions: true})
	if err != nil {
		t.Fatal(err)
	}
	qs := matcher.Queries(query.HashBytes(context.Background(), buf.Bytes()), true)
	bank := matcher.Bank{Name: "a", Enabled: true, Categories: []matcher.Category{matcher.Incitement}}
	it.Bank, it.Label, it.Categories = "a", "baboon", bank.Categories

	plain := it
	plain.Variants = nil
	l, err := matcher.Identify(knowntest.NewMemory([]matcher.Bank{bank}, []matcher.Item{plain}), qs, matcher.DefaultRule)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Matches) != 0 {
		t.Fatalf("the crop matched the item without variants: %+v (the test's crop is too small)", l.Matches)
	}
	l, err = matcher.Identify(knowntest.NewMemory([]matcher.Bank{bank}, []matcher.Item{it}), qs, matcher.DefaultRule)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Matches) != 1 || !strings.HasPrefix(l.Matches[0].KnownVariant, "crop (") {
		t.Fatalf("cropped copy: matches %+v candidates %+v", l.Matches, l.Candidates)
	}
	t.Logf("%s", l.Matches[0].Explanation)
}
