package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/atkm/herken/matcher"
)

const bankUsage = `list | show NAME | create NAME [flags] | update NAME [flags] | enable NAME | disable NAME

create and update take:
  --description TEXT  --source TEXT  --category C[,C]  --threshold TYPE=N[,TYPE=N]
create also takes --disabled

While herken serve holds the index, list and show read through it with
--server URL --key KEY (an analyst key; env HERKEN_SERVER, HERKEN_KEY).`

func runBank(ctx context.Context, args []string, io *stdio) error {
	fs := newFlagSet("bank", bankUsage, io)
	data := dataFlag(fs)
	asJSON := fs.Bool("json", false, "write JSON")
	desc := fs.String("description", "", "what the bank holds")
	source := fs.String("source", "", "where the list comes from (an exchange, a partner, a team)")
	cats := fs.String("category", "", "default categories of the bank's items: "+strings.Join(categoryNames(), ", "))
	thresholds := fs.String("threshold", "", "per-type match thresholds, e.g. pdq=24,phash=8")
	disabled := fs.Bool("disabled", false, "create the bank disabled (it matches nothing until enabled)")
	server := serverFlags(fs, "an analyst key suffices; list and show only")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return usagef("which bank subcommand?")
	}
	verb, pos := pos[0], pos[1:]
	if verb != "list" && len(pos) != 1 {
		return usagef("bank %s takes one bank name", verb)
	}
	readOnly := verb == "list" || verb == "show"
	if rem := server(); rem != nil {
		if !readOnly {
			return usagef("bank %s changes the index: with --server only list and show (change banks with POST or PATCH /v1/banks)", verb)
		}
		return bankRemote(ctx, rem, verb, pos, *asJSON, io)
	}
	open := openStore
	if readOnly {
		open = openForReading
	}
	s, err := open(*data)
	if err != nil {
		return err
	}
	defer s.Close()

	set := func(b *matcher.Bank) error {
		seen := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { seen[f.Name] = true })
		if seen["description"] {
			b.Description = *desc
		}
		if seen["source"] {
			b.Source = *source
		}
		if seen["category"] {
			c, err := matcher.ParseCategories(*cats)
			if err != nil {
				return usagef("--category: %v", err)
			}
			b.Categories = c
		}
		if seen["threshold"] {
			th, err := parseThresholds(*thresholds)
			if err != nil {
				return usagef("--threshold: %v", err)
			}
			if b.Thresholds == nil {
				b.Thresholds = map[matcher.SignalType]int{}
			}
			for t, v := range th {
				b.Thresholds[t] = v
			}
		}
		return nil
	}
	show := func(b matcher.Bank) error {
		if *asJSON {
			return writeJSON(io.out, b)
		}
		printBank(io, b)
		return nil
	}

	switch verb {
	case "list":
		return printBanks(io, s.Banks(), *asJSON)
	case "show":
		b, err := s.Bank(pos[0])
		if err != nil {
			return err
		}
		return show(b)
	case "create":
		b := matcher.Bank{Name: pos[0], Enabled: !*disabled, CreatedBy: actor()}
		if err := set(&b); err != nil {
			return err
		}
		if _, err := s.CreateBank(b); err != nil {
			return err
		}
		b, err = s.Bank(b.Name)
		if err != nil {
			return err
		}
		return show(b)
	case "update", "enable", "disable":
		b, err := s.UpdateBank(pos[0], func(b *matcher.Bank) error {
			switch verb {
			case "enable":
				b.Enabled = true
			case "disable":
				b.Enabled = false
			}
			return set(b)
		})
		if err != nil {
			return err
		}
		return show(b)
	}
	return usagef("unknown bank subcommand %q", verb)
}

// bankRemote lists or shows banks through a running service.
func bankRemote(ctx context.Context, rem *remote, verb string, pos []string, asJSON bool, io *stdio) error {
	if verb == "list" {
		var out struct{ Banks []matcher.Bank }
		if err := rem.get(ctx, "/v1/banks", nil, &out); err != nil {
			return err
		}
		return printBanks(io, out.Banks, asJSON)
	}
	var b matcher.Bank
	if err := rem.get(ctx, "/v1/banks/"+url.PathEscape(pos[0]), nil, &b); err != nil {
		return err
	}
	if asJSON {
		return writeJSON(io.out, b)
	}
	printBank(io, b)
	return nil
}

func printBanks(io *stdio, banks []matcher.Bank, asJSON bool) error {
	if asJSON {
		if banks == nil {
			banks = []matcher.Bank{}
		}
		return writeJSON(io.out, banks)
	}
	tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tENABLED\tSOURCE\tCATEGORIES\tDESCRIPTION")
	for _, b := range banks {
		fmt.Fprintf(tw, "%s\t%v\t%s\t%s\t%s\n", b.Name, b.Enabled, b.Source, joinCategories(b.Categories), b.Description)
	}
	return tw.Flush()
}

func printBank(io *stdio, b matcher.Bank) {
	fmt.Fprintf(io.out, "bank %s\n  enabled:     %v\n", b.Name, b.Enabled)
	if b.Description != "" {
		fmt.Fprintf(io.out, "  description: %s\n", b.Description)
	}
	if b.Source != "" {
		fmt.Fprintf(io.out, "  source:      %s\n", b.Source)
	}
	fmt.Fprintf(io.out, "  categories:  %s\n", joinCategories(b.Categories))
	var th []string
	for _, t := range matcher.SignalTypes() {
		if !t.Exact() {
			th = append(th, fmt.Sprintf("%s=%d", t, b.Threshold(t)))
		}
	}
	fmt.Fprintf(io.out, "  thresholds:  %s\n  created:     %s by %s\n", strings.Join(th, " "),
		b.CreatedAt.Format("2006-01-02 15:04:05Z"), b.CreatedBy)
}

func parseThresholds(s string) (map[matcher.SignalType]int, error) {
	out := map[matcher.SignalType]int{}
	for _, kv := range strings.Split(s, ",") {
		name, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return nil, fmt.Errorf("%q is not TYPE=N", kv)
		}
		t, err := matcher.ParseSignalType(name)
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", kv, err)
		}
		out[t] = n
	}
	return out, nil
}

func categoryNames() []string {
	var out []string
	for _, c := range matcher.Categories() {
		out = append(out, string(c))
	}
	return out
}

func joinCategories(cs []matcher.Category) string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c))
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, ",")
}
