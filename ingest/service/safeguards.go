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

// screen counts the input (the record's signals) against the flood limit
// of the items it matched, counts what the safeguards set apart in l,
// notes it in the audit record (so that a shadow bank's matches are
// recorded while it is on trial, and statistics count what was held
// back), and removes from l what role may not see.
func (h *matchHandlers) screen(role index.Role, rec *index.AuditRecord, l *matcher.Identification) {
	h.flood.observe(rec.Signals, l.Matches)
	for _, m := range l.Shadow {
		h.metrics.set.GetOrCreateCounter(fmt.Sprintf(`herken_shadow_matches_total{bank=%q}`, m.Bank)).Inc()
	}
	for _, m := range l.Suppressed {
		h.metrics.set.GetOrCreateCounter(fmt.Sprintf(`herken_suppressed_matches_total{bank=%q}`, m.Bank)).Inc()
	}
	rec.Shadow = matchedItems(rec.Shadow, l.Shadow)
	rec.Suppressed = matchedItems(rec.Suppressed, l.Suppressed)
	rec.Quarantined = matchedItems(rec.Quarantined, l.Quarantined)
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
	if len(notes) > 0 {
		rec.Detail = strings.TrimPrefix(rec.Detail+"; "+strings.Join(notes, "; "), "; ")
	}
	if !seesSafeguards(role) {
		l.Shadow, l.Allowed, l.Quarantined = nil, nil, nil
	}
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

// screenCall screens l for the caller, noting it in the call's audit
// record.
func (h *matchHandlers) screenCall(c *call, l *matcher.Identification) {
	h.screen(c.who.Role, &c.audit, l)
}

// screenLine screens a batch line's answer for the batch's caller.
func (h *matchHandlers) screenLine(role index.Role, r *batchLineAnswer, rec *index.AuditRecord) {
	switch res := r.Result.(type) {
	case matchAnswer:
		h.screen(role, rec, &res.Identification)
		r.Result = res
	case lookupAnswer:
		h.screen(role, rec, &res.Identification)
		r.Result = res
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
