package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/atkm/herken/index"
)

const keysUsage = `create --role admin|analyst|crawler|provider --name NAME [--expires DATE]
       | list
       | revoke ID

The key is printed once by create; only its hash is stored. DATE is
2027-01-31 or an RFC 3339 time. The service must be stopped (the index is
used by one process at a time); with it running, use POST /v1/keys.`

func runKeys(_ context.Context, args []string, io *stdio) error {
	fs := newFlagSet("keys", keysUsage, io)
	data := dataFlag(fs)
	role := fs.String("role", "", "the key's role: admin, analyst, crawler or provider")
	name := fs.String("name", "", "who or what the key is for")
	expires := fs.String("expires", "", "expiry date (2027-01-31) or time (RFC 3339)")
	asJSON := fs.Bool("json", false, "write JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return usagef("which keys subcommand?")
	}
	s, err := openStore(*data)
	if err != nil {
		return err
	}
	defer s.Close()
	switch pos[0] {
	case "create":
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
		rec, key, err := s.CreateKey(*name, r, exp, actor())
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(io.out, map[string]any{"key": key, "record": rec})
		}
		fmt.Fprintf(io.out, "%s\n", key)
		fmt.Fprintf(io.err, "key %s (%s, role %s) created; it is shown only now: store it safely\n", rec.ID, rec.Name, rec.Role)
		return nil
	case "list":
		keys := s.Keys()
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
	case "revoke":
		if len(pos) != 2 {
			return usagef("keys revoke takes one key id")
		}
		rec, err := s.RevokeKey(pos[1], actor())
		if err != nil {
			return err
		}
		fmt.Fprintf(io.out, "key %s (%s) revoked\n", rec.ID, rec.Name)
		return nil
	}
	return usagef("unknown keys subcommand %q", pos[0])
}

// parseDate reads 2027-01-31 (midnight UTC) or an RFC 3339 time.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}
