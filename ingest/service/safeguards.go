package service

import (
	"fmt"
	"strings"
	"time"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
)

// seesSafeguards reports whether a role is shown what the safeguards set
// apart: the matches of shadow banks, of allow-lists and of quarantined
// items. Crawlers and
// providers act on matches, so they see only the matches herken stands
// behind and the ones an allow-list suppressed (a reason not to act).
func seesSafeguards(role index.Role) bool {
	return role == index.RoleAnalyst || role == index.RoleAdmin
}

// screen counts the input (its signals) against the flood limit of the
// items it matched, counts what the safeguards set apart in l, removes
// from it what role may not see, and returns the words the audit record
// keeps of it, so that a shadow bank's matches are recorded while it is
// on trial.
func (h *matchHandlers) screen(role index.Role, sigs []matcher.Signal, l *matcher.Identification) string {
	h.flood.observe(sigs, l.Matches)
	for _, m := range l.Shadow {
		h.metrics.set.GetOrCreateCounter(fmt.Sprintf(`herken_shadow_matches_total{bank=%q}`, m.Bank)).Inc()
	}
	for _, m := range l.Suppressed {
		h.metrics.set.GetOrCreateCounter(fmt.Sprintf(`herken_suppressed_matches_total{bank=%q}`, m.Bank)).Inc()
	}
	var notes []string
	if len(l.Shadow) > 0 {
		notes = append(notes, "shadow matches: "+itemList(l.Shadow, false))
	}
	if len(l.Suppressed) > 0 {
		notes = append(notes, "suppressed by allow-lists: "+itemList(l.Suppressed, true))
	}
	if len(l.Quarantined) > 0 {
		notes = append(notes, "quarantined: "+itemList(l.Quarantined, false))
	}
	if !seesSafeguards(role) {
		l.Shadow, l.Allowed, l.Quarantined = nil, nil, nil
	}
	return strings.Join(notes, "; ")
}

// itemList names the items of ms once each, "5 (bank b)" or with the
// allow-list item that suppressed it, "5 (bank b, by 17)".
func itemList(ms []matcher.Match, by bool) string {
	var out []string
	seen := map[uint64]bool{}
	for _, m := range ms {
		if seen[m.ItemID] {
			continue
		}
		seen[m.ItemID] = true
		s := fmt.Sprintf("%d (bank %s", m.ItemID, m.Bank)
		if by {
			s += fmt.Sprintf(", by %d", m.SuppressedBy)
		}
		out = append(out, s+")")
	}
	return strings.Join(out, ", ")
}

// screenCall screens l for the caller and notes it in the call's audit
// record.
func (h *matchHandlers) screenCall(c *call, l *matcher.Identification) {
	if note := h.screen(c.who.Role, c.audit.Signals, l); note != "" {
		c.audit.Detail = strings.TrimPrefix(c.audit.Detail+"; "+note, "; ")
	}
}

// screenLine screens a batch line's answer for the batch's caller.
func (h *matchHandlers) screenLine(role index.Role, r *batchLineAnswer, rec *index.AuditRecord) {
	var note string
	switch res := r.Result.(type) {
	case matchAnswer:
		note = h.screen(role, rec.Signals, &res.Identification)
		r.Result = res
	case lookupAnswer:
		note = h.screen(role, rec.Signals, &res.Identification)
		r.Result = res
	}
	if note != "" {
		rec.Detail = strings.TrimPrefix(rec.Detail+"; "+note, "; ")
	}
}

// promote records who promoted a bank from shadow mode to blocking, when
// its mode changed so.
func promote(b *matcher.Bank, from matcher.BankMode, actor string) {
	if from != matcher.Shadow || b.EffectiveMode() != matcher.Block {
		return
	}
	now := time.Now().UTC()
	b.PromotedBy, b.PromotedAt = actor, &now
}
