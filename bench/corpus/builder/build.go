// Package builder builds herken's evaluation corpus: it takes photographs
// from Debian packages (or the committed fixtures, or a local folder),
// keeps one normalised copy of each under originals/, derives altered
// copies under derived/<transform>/ with the transforms of package
// transform, and lists both in sorted manifests (MANIFEST.tsv,
// DERIVED.tsv) whose digests name the exact corpus.
//
// Pictures are decoded with herken's own decoder (matcher/media), so the
// pixels transformed are the pixels herken hashes: alpha is dropped, EXIF
// orientation ignored. Build runs its work on Config.Workers goroutines;
// a Config must not be shared by concurrent builds writing the same folder.
package builder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/atkm/herken/bench/corpus/transform"
	"github.com/atkm/herken/ingest/parallel"
	"github.com/atkm/herken/matcher/media"
)

// Config says what to build.
type Config struct {
	Out     string   // the corpus folder; created
	Sources []Source // where the candidate pictures are
	// Max keeps at most this many originals (0: all), chosen by SHA-256 of
	// the file, which spreads the choice over the packages.
	Max int
	// MinSide drops pictures whose shorter side is smaller (default 300).
	MinSide int
	// MaxSide shrinks pictures whose longer side is larger (default 1024),
	// so that the corpus is about as large as photos shared online are.
	MaxSide int
	// MinLevels drops pictures with fewer distinct grey levels (default
	// 64): masks, trimaps, line drawings and flat fills, which the example
	// folders of the packages also hold, are not photographs.
	MinLevels  int
	Seed       uint64                // transform.DefaultSeed when 0
	Transforms []transform.Transform // transform.All() when nil
	Workers    int                   // runtime.GOMAXPROCS(0) when 0
	Log        *slog.Logger
}

func (c *Config) defaults() {
	if c.MinSide == 0 {
		c.MinSide = 300
	}
	if c.MaxSide == 0 {
		c.MaxSide = 1024
	}
	if c.MinLevels == 0 {
		c.MinLevels = 64
	}
	if c.Seed == 0 {
		c.Seed = transform.DefaultSeed
	}
	if c.Transforms == nil {
		c.Transforms = transform.All()
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Summary is what Build made.
type Summary struct {
	Originals []Original
	Derived   []Derived
	Skipped   int // candidates too small, undecodable or near-duplicates
}

// prepared is a candidate after decoding: the file the corpus keeps.
type prepared struct {
	cand      Candidate
	data      []byte // the original file to keep
	ext       string
	w, h      int
	sourceSum string
	thumb     [thumbSide * thumbSide]float64
	err       error
}

// Build builds the corpus described by cfg.
func Build(ctx context.Context, cfg Config) (*Summary, error) {
	cfg.defaults()
	var cands []Candidate
	for _, s := range cfg.Sources {
		cs, err := s.Candidates()
		if err != nil {
			return nil, err
		}
		cands = append(cands, cs...)
	}
	if len(cands) == 0 {
		return nil, errors.New("builder: no JPEG or PNG files in the sources")
	}
	preps := make([]prepared, len(cands))
	parallel.For(ctx, cfg.Workers, len(cands), func(i int) {
		preps[i] = prepare(cands[i], cfg)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sum := &Summary{}
	var kept []*prepared
	seen := map[string]bool{}
	for i := range preps {
		p := &preps[i]
		if p.err != nil {
			cfg.Log.Debug("skipped", "path", p.cand.Path, "reason", p.err.Error())
			sum.Skipped++
			continue
		}
		if seen[p.sourceSum] {
			sum.Skipped++
			continue
		}
		if j := slices.IndexFunc(kept, p.nearDuplicate); j >= 0 {
			cfg.Log.Info("near-duplicate skipped", "path", p.cand.Path, "of", kept[j].cand.Path)
			sum.Skipped++
			continue
		}
		seen[p.sourceSum] = true
		kept = append(kept, p)
	}
	for _, p := range kept {
		s := sha256.Sum256(p.data)
		id := hex.EncodeToString(s[:])
		sum.Originals = append(sum.Originals, Original{SHA256: id, Size: int64(len(p.data)),
			Width: p.w, Height: p.h, Package: p.cand.Package, Path: p.cand.Path,
			SourceSHA256: p.sourceSum, File: "originals/" + id[:16] + p.ext})
	}
	if cfg.Max > 0 && len(sum.Originals) > cfg.Max {
		sum.Skipped += len(sum.Originals) - cfg.Max
		slices.SortFunc(sum.Originals, func(a, b Original) int { return strings.Compare(a.SHA256, b.SHA256) })
		sum.Originals = sum.Originals[:cfg.Max]
	}
	data := map[string][]byte{}
	for _, p := range kept {
		s := sha256.Sum256(p.data)
		data[hex.EncodeToString(s[:])] = p.data
	}
	for _, dir := range []string{"originals", "derived"} {
		if err := os.MkdirAll(filepath.Join(cfg.Out, dir), 0o755); err != nil {
			return nil, fmt.Errorf("builder: %w", err)
		}
	}
	for _, t := range cfg.Transforms {
		if err := os.MkdirAll(filepath.Join(cfg.Out, "derived", t.Name), 0o755); err != nil {
			return nil, fmt.Errorf("builder: %w", err)
		}
	}
	// A two-picture post shows an original with the next one in SHA-256
	// order (the first for the last): a fixed pairing, whatever the build's
	// order.
	ids := make([]string, len(sum.Originals))
	for i, o := range sum.Originals {
		ids[i] = o.SHA256
	}
	slices.Sort(ids)
	partner := map[string]Original{}
	byID := map[string]Original{}
	for _, o := range sum.Originals {
		byID[o.SHA256] = o
	}
	for i, id := range ids {
		if len(ids) > 1 {
			partner[id] = byID[ids[(i+1)%len(ids)]]
		}
	}
	derived := make([][]Derived, len(sum.Originals))
	errs := make([]error, len(sum.Originals))
	parallel.For(ctx, cfg.Workers, len(sum.Originals), func(i int) {
		o := sum.Originals[i]
		derived[i], errs[i] = writeOriginal(cfg, o, data[o.SHA256], partner[o.SHA256], data[partner[o.SHA256].SHA256])
	})
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return nil, err
	}
	for _, ds := range derived {
		sum.Derived = append(sum.Derived, ds...)
	}
	if err := WriteManifest(cfg.Out, sum.Originals); err != nil {
		return nil, err
	}
	if err := WriteDerived(cfg.Out, sum.Derived); err != nil {
		return nil, err
	}
	return sum, nil
}

// writeOriginal writes one original and all its derived copies; other
// (with its file, otherData) is the second picture of two-picture posts,
// which are left out when the corpus has a single original.
func writeOriginal(cfg Config, o Original, data []byte, other Original, otherData []byte) ([]Derived, error) {
	if err := os.WriteFile(filepath.Join(cfg.Out, o.File), data, 0o644); err != nil {
		return nil, fmt.Errorf("builder: %w", err)
	}
	src, err := decodeRGBA(o, data)
	if err != nil {
		return nil, err
	}
	var second *image.RGBA
	out := make([]Derived, 0, len(cfg.Transforms))
	for _, t := range cfg.Transforms {
		also := ""
		if t.Pair != nil {
			if otherData == nil {
				continue
			}
			if second == nil {
				if second, err = decodeRGBA(other, otherData); err != nil {
					return nil, err
				}
			}
			also = other.ID()
		}
		b, err := transform.DeriveWith(t, src, second, cfg.Seed, o.ID())
		if err != nil {
			return nil, err
		}
		rel := "derived/" + t.Name + "/" + o.ID() + t.Ext()
		if err := os.WriteFile(filepath.Join(cfg.Out, rel), b, 0o644); err != nil {
			return nil, fmt.Errorf("builder: %w", err)
		}
		s := sha256.Sum256(b)
		out = append(out, Derived{SHA256: hex.EncodeToString(s[:]), Transform: t.Name, Original: o.ID(), File: rel, Also: also})
	}
	return out, nil
}

func decodeRGBA(o Original, data []byte) (*image.RGBA, error) {
	img, _, err := media.Decode(data, media.DefaultLimits)
	if err != nil {
		return nil, fmt.Errorf("builder: %s: %w", o.File, err)
	}
	return transform.FromPixels(img.Pix, img.Width, img.Height, img.Channels), nil
}

// prepare decodes a candidate, checks its size and makes the file the
// corpus keeps: a JPEG no larger than MaxSide as it is, anything else as a
// PNG of herken's decoded pixels, shrunk to MaxSide when larger.
func prepare(c Candidate, cfg Config) prepared {
	p := prepared{cand: c}
	raw, err := os.ReadFile(c.File)
	if err != nil {
		p.err = err
		return p
	}
	s := sha256.Sum256(raw)
	p.sourceSum = hex.EncodeToString(s[:])
	img, f, err := media.Decode(raw, media.DefaultLimits)
	if err != nil {
		p.err = err
		return p
	}
	if min(img.Width, img.Height) < cfg.MinSide {
		p.err = fmt.Errorf("%dx%d is smaller than %d px", img.Width, img.Height, cfg.MinSide)
		return p
	}
	rgba := transform.FromPixels(img.Pix, img.Width, img.Height, img.Channels)
	if n := greyLevels(rgba); n < cfg.MinLevels {
		p.err = fmt.Errorf("%d grey levels, fewer than %d: not a photograph", n, cfg.MinLevels)
		return p
	}
	long := max(img.Width, img.Height)
	switch {
	case f == media.JPEG && long <= cfg.MaxSide:
		p.data, p.ext = raw, ".jpg"
	default:
		if long > cfg.MaxSide {
			rgba = transform.Scale(rgba, float64(cfg.MaxSide)/float64(long))
		}
		if p.data, err = transform.Encode(rgba, 0); err != nil {
			p.err = err
			return p
		}
		p.ext = ".png"
	}
	p.w, p.h = rgba.Rect.Dx(), rgba.Rect.Dy()
	p.thumb = thumbnail(rgba)
	return p
}

// greyLevels counts the distinct luma values of img.
func greyLevels(img *image.RGBA) int {
	var seen [256]bool
	n := 0
	for i := 0; i < len(img.Pix); i += 4 {
		y := (299*int(img.Pix[i]) + 587*int(img.Pix[i+1]) + 114*int(img.Pix[i+2]) + 500) / 1000
		if !seen[y] {
			seen[y] = true
			n++
		}
	}
	return n
}

const thumbSide = 16

// thumbnail is a 16x16 luma picture of img, aspect ratio ignored.
func thumbnail(img *image.RGBA) [thumbSide * thumbSide]float64 {
	small := transform.Resize(img, thumbSide, thumbSide)
	var t [thumbSide * thumbSide]float64
	for i := range t {
		px := small.Pix[4*i : 4*i+3]
		t[i] = 0.299*float64(px[0]) + 0.587*float64(px[1]) + 0.114*float64(px[2])
	}
	return t
}

// nearDuplicate reports whether p is the same picture as q at another
// size: the same aspect ratio within 2% and thumbnails that differ by less
// than 4 grey levels on average. Packages ship one wallpaper at several
// resolutions; counted as distinct originals they would be false positives
// of every hash. The test uses neither of the hashes under evaluation.
func (p *prepared) nearDuplicate(q *prepared) bool {
	ar := func(w, h int) float64 { return float64(w) / float64(h) }
	if math.Abs(ar(p.w, p.h)/ar(q.w, q.h)-1) > 0.02 {
		return false
	}
	var d float64
	for i := range p.thumb {
		d += math.Abs(p.thumb[i] - q.thumb[i])
	}
	return d/float64(len(p.thumb)) < 4
}
