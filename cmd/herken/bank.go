package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/matcher"
)

// bankCommand is "herken bank": one verb per change to a bank.
func bankCommand() group {
	const readThrough = "[--json] [--data DIR | --server URL --key KEY]"
	const api = "change banks with POST or PATCH /v1/banks"
	return group{name: "bank", verbs: []verb{
		{name: "list", summary: "list the banks", usage: readThrough, define: bankList},
		{name: "show", summary: "show one bank", usage: "NAME " + readThrough, define: bankShow},
		{name: "create", summary: "create a bank", define: bankCreate, api: api,
			usage: "NAME [--description TEXT] [--source TEXT] [--category C[,C]] [--threshold TYPE=N[,TYPE=N]] [--mode block|allow|shadow] [--disabled] [--json]"},
		{name: "update", summary: "change a bank's description, source, categories, thresholds or mode", define: bankUpdate, api: api,
			usage: "NAME [--description TEXT] [--source TEXT] [--category C[,C]] [--threshold TYPE=N[,TYPE=N]] [--mode block|allow|shadow] [--json]\n\nOnly the flags given change."},
		{name: "promote", summary: "turn a shadow bank into a blocking one, recording who did", usage: "NAME [--json]", define: bankPromote, api: api},
		{name: "enable", summary: "let a bank's items match", usage: "NAME [--json]", define: bankEnabler(true), api: api},
		{name: "disable", summary: "keep a bank's items but match none of them", usage: "NAME [--json]", define: bankEnabler(false), api: api},
	}, doc: `While herken serve holds the index, list and show read through it with
--server URL --key KEY (an analyst key; env HERKEN_SERVER, HERKEN_KEY).`}
}

// bankFlags are the flags of a verb that reads banks: local or remote.
type bankFlags struct {
	data   *string
	asJSON *bool
	server func() *remote
}

func newBankFlags(fs *flag.FlagSet) bankFlags {
	return bankFlags{data: dataFlag(fs), asJSON: jsonFlag(fs), server: serverFlags(fs, "an analyst key suffices")}
}

func bankList(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	f := newBankFlags(fs)
	return func(ctx context.Context, pos []string) error {
		if len(pos) != 0 {
			return usagef("bank list takes no arguments")
		}
		if rem := f.server(); rem != nil {
			var out struct{ Banks []matcher.Bank }
			if err := rem.get(ctx, "/v1/banks", nil, &out); err != nil {
				return err
			}
			return printBanks(io, out.Banks, *f.asJSON)
		}
		s, err := openForReading(*f.data)
		if err != nil {
			return err
		}
		defer s.Close()
		return printBanks(io, s.Content().Banks(), *f.asJSON)
	}
}

func bankShow(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	f := newBankFlags(fs)
	return func(ctx context.Context, pos []string) error {
		name, err := bankName("show", pos)
		if err != nil {
			return err
		}
		var b matcher.Bank
		if rem := f.server(); rem != nil {
			err = rem.get(ctx, "/v1/banks/"+url.PathEscape(name), nil, &b)
		} else {
			b, err = readBank(*f.data, name)
		}
		if err != nil {
			return err
		}
		return showBank(io, b, *f.asJSON)
	}
}

func readBank(data, name string) (matcher.Bank, error) {
	s, err := openForReading(data)
	if err != nil {
		return matcher.Bank{}, err
	}
	defer s.Close()
	return s.Content().Bank(name)
}

func bankName(verb string, pos []string) (string, error) {
	if len(pos) != 1 {
		return "", usagef("bank %s takes one bank name", verb)
	}
	return pos[0], nil
}

// bankFieldFlags adds the flags that set a bank's fields; the returned
// func sets those given on the command line, and only those.
func bankFieldFlags(fs *flag.FlagSet) func(b *matcher.Bank) error {
	desc := fs.String("description", "", "what the bank holds")
	source := fs.String("source", "", "where the list comes from (an exchange, a partner, a team)")
	cats := fs.String("category", "", "default categories of the bank's items: "+strings.Join(categoryNames(), ", "))
	thresholds := fs.String("threshold", "", "per-type match thresholds, e.g. pdq=24,phash=8")
	mode := fs.String("mode", "", modeDoc)
	return func(b *matcher.Bank) error {
		if flagSet(fs, "mode") {
			from := b.EffectiveMode()
			m, err := matcher.ParseBankMode(*mode)
			if err != nil {
				return usagef("--mode: %v", err)
			}
			b.Mode = m
			promoted(b, from)
		}
		if flagSet(fs, "description") {
			b.Description = *desc
		}
		if flagSet(fs, "source") {
			b.Source = *source
		}
		if flagSet(fs, "category") {
			c, err := matcher.ParseCategories(*cats)
			if err != nil {
				return usagef("--category: %v", err)
			}
			b.Categories = c
		}
		if flagSet(fs, "threshold") {
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
}

func bankCreate(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	data, asJSON := dataFlag(fs), jsonFlag(fs)
	set := bankFieldFlags(fs)
	disabled := fs.Bool("disabled", false, "create the bank disabled (it matches nothing until enabled)")
	clusterURLs := clusterFlag(fs)
	return func(ctx context.Context, pos []string) error {
		name, err := bankName("create", pos)
		if err != nil {
			return err
		}
		b := matcher.Bank{Name: name, Enabled: !*disabled, CreatedBy: actor()}
		if err := set(&b); err != nil {
			return err
		}
		if *clusterURLs != "" {
			if err := b.Validate(); err != nil {
				return err
			}
			return publishChange(ctx, io, *clusterURLs, "bank "+b.Name, cluster.Change{Op: cluster.OpCreateBank, Bank: &b}, *asJSON)
		}
		s, err := openStore(*data)
		if err != nil {
			return err
		}
		defer s.Close()
		if _, err := s.Content().CreateBank(b); err != nil {
			return err
		}
		if b, err = s.Content().Bank(b.Name); err != nil {
			return err
		}
		return showBank(io, b, *asJSON)
	}
}

func bankUpdate(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	data, asJSON := dataFlag(fs), jsonFlag(fs)
	set := bankFieldFlags(fs)
	clusterURLs := clusterFlag(fs)
	return func(ctx context.Context, pos []string) error {
		return changeBankIn(ctx, io, *data, *clusterURLs, "update", pos, set, *asJSON)
	}
}

// bankEnabler defines enable (on) or disable.
func bankEnabler(on bool) func(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	verb := map[bool]string{true: "enable", false: "disable"}[on]
	return func(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
		data, asJSON := dataFlag(fs), jsonFlag(fs)
		clusterURLs := clusterFlag(fs)
		return func(ctx context.Context, pos []string) error {
			return changeBankIn(ctx, io, *data, *clusterURLs, verb, pos, func(b *matcher.Bank) error {
				b.Enabled = on
				return nil
			}, *asJSON)
		}
	}
}

// changeBankIn applies change to the bank named by pos, in the index at
// data or, with clusterURLs, through that cluster, and shows the result.
func changeBankIn(ctx context.Context, io *stdio, data, clusterURLs, verb string, pos []string, change func(*matcher.Bank) error, asJSON bool) error {
	name, err := bankName(verb, pos)
	if err != nil {
		return err
	}
	if clusterURLs != "" {
		return changeClusterBank(ctx, io, clusterURLs, name, change, asJSON)
	}
	s, err := openStore(data)
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := s.Content().UpdateBank(name, change)
	if err != nil {
		return err
	}
	return showBank(io, b, asJSON)
}

func showBank(io *stdio, b matcher.Bank, asJSON bool) error {
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
	fmt.Fprintf(io.out, "bank %s\n  enabled:     %v\n  mode:        %s\n", b.Name, b.Enabled, b.EffectiveMode())
	if b.PromotedAt != nil {
		fmt.Fprintf(io.out, "  promoted:    %s by %s\n", b.PromotedAt.Format("2006-01-02 15:04:05Z"), b.PromotedBy)
	}
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
