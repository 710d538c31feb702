package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/atkm/herken/index"
)

const auditUsage = `[--since DATE] [--until DATE] [--key ID] [--action NAME] [--limit N] [--json]

Reads the audit log: who asked what, with which hashes, and the decision.
Records older than the retention period have been removed by the engine.`

func runAudit(_ context.Context, args []string, io *stdio) error {
	fs := newFlagSet("audit", auditUsage, io)
	data := dataFlag(fs)
	since := fs.String("since", "", "from this date (2026-11-01) or RFC 3339 time")
	until := fs.String("until", "", "before this date or time")
	key := fs.String("key", "", "only this key id")
	action := fs.String("action", "", "only this action (match, match_url, lookup, batch, item_retract, ...)")
	limit := fs.Int("limit", 100, "at most this many records")
	asJSON := fs.Bool("json", false, "write one JSON record per line")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	q := index.AuditQuery{KeyID: *key, Action: *action, Limit: *limit}
	var err error
	if *since != "" {
		if q.Since, err = parseDate(*since); err != nil {
			return usagef("--since: %v", err)
		}
	}
	if *until != "" {
		if q.Until, err = parseDate(*until); err != nil {
			return usagef("--until: %v", err)
		}
	}
	s, err := openStore(*data)
	if err != nil {
		return err
	}
	defer s.Close()
	recs, err := s.AuditLog(q)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if *asJSON {
			if err := writeJSON(io.out, r); err != nil {
				return err
			}
			continue
		}
		var sigs []string
		for _, sig := range r.Signals {
			sigs = append(sigs, sig.Type.String()+":"+sig.String()[:min(12, len(sig.String()))]+"…")
		}
		fmt.Fprintf(io.out, "%s  %-12s %-8s %-14s %3d %-8s", r.Time.Format("2006-01-02 15:04:05Z"), r.KeyID, r.Role, r.Action, r.Status, r.Decision)
		if r.URL != "" {
			fmt.Fprintf(io.out, " url=%s", r.URL)
		}
		if len(r.Matched) > 0 {
			fmt.Fprintf(io.out, " items=%v", r.Matched)
		}
		if len(sigs) > 0 {
			fmt.Fprintf(io.out, " %s", strings.Join(sigs, " "))
		}
		if r.Detail != "" {
			fmt.Fprintf(io.out, " (%s)", r.Detail)
		}
		fmt.Fprintln(io.out)
	}
	return nil
}
