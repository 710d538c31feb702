package main

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/atkm/herken/index"
)

const auditUsage = `[--since DATE] [--until DATE] [--key-id ID] [--action NAME] [--limit N] [--json] [--server URL --key KEY | --cluster URLS]

Reads the audit log: who asked what, with which hashes, and the decision.
Records older than the retention period have been removed by the engine.
While herken serve holds the index, read it through the service with
--server and an admin key. With --cluster (no --data), it reads the
cluster's audit stream, which holds the records of every replica.`

func runAudit(ctx context.Context, args []string, io *stdio) error {
	fs := newFlagSet("audit", auditUsage, io)
	data := dataFlag(fs)
	since := fs.String("since", "", "from this date (2026-11-01) or RFC 3339 time")
	until := fs.String("until", "", "before this date or time")
	key := fs.String("key-id", "", "only this key id")
	action := fs.String("action", "", "only this action (match, match_url, lookup, batch, item_retract, ...)")
	limit := fs.Int("limit", 100, "at most this many records")
	asJSON := fs.Bool("json", false, "write one JSON record per line")
	server := serverFlags(fs, "an admin key")
	clusterURLs := clusterFlag(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	rem := server()
	if rem == nil && flagSet(fs, "key") {
		// Before --server, --key selected records by key id.
		return usagef("--key is the API key for --server; to select records by key id, use --key-id ID")
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
	var recs []index.AuditRecord
	switch {
	case *clusterURLs != "" && (rem != nil || flagSet(fs, "data")):
		return usagef("--cluster reads the cluster's audit stream: not with --server or --data")
	case *clusterURLs != "":
		recs, err = readClusterAudit(ctx, *clusterURLs, q)
	default:
		recs, err = readAudit(ctx, rem, *data, q)
	}
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		// An empty answer is not an error, but silence would look like one.
		msg := "no records"
		if q != (index.AuditQuery{Limit: q.Limit}) {
			msg = "no records match these filters"
		}
		if *asJSON {
			fmt.Fprintln(io.err, "herken audit: "+msg)
		} else {
			fmt.Fprintln(io.out, msg)
		}
		return nil
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

// readAudit reads the records from the data folder, or through a running
// service when rem is set.
func readAudit(ctx context.Context, rem *remote, data string, q index.AuditQuery) ([]index.AuditRecord, error) {
	if rem == nil {
		s, err := openForReading(data)
		if err != nil {
			return nil, err
		}
		defer s.Close()
		return s.AuditLog().Query(q)
	}
	v := url.Values{}
	for name, val := range map[string]string{"key": q.KeyID, "action": q.Action} {
		if val != "" {
			v.Set(name, val)
		}
	}
	for name, t := range map[string]time.Time{"since": q.Since, "until": q.Until} {
		if !t.IsZero() {
			v.Set(name, t.Format(time.RFC3339))
		}
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out struct{ Records []index.AuditRecord }
	err := rem.get(ctx, "/v1/audit", v, &out)
	return out.Records, err
}
