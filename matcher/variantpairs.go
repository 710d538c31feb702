package matcher

import "strings"

// Which query variant may be judged against which stored item variant. A
// media bank's item variants are made for particular kinds of copies: its
// crops for a copy cropped (looked up as given, mirrored, or trimmed to
// meet the crops halfway), its parts for a copy with a corner mark (looked
// up by the same part of itself). Judging every query variant against
// every stored hash multiplies the chances of an unrelated picture coming
// close: on the negative corpus, regions found inside tiles of repeating
// patterns met other tiles' stored crops (13 false pairs at a crop
// threshold of 22, against 5 allowed). So a stored crop or part meets only
// the query variants made for it; the item's own hash, and item variants
// of other kinds (a video's frame views), meet every query variant.

// The classes of item variants and of the query variants that meet them.
const (
	cropClass = "crop"
	partClass = "part "
)

// ItemVariantClass returns the class of the item variant named name:
// "crop" for a stored crop, "part top" (or another side) for a stored
// part, "" for any other kind, which every query variant meets.
func ItemVariantClass(name string) string {
	switch {
	case strings.HasPrefix(name, "crop ("):
		return cropClass
	case strings.HasPrefix(name, "part ("):
		return partClass + sideIn(name)
	}
	return ""
}

// QueryVariantClass returns the class of item variants v meets besides
// those of class "": "crop" for the picture as given, mirrored or
// trimmed, "part top" (or another side) for a part, "" for the others
// (rotations, regions found inside a re-post).
func QueryVariantClass(v QueryVariant) string {
	switch {
	case v.Region == nil && (v.Name == "" || v.Name == "orig" || v.Name == MirroredVariant):
		return cropClass
	case v.Region != nil && v.Region.Kind == TrimKind:
		return cropClass
	case v.Region != nil && v.Region.Kind == PartKind:
		return partClass + sideIn(v.Region.Description)
	}
	return ""
}

// Meets reports whether a query variant of class query may be judged
// against an item variant of class known.
func Meets(query, known string) bool { return known == "" || known == query }

// sideIn returns the side of a part named in s (its stored name or its
// query description both name it as a word).
func sideIn(s string) string {
	for _, side := range partSides {
		if strings.Contains(s, " "+side+" ") {
			return side
		}
	}
	return "?"
}
