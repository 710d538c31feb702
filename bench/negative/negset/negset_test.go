package negset

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/atkm/herken/bench/corpus/builder"
)

func TestDesignKey(t *testing.T) {
	same := [][2]string{
		{"/usr/share/wallpapers/Kay/contents/images/5120x2880.png", "/usr/share/wallpapers/Kay/contents/images_dark/1080x1920.png"},
		{"/usr/share/backgrounds/sway/Sway_Wallpaper_Blue_1366x768.png", "/usr/share/backgrounds/sway/Sway_Wallpaper_Blue_1920x1080.png"},
		{"/usr/share/desktop-base/joy-theme/login/background.svg.png", "/usr/share/plymouth/themes/joy/background.png"},
		{"/usr/share/backgrounds/gnome/pixels-d.webp", "/usr/share/backgrounds/gnome/pixels-l.webp"},
		{"/usr/share/doc/opencv-doc/examples/data/aloeL.jpg", "/usr/share/doc/opencv-doc/examples/data/aloeR.jpg"},
		{"/usr/share/doc/opencv-doc/examples/data/left01.jpg", "/usr/share/doc/opencv-doc/examples/data/right01.jpg"},
	}
	for _, c := range same {
		if a, b := designKey("p=1", c[0]), designKey("p=1", c[1]); a != b {
			t.Errorf("%s and %s: keys %q and %q differ", c[0], c[1], a, b)
		}
	}
	apart := [][2]string{
		{"/usr/share/backgrounds/gnome/pixels-d.webp", "/usr/share/backgrounds/gnome/grid-d.webp"},
		{"/usr/share/doc/opencv-doc/examples/data/left01.jpg", "/usr/share/doc/opencv-doc/examples/data/left02.jpg"},
		{"/usr/share/wallpapers/Kay/contents/images/5120x2880.png", "/usr/share/wallpapers/Patak/contents/images/5120x2880.png"},
	}
	for _, c := range apart {
		if designKey("p=1", c[0]) == designKey("p=1", c[1]) {
			t.Errorf("%s and %s share a design key", c[0], c[1])
		}
	}
}

// A picture, the same picture mirrored and smaller, and a different one:
// the first two form a group (found by PDQ under a dihedral variant), the
// larger is kept and cut into tiles, the other is kept whole.
func TestBuildGroupsAndTiles(t *testing.T) {
	src := t.TempDir()
	pattern := func(w, h, k int, mirror bool) *image.RGBA {
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				u, v := x*512/w, y*512/h
				if mirror {
					u = 511 - u
				}
				o := m.PixOffset(x, y)
				m.Pix[o], m.Pix[o+1], m.Pix[o+2], m.Pix[o+3] = uint8((u*k+v*v/7)%256), uint8((u*v/(k+30))%256), uint8((v*k)%256), 0xff
			}
		}
		return m
	}
	write := func(name string, m *image.RGBA) {
		var b bytes.Buffer
		if err := png.Encode(&b, m); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("big.png", pattern(640, 520, 3, false))
	write("small-mirrored.png", pattern(320, 260, 3, true))
	write("other.png", pattern(300, 300, 11, false))
	out := t.TempDir()
	sum, err := Build(context.Background(), Config{Out: out, Sources: []builder.Source{builder.DirSource(src)}, Tile: 256, TilePDQ: -1, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Candidates != 3 || len(sum.Groups) != 2 {
		t.Fatalf("%d candidates in %d groups, want 3 in 2", sum.Candidates, len(sum.Groups))
	}
	g := sum.Groups[0]
	if len(g.Members) != 2 || g.Members[g.Kept].Path != "big.png" || g.Links[0].Reason != "pdq" {
		t.Errorf("group %+v: want big.png and small-mirrored.png joined by pdq, big.png kept", g.Links)
	}
	// big.png: 2x2 tiles of 256; other.png: whole.
	if len(sum.Pictures) != 5 {
		t.Fatalf("%d pictures, want 4 tiles and 1 whole", len(sum.Pictures))
	}
	pics, err := ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	tiles := 0
	for _, p := range pics {
		if !p.Whole {
			tiles++
			if p.Rect.Dx() != 256 || p.Rect.Dy() != 256 || (p.Rect.Min.X != 64 && p.Rect.Min.X != 320) || (p.Rect.Min.Y != 4 && p.Rect.Min.Y != 260) {
				t.Errorf("tile %v: want 256x256 on a grid centred in 640x520", p.Rect)
			}
		}
	}
	if tiles != 4 {
		t.Errorf("%d tiles, want 4", tiles)
	}
	rows, err := ReadGroups(out)
	if err != nil || len(rows) != 2 {
		t.Errorf("GROUPS.tsv: %d rows, %v; want the 2 members of the one group", len(rows), err)
	}
}

// A source whose top row of tiles repeats one motif (each tile a little
// brighter than the last, so their files differ) and whose bottom row
// holds three unrelated textures: the three motif tiles are one group, of
// which one is kept and listed with the others in TILEGROUPS.tsv; the
// textures stay.
func TestBuildGroupsRepeatingTiles(t *testing.T) {
	src := t.TempDir()
	const side = 256
	m := image.NewRGBA(image.Rect(0, 0, 3*side, 2*side))
	rng := rand.New(rand.NewPCG(1, 2))
	var blocks [3][8][8][3]uint8
	for k := range blocks {
		for i := range 8 {
			for j := range 8 {
				for c := range 3 {
					blocks[k][i][j][c] = uint8(rng.IntN(256))
				}
			}
		}
	}
	for y := range 2 * side {
		for x := range 3 * side {
			tx, u, v := x/side, x%side, y%side
			o := m.PixOffset(x, y)
			if y < side { // the motif: rings about the tile's centre
				d := (u-128)*(u-128) + (v-128)*(v-128)
				g := uint8((d/97)%200 + 10*tx)
				m.Pix[o], m.Pix[o+1], m.Pix[o+2] = g, g/2+uint8(u/4), 255-g
			} else {
				b := blocks[tx][v/32][u/32]
				m.Pix[o], m.Pix[o+1], m.Pix[o+2] = b[0], b[1], b[2]
			}
			m.Pix[o+3] = 0xff
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "motif.png"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	sum, err := Build(context.Background(), Config{Out: out, Sources: []builder.Source{builder.DirSource(src)}, Tile: side, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.TileGroups) != 1 || len(sum.TileGroups[0].Members) != 3 {
		t.Fatalf("tile groups %+v, want one of the 3 motif tiles", sum.TileGroups)
	}
	for _, x := range sum.TileGroups[0].Members {
		if x.Rect.Min.Y != 0 {
			t.Errorf("tile %v grouped with the motif tiles", x.Rect)
		}
	}
	if len(sum.Pictures) != 4 {
		t.Fatalf("%d pictures, want the kept motif tile and 3 textures", len(sum.Pictures))
	}
	files, _ := filepath.Glob(filepath.Join(out, "pictures", "*"))
	if len(files) != 4 {
		t.Errorf("%d files in pictures/, want the 4 kept", len(files))
	}
	rows, err := ReadTileGroups(out)
	if err != nil || len(rows) != 3 {
		t.Fatalf("TILEGROUPS.tsv: %d rows, %v; want 3", len(rows), err)
	}
	kept := 0
	for _, r := range rows {
		if r.Kept {
			kept++
		}
	}
	if kept != 1 {
		t.Errorf("%d tiles kept in the group, want 1", kept)
	}
}

// Identical tiles of two sources share one file: when one source's tile
// grouping drops it and the other keeps it, the file stays (a build once
// listed a picture whose file it had removed).
func TestDroppedTileFileSharedWithAKeptOneStays(t *testing.T) {
	out := t.TempDir()
	if err := os.MkdirAll(filepath.Join(out, "pictures"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"pictures/flat.jpg", "pictures/motif.jpg", "pictures/motif2.jpg"} {
		if err := os.WriteFile(filepath.Join(out, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var same tileHash // identical hashes: one group
	a := []Picture{{File: "pictures/motif.jpg", Rect: image.Rect(0, 0, 8, 8)}, {File: "pictures/flat.jpg", Rect: image.Rect(8, 0, 16, 8)},
		{File: "pictures/motif2.jpg", Rect: image.Rect(16, 0, 24, 8)}}
	hs := []tileHash{same, same, same}
	hs[0].quality = 90
	keptA, groups, dropped := dedupTiles(a, hs, 80)
	if len(keptA) != 1 || keptA[0].File != "pictures/motif.jpg" || len(groups) != 1 || len(dropped) != 2 {
		t.Fatalf("kept %v, %d groups, dropped %v: want motif.jpg kept of a group of 3", keptA, len(groups), dropped)
	}
	b := []Picture{{File: "pictures/flat.jpg", Rect: image.Rect(0, 0, 8, 8)}} // another source's identical tile
	if err := removeDropped(out, [][]Picture{keptA, b}, dropped); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]bool{"pictures/flat.jpg": true, "pictures/motif.jpg": true, "pictures/motif2.jpg": false} {
		if _, err := os.Stat(filepath.Join(out, f)); (err == nil) != want {
			t.Errorf("%s exists: %v, want %v", f, err == nil, want)
		}
	}
}
