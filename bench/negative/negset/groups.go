package negset

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/atkm/herken/matcher/pdq"
)

// Group is a set of candidates derived from one photograph or design;
// the corpus keeps Members[Kept], the one with the most pixels.
type Group struct {
	Members []Candidate
	Kept    int
	// Links are the evidence that joined the members: each joins two
	// members (indexes into Members) for a reason.
	Links []Link
}

// Link is one reason two candidates are the same picture.
type Link struct {
	A, B   int
	Reason string // "same file", "same design (name)", "pdq" or "pdq centre"
	// Distance is the smallest PDQ distance over the dihedral variants, for
	// the pdq reasons; -1 otherwise.
	Distance int
}

// resolution matches a size in a path ("1920x1080", "256x256").
var resolution = regexp.MustCompile(`\d{2,5}x\d{2,5}`)

// themed matches desktop-base's theme folders: a theme's wallpaper, login,
// lock screen, GRUB and boot splash pictures are one design.
var themed = regexp.MustCompile(`/(?:desktop-base/([a-z0-9]+)-theme|plymouth/themes/([a-z0-9]+))/`)

// shade matches the suffix of a wallpaper's light or dark variant.
var shade = regexp.MustCompile(`(?i)[-_](d|l|dark|light|day|night)$`)

// stereo matches the side marker of a stereo pair's file name.
var stereo = regexp.MustCompile(`(?i)(left|right|_l$|_r$|[a-z]l$|[a-z]r$)`)

// designKey names the design a file shows, from its package and path
// alone: the same key means the same design at another size, aspect ratio
// or eye. It errs towards joining, which only costs a few pictures.
func designKey(pkg, p string) string {
	name, _, _ := strings.Cut(pkg, "=")
	if m := themed.FindStringSubmatch(p); m != nil {
		return name + ":theme:" + m[1] + m[2]
	}
	if i := strings.Index(p, "/contents/"); i >= 0 { // a KDE wallpaper package
		return name + ":" + p[:i]
	}
	dir, file := path.Split(resolution.ReplaceAllString(p, "#"))
	file = strings.TrimSuffix(file, path.Ext(file))
	// Light and dark variants of one wallpaper (GNOME's pixels-l, pixels-d).
	file = shade.ReplaceAllString(file, "")
	if strings.Contains(dir, "opencv-doc") || strings.Contains(dir, "skimage") {
		// Sample data holds stereo pairs (aloeL/aloeR, left01/right01).
		file = stereo.ReplaceAllStringFunc(file, func(s string) string {
			if len(s) == 2 && s[0] != '_' {
				return s[:1] + "#" // keep the letter before a bare L/R
			}
			return "#"
		})
	}
	return name + ":" + dir + file
}

// minDihedral is the smallest distance between a's original and any of
// b's eight variants: the distance a query variant would find.
func minDihedral(a, b *[pdq.NumDihedral]pdq.Hash) int {
	best := 257
	for _, v := range b {
		best = min(best, a[pdq.Orig].Distance(v))
	}
	return best
}

// group gathers cands into near-duplicate groups: the same file, the same
// design by name, or a PDQ distance at most loose between the whole
// pictures or their central squares under any dihedral variant. Groups
// come out in the order of their first member.
func group(cands []Candidate, loose int) []Group {
	parent := make([]int, len(cands))
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
	join := func(a, b int, reason string, d int) {
		links = append(links, Link{A: a, B: b, Reason: reason, Distance: d})
		if ra, rb := find(a), find(b); ra != rb {
			parent[max(ra, rb)] = min(ra, rb)
		}
	}
	keys := make([]string, len(cands))
	for i, c := range cands {
		keys[i] = designKey(c.Package, c.Path)
	}
	for i := range cands {
		for j := i + 1; j < len(cands); j++ {
			a, b := &cands[i], &cands[j]
			switch {
			case a.SourceSHA256 == b.SourceSHA256:
				join(i, j, "same file", -1)
			case keys[i] == keys[j]:
				join(i, j, "same design (name)", -1)
			default:
				if d := minDihedral(&a.Full, &b.Full); d <= loose {
					join(i, j, "pdq", d)
				} else if d := minDihedral(&a.Centre, &b.Centre); d <= loose {
					join(i, j, "pdq centre", d)
				}
			}
		}
	}
	index := map[int]int{} // root -> group
	var groups []Group
	pos := make([]int, len(cands)) // candidate -> index in its group
	for i := range cands {
		r := find(i)
		g, ok := index[r]
		if !ok {
			g = len(groups)
			index[r] = g
			groups = append(groups, Group{})
		}
		pos[i] = len(groups[g].Members)
		groups[g].Members = append(groups[g].Members, cands[i])
	}
	for _, l := range links {
		g := index[find(l.A)]
		groups[g].Links = append(groups[g].Links, Link{A: pos[l.A], B: pos[l.B], Reason: l.Reason, Distance: l.Distance})
	}
	for gi := range groups {
		g := &groups[gi]
		g.Kept = 0
		for i, m := range g.Members {
			k := g.Members[g.Kept]
			if m.Width*m.Height > k.Width*k.Height {
				g.Kept = i
			}
		}
		slices.SortStableFunc(g.Links, func(a, b Link) int { return a.A*len(g.Members) + a.B - b.A*len(g.Members) - b.B })
	}
	return groups
}
