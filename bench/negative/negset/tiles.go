package negset

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/atkm/herken/matcher/pdq"
)

// TilesFile lists the near-duplicate groups of tiles of one source picture.
const TilesFile = "TILEGROUPS.tsv"

// tileHash is what the tile grouping compares: a tile's PDQ dihedral
// variants and quality.
type tileHash struct {
	dihedral [pdq.NumDihedral]pdq.Hash
	quality  int
}

// TileGroup is a set of tiles of one source picture that are near
// duplicates of one another: a repeating pattern (a chessboard, a
// wallpaper's motif) or flat areas of one photograph. Only Members[Kept]
// is in the corpus.
type TileGroup struct {
	Members []Picture
	Quality []int // PDQ quality of each member
	Kept    int   // the member of the highest PDQ quality (the first of equals)
	// Links joined the members: the tiles at indexes A and B are within
	// the loose threshold at Distance (A < B).
	Links []Link
}

// groupTiles gathers the tiles of one source into near-duplicate groups:
// two tiles are one when the PDQ distance between one's hash and any
// dihedral variant of the other's is at most loose, the same test that
// groups source pictures. Groups of one tile are left out.
func groupTiles(pics []Picture, hs []tileHash, loose int) []TileGroup {
	parent := make([]int, len(pics))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	var links []Link
	for i := range pics {
		for j := i + 1; j < len(pics); j++ {
			if d := minDihedral(&hs[i].dihedral, &hs[j].dihedral); d <= loose {
				links = append(links, Link{A: i, B: j, Reason: "pdq", Distance: d})
				if ri, rj := find(i), find(j); ri != rj {
					parent[max(ri, rj)] = min(ri, rj)
				}
			}
		}
	}
	members := map[int][]int{}
	var roots []int
	for i := range pics {
		r := find(i)
		if _, ok := members[r]; !ok {
			roots = append(roots, r)
		}
		members[r] = append(members[r], i)
	}
	var out []TileGroup
	for _, r := range roots {
		idx := members[r]
		if len(idx) < 2 {
			continue
		}
		pos := map[int]int{}
		g := TileGroup{}
		for k, i := range idx {
			pos[i] = k
			g.Members = append(g.Members, pics[i])
			g.Quality = append(g.Quality, hs[i].quality)
			if hs[i].quality > g.Quality[g.Kept] {
				g.Kept = k
			}
		}
		for _, l := range links {
			if find(l.A) == r {
				g.Links = append(g.Links, Link{A: pos[l.A], B: pos[l.B], Reason: l.Reason, Distance: l.Distance})
			}
		}
		out = append(out, g)
	}
	return out
}

// dedupTiles keeps of pics all but the non-kept members of each group of
// near-duplicate tiles; it returns the kept pictures, the groups, and the
// files of the pictures dropped (to be removed unless another kept
// picture, identical, has the same file).
func dedupTiles(pics []Picture, hs []tileHash, loose int) (kept []Picture, groups []TileGroup, dropped []string) {
	groups = groupTiles(pics, hs, loose)
	drop := map[image.Rectangle]bool{}
	for _, g := range groups {
		for k, m := range g.Members {
			if k != g.Kept {
				drop[m.Rect] = true
			}
		}
	}
	for _, p := range pics {
		if drop[p.Rect] {
			dropped = append(dropped, p.File)
		} else {
			kept = append(kept, p)
		}
	}
	return kept, groups, dropped
}

// removeDropped removes the files of dropped tiles that no kept picture
// shares (identical tiles, a flat fill, share one file).
func removeDropped(out string, pics [][]Picture, dropped []string) error {
	keep := map[string]bool{}
	for _, ps := range pics {
		for _, p := range ps {
			keep[p.File] = true
		}
	}
	for _, f := range dropped {
		if keep[f] {
			continue
		}
		if err := os.Remove(filepath.Join(out, f)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("negset: %w", err)
		}
	}
	return nil
}

var tilesHeader = []string{"group", "member", "kept", "package", "path", "x", "y", "w", "h", "quality", "links"}

// WriteTileGroups writes the tile groups to dir/TILEGROUPS.tsv, one row
// per member with the links to members before it ("0:62" is PDQ distance
// 62 to member 0).
func WriteTileGroups(dir string, groups []TileGroup) error {
	var rows [][]string
	for gi, g := range groups {
		for i, m := range g.Members {
			var links []string
			for _, l := range g.Links {
				if l.B == i {
					links = append(links, fmt.Sprintf("%d:%d", l.A, l.Distance))
				}
			}
			rows = append(rows, []string{strconv.Itoa(gi + 1), strconv.Itoa(i), strconv.FormatBool(i == g.Kept), m.Package, m.Path,
				strconv.Itoa(m.Rect.Min.X), strconv.Itoa(m.Rect.Min.Y), strconv.Itoa(m.Rect.Dx()), strconv.Itoa(m.Rect.Dy()),
				strconv.Itoa(g.Quality[i]), strings.Join(links, ",")})
		}
	}
	return writeTSV(filepath.Join(dir, TilesFile), tilesHeader, rows)
}

// TileRow is one row of TILEGROUPS.tsv.
type TileRow struct {
	Group, Member       int
	Kept                bool
	Package, Path       string
	X, Y, W, H, Quality int
	Links               string
}

// ReadTileGroups reads dir/TILEGROUPS.tsv; a corpus built before tiles
// were grouped has none (nil, nil).
func ReadTileGroups(dir string) ([]TileRow, error) {
	if _, err := os.Stat(filepath.Join(dir, TilesFile)); os.IsNotExist(err) {
		return nil, nil
	}
	rows, err := readTSV(filepath.Join(dir, TilesFile), tilesHeader)
	if err != nil {
		return nil, err
	}
	out := make([]TileRow, 0, len(rows))
	for i, r := range rows {
		var n [7]int
		for k, f := range []string{r[0], r[1], r[5], r[6], r[7], r[8], r[9]} {
			if n[k], err = strconv.Atoi(f); err != nil {
				return nil, fmt.Errorf("negset: %s line %d: %q is not a number", TilesFile, i+2, f)
			}
		}
		out = append(out, TileRow{Group: n[0], Member: n[1], Kept: r[2] == "true", Package: r[3], Path: r[4],
			X: n[2], Y: n[3], W: n[4], H: n[5], Quality: n[6], Links: r[10]})
	}
	slices.SortStableFunc(out, func(a, b TileRow) int { return a.Group - b.Group })
	return out, nil
}
