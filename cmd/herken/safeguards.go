package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/matcher"
)

const modeDoc = "block (matches are reported), allow (an item suppresses the other banks' matches of the same content) " +
	"or shadow (matches are shown to analysts only, until the bank is promoted)"

// promoted records who promoted b when its mode went from shadow to
// block.
func promoted(b *matcher.Bank, from matcher.BankMode) {
	if from == matcher.Shadow && b.EffectiveMode() == matcher.Block {
		now := time.Now().UTC()
		b.PromotedBy, b.PromotedAt = actor(), &now
	}
}

// bankPromote is "herken bank promote NAME": a shadow bank starts
// blocking. Only a shadow bank is promoted: promoting an allow bank would
// turn harmless content into matches.
func bankPromote(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	data, asJSON := dataFlag(fs), jsonFlag(fs)
	clusterURLs := clusterFlag(fs)
	return func(ctx context.Context, pos []string) error {
		return changeBankIn(ctx, io, *data, *clusterURLs, "promote", pos, func(b *matcher.Bank) error {
			if b.EffectiveMode() != matcher.Shadow {
				return fmt.Errorf("herken: bank %s is in %s mode, not shadow: only a shadow bank is promoted", b.Name, b.EffectiveMode())
			}
			b.Mode = matcher.Block
			promoted(b, matcher.Shadow)
			return nil
		}, *asJSON)
	}
}

// itemFeedback is "herken item feedback ID --verdict V --note TEXT".
func itemFeedback(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	data, asJSON := dataFlag(fs), jsonFlag(fs)
	verdict := fs.String("verdict", "", "confirmed or false_positive (required)")
	note := fs.String("note", "", "why (recorded with the verdict)")
	return func(_ context.Context, pos []string) error {
		id, err := itemID("feedback", pos)
		if err != nil {
			return err
		}
		if *verdict == "" {
			return usagef("item feedback needs --verdict confirmed or --verdict false_positive")
		}
		v, err := matcher.ParseVerdict(*verdict)
		if err != nil {
			return usagef("--verdict: %v", err)
		}
		s, err := openStore(*data)
		if err != nil {
			return err
		}
		defer s.Close()
		f, err := s.Content().AddFeedback(id, matcher.FeedbackEntry{Verdict: v, Note: *note, By: actor()})
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(io.out, f)
		}
		fmt.Fprintf(io.out, "item %d: %d confirmed, %d false positive; last: %s by %s: %s\n",
			id, f.Confirmed, f.FalsePositive, f.Last.Verdict, f.Last.By, f.Last.Note)
		return nil
	}
}

// printSetApart says which matches the safeguards set apart: those an
// allow-list suppressed, and those of shadow banks (the command line reads
// the index as an analyst would).
func printSetApart(w io.Writer, l matcher.Identification) {
	for _, m := range l.Suppressed {
		fmt.Fprintf(w, "  not a match: item %d in bank %s (%s): %s\n", m.ItemID, m.Bank, m.Label, m.Reason)
	}
	for _, m := range l.Shadow {
		fmt.Fprintf(w, "  shadow match (bank %s is in shadow mode): item %d (%s): %s\n", m.Bank, m.ItemID, m.Label, m.Explain())
	}
}

// itemRelease is "herken item release ID --reason TEXT": an item
// quarantined for a flood of matches matches again.
func itemRelease(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	data, asJSON := dataFlag(fs), jsonFlag(fs)
	reason := fs.String("reason", "", "why its matches are right (required; recorded)")
	clusterURLs := clusterFlag(fs)
	return func(ctx context.Context, pos []string) error {
		id, err := itemID("release", pos)
		if err != nil {
			return err
		}
		if strings.TrimSpace(*reason) == "" {
			return usagef("item release needs --reason")
		}
		if *clusterURLs != "" {
			return publishChange(ctx, io, *clusterURLs, fmt.Sprintf("item %d", id), cluster.Change{Op: cluster.OpRelease, ID: id, Reason: *reason, By: actor()}, *asJSON)
		}
		s, err := openStore(*data)
		if err != nil {
			return err
		}
		defer s.Close()
		it, err := s.Content().Release(id, *reason, actor())
		if err != nil {
			return err
		}
		return showItem(io, it, *asJSON)
	}
}
