package main

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/atkm/herken/index"
)

const reportUsage = `--from DATE --to DATE [--json | --csv] [--data DIR | --server URL --key KEY]

The transparency statistics of a period, both days included (UTC; live,
today included): inputs checked by channel (upload, url, hash, batch),
matches, distinct items matched, the matches the safeguards held back,
analysts' verdicts, retractions with their reasons and quarantines, in
total, per bank and per category of Regulation 2021/784 art. 2(7).
They are counted from the audit log and the items' histories, and
outlive the audit log's retention as aggregates without personal data.`

func runReport(ctx context.Context, args []string, io *stdio) error {
	fs := newFlagSet("report", reportUsage, io)
	data := dataFlag(fs)
	fromS := fs.String("from", "", "first day, YYYY-MM-DD (required)")
	toS := fs.String("to", "", "last day, YYYY-MM-DD (required)")
	asJSON := fs.Bool("json", false, "write the report as JSON")
	asCSV := fs.Bool("csv", false, "write the report as CSV")
	server := serverFlags(fs, "an analyst key suffices")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *fromS == "" || *toS == "" {
		return usagef("report needs --from DATE and --to DATE (YYYY-MM-DD)")
	}
	if *asJSON && *asCSV {
		return usagef("--json or --csv, not both")
	}
	from, err := time.Parse("2006-01-02", *fromS)
	if err != nil {
		return usagef("--from %q is not a date YYYY-MM-DD", *fromS)
	}
	to, err := time.Parse("2006-01-02", *toS)
	if err != nil {
		return usagef("--to %q is not a date YYYY-MM-DD", *toS)
	}
	if to.Before(from) {
		return usagef("--to %s is before --from %s", *toS, *fromS)
	}
	var rep index.Report
	if rem := server(); rem != nil {
		err = rem.get(ctx, "/v1/report", url.Values{"from": {*fromS}, "to": {*toS}}, &rep)
	} else {
		var s *index.DB
		if s, err = openForReading(*data); err != nil {
			return err
		}
		defer s.Close()
		rep, err = s.Report(from, to)
	}
	if err != nil {
		return err
	}
	switch {
	case *asJSON:
		return writeJSON(io.out, rep)
	case *asCSV:
		return rep.WriteCSV(io.out)
	}
	printReport(io, rep)
	return nil
}

func printReport(io *stdio, r index.Report) {
	fmt.Fprintf(io.out, "herken report %s to %s\n", r.From, r.To)
	fmt.Fprintf(io.out, "  inputs checked: %d (upload %d, url %d, hash %d, batch %d)\n", r.Inputs,
		r.InputsByChannel["upload"], r.InputsByChannel["url"], r.InputsByChannel["hash"], r.InputsByChannel["batch"])
	fmt.Fprintf(io.out, "  matches: %d, of %d distinct items\n", r.Matches, r.ItemsMatched)
	fmt.Fprintf(io.out, "  held back: %d shadow matches, %d suppressed by allow-lists, %d quarantined\n", r.Shadow, r.Suppressed, r.Quarantined)
	fmt.Fprintf(io.out, "  verdicts: %d confirmed, %d false positive; retractions: %d; quarantines: %d\n",
		r.Confirmed, r.FalsePositive, r.Retractions, r.Quarantines)
	tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', 0)
	for _, part := range []struct {
		title string
		m     map[string]*index.Tally
	}{{"BANK", r.Banks}, {"CATEGORY", r.Categories}} {
		if len(part.m) == 0 {
			continue
		}
		fmt.Fprintf(tw, "\n%s\tMATCHES\tITEMS\tSHADOW\tSUPPRESSED\tQUARANTINED\tCONFIRMED\tFALSE POS.\tRETRACTIONS\tQUARANTINES\n", part.title)
		names := make([]string, 0, len(part.m))
		for n := range part.m {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			t := part.m[n]
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", n, t.Matches, t.ItemsMatched, t.Shadow, t.Suppressed,
				t.Quarantined, t.Confirmed, t.FalsePositive, t.Retractions, t.Quarantines)
		}
	}
	tw.Flush()
	for _, x := range r.RetractionList {
		fmt.Fprintf(io.out, "  retracted %s: item %d in bank %s: %s\n", x.At.Format("2006-01-02"), x.ItemID, x.Bank, x.Reason)
	}
}
