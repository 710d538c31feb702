package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/atkm/herken/index"
)

// keysCommand is "herken keys": API keys, created, listed and revoked in
// the data folder. The service must be stopped (the index is used by one
// process at a time); with it running, keys are made with POST /v1/keys.
func keysCommand() group {
	return group{name: "keys", verbs: []verb{
		{name: "create", summary: "create a key and print it, once", define: keysCreate,
			usage: "--role admin|analyst|crawler|provider --name NAME [--expires DATE] [--json] [--cluster URLS]\n\n" +
				"The key is printed once; only its hash is stored. DATE is 2027-01-31\nor an RFC 3339 time."},
		{name: "list", summary: "list the keys (never the keys themselves)", usage: "[--json] [--cluster URLS]", define: keysList},
		{name: "revoke", summary: "revoke a key at once", usage: "ID [--json] [--cluster URLS]", define: keysRevoke},
	}, doc: `The service must be stopped (the index is used by one process at a time);
with it running, use POST /v1/keys. With --cluster (no --data), the keys
are the cluster's, in effect on every replica within a second.`}
}

func keysCreate(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	data, asJSON, clusterURLs := dataFlag(fs), jsonFlag(fs), clusterFlag(fs)
	role := fs.String("role", "", "the key's role: admin, analyst, crawler or provider (required)")
	name := fs.String("name", "", "who or what the key is for")
	expires := fs.String("expires", "", "expiry date (2027-01-31) or time (RFC 3339)")
	return func(ctx context.Context, pos []string) error {
		if len(pos) != 0 {
			return usagef("keys create takes no arguments")
		}
		r, err := index.ParseRole(*role)
		if err != nil {
			return usagef("--role: %v", err)
		}
		var exp *time.Time
		if *expires != "" {
			t, err := parseDate(*expires)
			if err != nil {
				return usagef("--expires: %v", err)
			}
			exp = &t
		}
		ks, done, err := openKeyStore(ctx, *data, *clusterURLs, flagSet(fs, "data"))
		if err != nil {
			return err
		}
		defer done()
		rec, key, err := ks.Create(*name, r, exp, actor())
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(io.out, map[string]any{"key": key, "record": rec})
		}
		fmt.Fprintf(io.out, "%s\n", key)
		fmt.Fprintf(io.err, "key %s (%s, role %s) created; it is shown only now: store it safely\n", rec.ID, rec.Name, rec.Role)
		return nil
	}
}

func keysList(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	data, asJSON, clusterURLs := dataFlag(fs), jsonFlag(fs), clusterFlag(fs)
	return func(ctx context.Context, pos []string) error {
		if len(pos) != 0 {
			return usagef("keys list takes no arguments")
		}
		ks, done, err := openKeyStore(ctx, *data, *clusterURLs, flagSet(fs, "data"))
		if err != nil {
			return err
		}
		defer done()
		keys := ks.List()
		if *asJSON {
			return writeJSON(io.out, keys)
		}
		tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tROLE\tNAME\tCREATED\tEXPIRES\tSTATE")
		for _, k := range keys {
			state, exp := "active", "-"
			if k.ExpiresAt != nil {
				exp = k.ExpiresAt.Format("2006-01-02")
				if !time.Now().Before(*k.ExpiresAt) {
					state = "expired"
				}
			}
			if k.RevokedAt != nil {
				state = "revoked " + k.RevokedAt.Format("2006-01-02")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Role, k.Name, k.CreatedAt.Format("2006-01-02"), exp, state)
		}
		return tw.Flush()
	}
}

func keysRevoke(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	data, asJSON, clusterURLs := dataFlag(fs), jsonFlag(fs), clusterFlag(fs)
	return func(ctx context.Context, pos []string) error {
		if len(pos) != 1 {
			return usagef("keys revoke takes one key id")
		}
		ks, done, err := openKeyStore(ctx, *data, *clusterURLs, flagSet(fs, "data"))
		if err != nil {
			return err
		}
		defer done()
		rec, err := ks.Revoke(pos[0], actor())
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(io.out, rec)
		}
		fmt.Fprintf(io.out, "key %s (%s) revoked\n", rec.ID, rec.Name)
		return nil
	}
}
