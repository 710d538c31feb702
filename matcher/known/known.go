package known

import (
	"github.com/atkm/herken/matcher/signals"

	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// InvalidError says why a bank, an item or a category list was refused.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return "known: " + e.Msg }

func invalidf(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

// Category is one of the five types of terrorist content defined by
// Regulation (EU) 2021/784, article 2(7).
type Category string

// The categories.
const (
	Incitement              Category = "incitement"               // art. 2(7)(a)
	SolicitationCommit      Category = "solicitation_commit"      // art. 2(7)(b)
	SolicitationParticipate Category = "solicitation_participate" // art. 2(7)(c)
	Instruction             Category = "instruction"              // art. 2(7)(d)
	Threat                  Category = "threat"                   // art. 2(7)(e)
)

// Categories lists every category in the regulation's order.
func Categories() []Category {
	return []Category{Incitement, SolicitationCommit, SolicitationParticipate, Instruction, Threat}
}

// ParseCategories parses a list separated by commas, semicolons, pipes or
// spaces; it returns a sorted list without duplicates.
func ParseCategories(s string) ([]Category, error) {
	var out []Category
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '|' || r == ' ' }) {
		c := Category(strings.ToLower(strings.TrimSpace(f)))
		if !slices.Contains(Categories(), c) {
			return nil, invalidf("unknown category %q (known: %s)", f, categoryNames())
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out, nil
}

func categoryNames() string {
	var names []string
	for _, c := range Categories() {
		names = append(names, string(c))
	}
	return strings.Join(names, ", ")
}

// Bank is a named list of known items with its source and matching
// settings.
type Bank struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Source says where the list comes from: an exchange, a partner, an
	// analyst team.
	Source string `json:"source,omitempty"`
	// Categories are given to items added without categories of their own.
	Categories []Category `json:"categories,omitempty"`
	// Enabled banks match; a disabled bank keeps its items but matches
	// nothing.
	Enabled bool `json:"enabled"`
	// Thresholds overrides the default threshold per perceptual signal type.
	Thresholds map[signals.Type]int `json:"thresholds,omitempty"`
	// Mode says what a match of the bank's items does (see BankMode);
	// empty is Block, as for every bank stored before modes existed.
	Mode      BankMode  `json:"mode,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
	// PromotedBy and PromotedAt record the admin who turned the bank
	// from shadow mode into a blocking bank.
	PromotedBy string     `json:"promoted_by,omitempty"`
	PromotedAt *time.Time `json:"promoted_at,omitempty"`
}

// BankMode is what a match of a bank's items does.
type BankMode string

// The modes.
const (
	// Block: a match is reported to every caller (the default).
	Block BankMode = "block"
	// Allow: the bank lists content known to be harmless (a broadcaster's
	// logo, a flag); a match of it suppresses the other banks' matches of
	// the same reading of the query, and is never a match itself.
	Allow BankMode = "allow"
	// Shadow: a match is recorded and shown to analysts, never reported
	// as a match to crawlers and providers, until an admin promotes the
	// bank to Block.
	Shadow BankMode = "shadow"
)

// BankModes lists the modes.
func BankModes() []BankMode { return []BankMode{Block, Allow, Shadow} }

// ParseBankMode parses a mode's name.
func ParseBankMode(s string) (BankMode, error) {
	m := BankMode(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(BankModes(), m) {
		return "", invalidf("unknown bank mode %q (known: block, allow, shadow)", s)
	}
	return m, nil
}

// EffectiveMode is the bank's mode, Block when none is set.
func (b *Bank) EffectiveMode() BankMode {
	if b.Mode == "" {
		return Block
	}
	return b.Mode
}

// Threshold is the largest distance at which a signal of type t matches an
// item of this bank.
func (b *Bank) Threshold(t signals.Type) int {
	if v, ok := b.Thresholds[t]; ok && !t.Exact() {
		return v
	}
	return t.DefaultThreshold()
}

var bankNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// Validate checks a bank's name, categories and thresholds.
func (b *Bank) Validate() error {
	if !bankNameRE.MatchString(b.Name) {
		return invalidf("bank name %q: use 1-64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit", b.Name)
	}
	for _, c := range b.Categories {
		if !slices.Contains(Categories(), c) {
			return invalidf("bank %s: unknown category %q", b.Name, c)
		}
	}
	for t, v := range b.Thresholds {
		if !t.Valid() || t.Exact() {
			return invalidf("bank %s: a threshold for %s makes no sense", b.Name, t)
		}
		if v < 0 || v > t.Bits()/2 {
			return invalidf("bank %s: %s threshold %d is outside 0..%d", b.Name, t, v, t.Bits()/2)
		}
	}
	if b.Mode != "" && !slices.Contains(BankModes(), b.Mode) {
		return invalidf("bank %s: unknown mode %q (known: block, allow, shadow)", b.Name, b.Mode)
	}
	return nil
}

// ItemStatus says whether an item matches.
type ItemStatus string

// The statuses.
const (
	Active    ItemStatus = "active"
	Retracted ItemStatus = "retracted"
)

// Retraction records why, when and by whom an item was retracted (a false
// positive, a successful complaint) or re-activated.
type Retraction struct {
	Reason string    `json:"reason"`
	By     string    `json:"by,omitempty"`
	At     time.Time `json:"at"`
}

// Item is one known piece of content in a bank. herken keeps its hashes
// and provenance, never the content itself.
type Item struct {
	ID         uint64           `json:"id"`
	Bank       string           `json:"bank"`
	Signals    []signals.Signal `json:"signals"`
	Categories []Category       `json:"categories"`
	Label      string           `json:"label,omitempty"`
	// Reference ties the item to a decision, e.g. a removal-order number.
	Reference string    `json:"reference,omitempty"`
	AddedAt   time.Time `json:"added_at"`
	AddedBy   string    `json:"added_by,omitempty"`
	// PDQQuality is the quality of the item's PDQ hash when known.
	PDQQuality *int `json:"pdq_quality,omitempty"`
	// Video is set for a known video: its Signals then hold the PDQ hashes
	// of its unique frames (vPDQ), found like any PDQ hash.
	Video *VideoInfo `json:"video,omitempty"`
	// Variants are hashes of parts of a known photo (crops), kept when the
	// bank holds the photo itself, so that cropped copies are found; a
	// match through one names it.
	Variants []ItemVariant `json:"variants,omitempty"`
	// Provenance is what the partner's list said of the item, if it came
	// from one.
	Provenance *Provenance `json:"provenance,omitempty"`
	Status     ItemStatus  `json:"status"`
	// Retraction is set while the item is retracted.
	Retraction *Retraction `json:"retraction,omitempty"`
	// Quarantine is set while the item's matches are held back for a
	// flood of matches (see Quarantine).
	Quarantine *Quarantine `json:"quarantine,omitempty"`
	// History lists earlier retractions and re-activations, oldest first.
	History []StatusChange `json:"history,omitempty"`
}

// VideoInfo describes a known video's vPDQ hashes.
type VideoInfo struct {
	// UniqueFrames is the number of distinct frame hashes of quality >=
	// 50: the denominator of the compared-match percentage.
	UniqueFrames int `json:"unique_frames"`
	// Frames is the number of sampled frames.
	Frames int `json:"frames"`
}

// StatusChange is one entry of an item's history.
type StatusChange struct {
	Status ItemStatus `json:"status"`
	Retraction
}

// emptyDigests are the digests of zero bytes, by type.
var emptyDigests = sync.OnceValue(func() map[signals.Type]signals.Signal {
	out := map[signals.Type]signals.Signal{}
	for _, t := range signals.Types() {
		if t.Exact() {
			out[t] = signals.Must(t, t.NewDigest().Sum(nil))
		}
	}
	return out
})

// Validate checks an item before it is stored. Every way an item is added
// (an import, an upload, herken item add) passes here.
func (it *Item) Validate() error {
	if len(it.Signals) == 0 {
		return invalidf("item has no signals")
	}
	for _, s := range it.Signals {
		if !s.Type.Valid() {
			return invalidf("item has a signal of invalid type %d", s.Type)
		}
		if s.Type.Exact() && s == emptyDigests()[s.Type] {
			return invalidf("%s %s is the digest of empty content (zero bytes), not of a known item: "+
				"as a known item it would make every empty file and upload a match", s.Type, s)
		}
	}
	if len(it.Categories) == 0 {
		return invalidf("item has no category (known: %s)", categoryNames())
	}
	for _, c := range it.Categories {
		if !slices.Contains(Categories(), c) {
			return invalidf("unknown category %q", c)
		}
	}
	if len(it.Label) > 1024 || len(it.Reference) > 1024 {
		return invalidf("label and reference are limited to 1024 bytes")
	}
	if err := it.Provenance.validate(); err != nil {
		return err
	}
	return it.validateVariants()
}
