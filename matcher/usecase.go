package matcher

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrEmpty is returned for an empty input: there is nothing to match, and
// the digests of nothing are never a known item's.
var ErrEmpty = errors.New("matcher: the input is empty: there is nothing to match")

// MatcherConfig configures a Matcher.
type MatcherConfig struct {
	// Hasher computes the signals of content (required for Match).
	Hasher *Hasher
	// Known is the index of known content (required).
	Known KnownContent
	// Rule is the decision rule; zero fields take DefaultRule's values.
	Rule Rule
	// NoDihedral turns off looking up PDQ's rotations and flips of a
	// photo (the regions found inside it are still looked up).
	NoDihedral bool
}

// Matcher is herken's match use case, its one home: hash the input, look
// every query up in the known content, apply the decision rule, and build
// the result with its evidence. The service's upload, URL and batch
// endpoints and the command line all match through it, with one policy:
//
//   - empty content is refused (ErrEmpty);
//   - a photo or video that cannot be decoded, a decompression bomb
//     (too_large) among them, still has its exact digests matched, and
//     the result says why its perceptual signals are missing;
//   - PDQ hashes below the quality gate are not matched, and the result
//     says so;
//   - a photo is also looked up through its dihedral variants (unless
//     NoDihedral) and through the pictures found inside it, a video by
//     vPDQ;
//   - 64-bit hashes never decide alone (Identify).
//
// A Matcher is safe for concurrent use.
type Matcher struct {
	cfg MatcherConfig
}

// NewMatcher returns the use case for cfg.
func NewMatcher(cfg MatcherConfig) (*Matcher, error) {
	if cfg.Known == nil {
		return nil, errors.New("matcher: a Matcher needs the known content")
	}
	cfg.Rule = cfg.Rule.withDefaults()
	return &Matcher{cfg: cfg}, nil
}

// Match reads r to the end, hashes it and identifies it. It fails only
// when r or the index fails, or r is empty; see Matcher for the policy.
func (m *Matcher) Match(ctx context.Context, r io.Reader) (Result, error) {
	if m.cfg.Hasher == nil {
		return Result{}, errors.New("matcher: this Matcher has no hasher")
	}
	hs, err := m.cfg.Hasher.Hash(ctx, r)
	if err != nil {
		return Result{}, err
	}
	return m.MatchHashes(hs)
}

// MatchBytes is Match for content already in memory.
func (m *Matcher) MatchBytes(ctx context.Context, b []byte) (Result, error) {
	if m.cfg.Hasher == nil {
		return Result{}, errors.New("matcher: this Matcher has no hasher")
	}
	if len(b) == 0 {
		return Result{}, ErrEmpty
	}
	return m.MatchHashes(m.cfg.Hasher.HashBytes(ctx, b))
}

// MatchHashes identifies content already hashed.
func (m *Matcher) MatchHashes(hs *Hashes) (Result, error) {
	if hs.Size == 0 {
		return Result{}, ErrEmpty
	}
	l, err := m.MatchSignals(Queries(hs, !m.cfg.NoDihedral))
	if err != nil {
		return Result{}, err
	}
	r := NewResult(hs, l)
	r.PhotoErr, r.VideoErr = hs.PhotoErr, hs.VideoErr
	return r, nil
}

// MatchSignals identifies bare hashes (a provider's hash-only check).
func (m *Matcher) MatchSignals(queries []Query) (Identification, error) {
	l, err := Identify(m.cfg.Known, queries, m.cfg.Rule)
	if err != nil {
		return Identification{}, fmt.Errorf("matcher: %w", err)
	}
	return l, nil
}
