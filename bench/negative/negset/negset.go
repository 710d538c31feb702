// Package negset builds herken's negative corpus: pictures that are not
// copies of one another, from which the false-pair rate of a decision rule
// is measured (issue 14, item 1).
//
// Pictures come from Debian packages (wallpapers, sample photos). Two
// pictures derived from one photograph or design — one wallpaper at several
// sizes or aspect ratios, its colour variants, a theme's login and lock
// screens, stereo pairs — would be counted as false pairs although they are
// true copies, so the candidates are first gathered into near-duplicate
// groups (see groups.go) and one picture of each group is kept. Large kept
// pictures are then cut into non-overlapping square tiles, each a distinct
// picture of the corpus; smaller ones are kept whole. Tiles of flat sky or
// smooth gradients are kept too: they have a low PDQ quality, and how the
// decision rule treats them is part of what is measured.
//
// Every picture is written as a JPEG of quality 92 (tiles have no file of
// their own to keep), named by its SHA-256, and listed in NEGATIVE.tsv with
// its package, installed path, and rectangle in the source picture.
//
// Tiles of one source can be near duplicates too: a chessboard's or a
// repeating wallpaper motif's tiles, or the flat sky of one photograph.
// They are grouped the same way (PDQ within the loose threshold under any
// dihedral variant, see tiles.go), one tile of each group is kept, and the
// groups are listed in TILEGROUPS.tsv.
//
// Build runs its decoding on Config.Workers goroutines; a Config must not be
// shared by concurrent builds writing the same folder.
package negset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/atkm/herken/bench/corpus/builder"
	"github.com/atkm/herken/bench/corpus/transform"
	"github.com/atkm/herken/ingest/parallel"
	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
)

// DefaultPackages are the Debian 12 packages the negative corpus is taken
// from: desktop wallpapers (abstract designs and photographs), paper
// textures, and the sample photos of scikit-image and OpenCV. OpenCV's
// documentation figures are left out: many are an algorithm's output next
// to its input, derived from one photograph in ways no loose hash
// threshold detects.
var DefaultPackages = []string{
	"desktop-base",
	"gnome-backgrounds",
	"plasma-workspace-wallpapers",
	"xfdesktop4-data",
	"mate-backgrounds",
	"lomiri-wallpapers",
	"lomiri-wallpapers-16.04",
	"lomiri-wallpapers-20.04",
	"ukui-wallpapers",
	"sway-backgrounds",
	"mypaint-data-extras",
	"python3-skimage:/usr/lib/python3/dist-packages/skimage/data",
	"opencv-doc:/usr/share/doc/opencv-doc/examples",
}

// Config says what to build.
type Config struct {
	Out     string // the corpus folder; created
	Sources []builder.Source
	// Tile is the side of the square tiles (default 224: with near-duplicate tiles dropped, enough for more than 10,001 pictures). A picture whose
	// both sides are at least twice as long is cut into tiles; a smaller
	// one is kept whole.
	Tile int
	// MinSide drops pictures with a shorter side below it (default 128).
	MinSide int
	// MaxSide shrinks whole pictures whose longer side is larger (default
	// 1024), as in the evaluation corpus.
	MaxSide int
	// MinLevels drops pictures with fewer distinct grey levels (default
	// 64): masks, trimaps and line drawings.
	MinLevels int
	// GroupPDQ is the loose PDQ distance, under any dihedral variant, at
	// or below which two candidates are the same picture (default 80).
	GroupPDQ int
	// TilePDQ is the same for two tiles of one source picture (default
	// GroupPDQ): a repeating pattern's tiles, or a photograph's flat sky,
	// are one picture too; the tile of the highest PDQ quality is kept.
	// Negative: tiles are not grouped.
	TilePDQ int
	Workers int // runtime.GOMAXPROCS(0) when 0
	Log     *slog.Logger
}

func (c *Config) defaults() {
	if c.Tile == 0 {
		c.Tile = 224
	}
	if c.MinSide == 0 {
		c.MinSide = 128
	}
	if c.MaxSide == 0 {
		c.MaxSide = 1024
	}
	if c.MinLevels == 0 {
		c.MinLevels = 64
	}
	if c.GroupPDQ == 0 {
		c.GroupPDQ = 80
	}
	if c.TilePDQ == 0 {
		c.TilePDQ = c.GroupPDQ
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Candidate is one decodable picture found in a source, with the hashes
// the grouping compares.
type Candidate struct {
	Package, Path string // as in builder.Candidate
	File          string // where it is on this machine
	SourceSHA256  string
	Width, Height int
	// Full and Centre are the PDQ dihedral variants of the whole picture
	// and of its central square: wallpapers shipped at 16:9 and 4:3 are
	// crops of one design, alike in their centre.
	Full, Centre [pdq.NumDihedral]pdq.Hash
	err          error
}

// Summary is what Build made.
type Summary struct {
	Candidates int // decodable pictures found
	Skipped    int // too small, too few grey levels, or undecodable
	Groups     []Group
	TileGroups []TileGroup // near-duplicate tiles, of which one was kept
	Pictures   []Picture
	Packages   []string // packages with at least one picture in the corpus
}

// Build builds the negative corpus described by cfg.
func Build(ctx context.Context, cfg Config) (*Summary, error) {
	cfg.defaults()
	var files []builder.Candidate
	for _, s := range cfg.Sources {
		fs, err := candidates(s)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	if len(files) == 0 {
		return nil, errors.New("negset: no pictures in the sources")
	}
	cands := make([]Candidate, len(files))
	parallel.For(ctx, cfg.Workers, len(files), func(i int) { cands[i] = examine(files[i], cfg) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sum := &Summary{}
	var ok []Candidate
	for _, c := range cands {
		if c.err != nil {
			cfg.Log.Debug("skipped", "package", c.Package, "path", c.Path, "reason", c.err.Error())
			sum.Skipped++
			continue
		}
		ok = append(ok, c)
	}
	sum.Candidates = len(ok)
	sum.Groups = group(ok, cfg.GroupPDQ)
	var kept []Candidate
	for _, g := range sum.Groups {
		kept = append(kept, g.Members[g.Kept])
	}
	if err := os.MkdirAll(filepath.Join(cfg.Out, "pictures"), 0o755); err != nil {
		return nil, fmt.Errorf("negset: %w", err)
	}
	pics := make([][]Picture, len(kept))
	hashes := make([][]tileHash, len(kept))
	errs := make([]error, len(kept))
	parallel.For(ctx, cfg.Workers, len(kept), func(i int) { pics[i], hashes[i], errs[i] = cut(kept[i], cfg) })
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return nil, err
	}
	if cfg.TilePDQ >= 0 {
		var dropped []string
		for i := range pics {
			if len(pics[i]) < 2 {
				continue
			}
			kept, tg, d := dedupTiles(pics[i], hashes[i], cfg.TilePDQ)
			pics[i] = kept
			sum.TileGroups = append(sum.TileGroups, tg...)
			dropped = append(dropped, d...)
		}
		if err := removeDropped(cfg.Out, pics, dropped); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	pkgs := map[string]bool{}
	for _, ps := range pics {
		for _, p := range ps {
			if seen[p.SHA256] { // two identical tiles (flat fill): one picture
				continue
			}
			seen[p.SHA256] = true
			pkgs[p.Package] = true
			sum.Pictures = append(sum.Pictures, p)
		}
	}
	for p := range pkgs {
		sum.Packages = append(sum.Packages, p)
	}
	slices.Sort(sum.Packages)
	if err := WriteManifest(cfg.Out, sum.Pictures); err != nil {
		return nil, err
	}
	if err := WriteGroups(cfg.Out, sum.Groups); err != nil {
		return nil, err
	}
	if err := WriteTileGroups(cfg.Out, sum.TileGroups); err != nil {
		return nil, err
	}
	return sum, nil
}

// photoFormats are the formats herken hashes as photos.
var photoFormats = []media.Format{media.JPEG, media.PNG, media.WebP, media.GIF, media.BMP, media.TIFF}

// candidates lists the files of s that sniff as a photo format, sorted by
// installed path.
func candidates(s builder.Source) ([]builder.Candidate, error) {
	var out []builder.Candidate
	err := filepath.WalkDir(s.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(s.Root, p)
		if err != nil {
			return err
		}
		installed := s.PathPrefix + filepath.ToSlash(rel)
		if !strings.HasPrefix(installed, s.Prefix) || !isPhoto(p) {
			return nil
		}
		out = append(out, builder.Candidate{Package: s.Package, Path: installed, File: p})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("negset: %w", err)
	}
	slices.SortFunc(out, func(a, b builder.Candidate) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

func isPhoto(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, media.SniffLen)
	n, _ := f.Read(head)
	return slices.Contains(photoFormats, media.Sniff(head[:n]))
}

// examine decodes one file, checks it and hashes it for the grouping.
func examine(f builder.Candidate, cfg Config) Candidate {
	c := Candidate{Package: f.Package, Path: f.Path, File: f.File}
	img, raw, err := load(f.File)
	if err != nil {
		c.err = err
		return c
	}
	s := sha256.Sum256(raw)
	c.SourceSHA256 = hex.EncodeToString(s[:])
	c.Width, c.Height = img.Rect.Dx(), img.Rect.Dy()
	if min(c.Width, c.Height) < cfg.MinSide {
		c.err = fmt.Errorf("%dx%d is smaller than %d px", c.Width, c.Height, cfg.MinSide)
		return c
	}
	if n := greyLevels(img); n < cfg.MinLevels {
		c.err = fmt.Errorf("%d grey levels, fewer than %d", n, cfg.MinLevels)
		return c
	}
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	full, err := hashRGBA(h, img)
	if err != nil {
		c.err = err
		return c
	}
	side := min(c.Width, c.Height)
	x0, y0 := (c.Width-side)/2, (c.Height-side)/2
	centre, err := hashRGBA(h, img.SubImage(image.Rect(x0, y0, x0+side, y0+side)).(*image.RGBA))
	if err != nil {
		c.err = err
		return c
	}
	c.Full, c.Centre = full, centre
	return c
}

// load reads and decodes a file with herken's decoder, as an opaque RGBA
// image (alpha dropped, as herken drops it).
func load(path string) (*image.RGBA, []byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("negset: %w", err)
	}
	img, _, err := media.Decode(raw, media.DefaultLimits)
	if err != nil {
		return nil, nil, fmt.Errorf("negset: %s: %w", path, err)
	}
	defer img.Release()
	return transform.FromPixels(img.Pix, img.Width, img.Height, img.Channels), raw, nil
}

func hashRGBA(h *pdq.Hasher, img *image.RGBA) ([pdq.NumDihedral]pdq.Hash, error) {
	th, err := hashTile(h, img)
	return th.dihedral, err
}

// hashTile returns the PDQ dihedral variants and quality of img; h must
// compute the dihedral variants.
func hashTile(h *pdq.Hasher, img *image.RGBA) (tileHash, error) {
	b := img.Rect
	pix := make([]byte, 0, 3*b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):img.PixOffset(b.Max.X, y)]
		for x := 0; x < len(row); x += 4 {
			pix = append(pix, row[x], row[x+1], row[x+2])
		}
	}
	res, err := h.Hash(pix, b.Dx(), b.Dy(), 3)
	if err != nil {
		return tileHash{}, fmt.Errorf("negset: pdq: %w", err)
	}
	return tileHash{dihedral: *res.Dihedral, quality: res.Quality}, nil
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

// cut writes the pictures made from one kept candidate: its tiles, or the
// whole picture (shrunk to MaxSide) when it is too small to tile; with
// each tile's hashes for the tile grouping.
func cut(c Candidate, cfg Config) ([]Picture, []tileHash, error) {
	img, _, err := load(c.File)
	if err != nil {
		return nil, nil, err
	}
	h := pdq.NewHasher(pdq.Options{Dihedral: true})
	t := cfg.Tile
	var rects []image.Rectangle
	whole := min(c.Width, c.Height) < 2*t
	if whole {
		rects = []image.Rectangle{img.Rect}
	} else {
		nx, ny := c.Width/t, c.Height/t
		ox, oy := (c.Width-nx*t)/2, (c.Height-ny*t)/2 // centre the grid
		for j := range ny {
			for i := range nx {
				rects = append(rects, image.Rect(ox+i*t, oy+j*t, ox+(i+1)*t, oy+(j+1)*t))
			}
		}
	}
	out := make([]Picture, 0, len(rects))
	hs := make([]tileHash, 0, len(rects))
	for _, r := range rects {
		sub := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
		for y := range r.Dy() {
			copy(sub.Pix[y*sub.Stride:(y+1)*sub.Stride], img.Pix[img.PixOffset(r.Min.X, r.Min.Y+y):img.PixOffset(r.Max.X, r.Min.Y+y)])
		}
		if long := max(r.Dx(), r.Dy()); whole && long > cfg.MaxSide {
			sub = transform.Scale(sub, float64(cfg.MaxSide)/float64(long))
		}
		data, err := transform.Encode(sub, 92)
		if err != nil {
			return nil, nil, err
		}
		th, err := hashTile(h, sub)
		if err != nil {
			return nil, nil, err
		}
		s := sha256.Sum256(data)
		id := hex.EncodeToString(s[:])
		p := Picture{SHA256: id, File: "pictures/" + id[:16] + ".jpg", Package: c.Package, Path: c.Path,
			SourceSHA256: c.SourceSHA256, Rect: r, Whole: whole, SourceWidth: c.Width, SourceHeight: c.Height}
		if err := os.WriteFile(filepath.Join(cfg.Out, p.File), data, 0o644); err != nil {
			return nil, nil, fmt.Errorf("negset: %w", err)
		}
		out = append(out, p)
		hs = append(hs, th)
	}
	return out, hs, nil
}
