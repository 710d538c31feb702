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
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
)

// itemCommand is "herken item": one verb per way to read or change items.
func itemCommand() group {
	const readThrough = "[--json] [--data DIR | --server URL --key KEY]"
	const api = "use the API: /v1/banks/{bank}/items, /v1/items/{id}/..."
	return group{name: "item", verbs: []verb{
		{name: "list", summary: "list a bank's items, in id order", define: itemList,
			usage: "--bank NAME [--status active|retracted] [--after ID] [--limit N] " + readThrough},
		{name: "show", summary: "show one item with its signals and history", usage: "ID " + readThrough, define: itemShow},
		{name: "add", summary: "add an item by its signals or a file's", define: itemAdd, api: api,
			usage: "--bank NAME (--signal TYPE:VALUE... | --file PATH) [--category C] [--label L] [--reference R] [--json]"},
		{name: "retract", summary: "stop an item matching, with the reason recorded", usage: "ID --reason TEXT [--json]",
			define: itemStatusChanger("retract"), api: api},
		{name: "reactivate", summary: "let a retracted item match again, with the reason recorded", usage: "ID --reason TEXT [--json]",
			define: itemStatusChanger("reactivate"), api: api},
		{name: "release", summary: "end an item's quarantine for a flood of matches, with the reason recorded", usage: "ID --reason TEXT [--json]",
			define: itemRelease, api: api},
		{name: "feedback", summary: "record an analyst's verdict on a match of an item", define: itemFeedback, api: api,
			usage: "ID --verdict confirmed|false_positive [--note TEXT] [--json]\n\nThe verdicts are counted with the item; the answer shows the counts."},
	}, doc: `While herken serve holds the index, list and show read through it with
--server URL --key KEY (an analyst key; env HERKEN_SERVER, HERKEN_KEY).`}
}

func itemList(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	data, asJSON := dataFlag(fs), jsonFlag(fs)
	bank := fs.String("bank", "", "bank name (required)")
	status := fs.String("status", "", "list only active or retracted items")
	after := fs.Uint64("after", 0, "list items with ids above this one (paging)")
	limit := fs.Int("limit", 100, "list at most this many items")
	server := serverFlags(fs, "an analyst key suffices")
	return func(ctx context.Context, pos []string) error {
		if len(pos) != 0 {
			return usagef("item list takes no arguments")
		}
		if *bank == "" {
			return usagef("item list needs --bank")
		}
		f := index.ItemFilter{Bank: *bank, Status: matcher.ItemStatus(*status), After: *after, Limit: *limit}
		var items []matcher.Item
		if rem := server(); rem != nil {
			q := url.Values{}
			if f.Status != "" {
				q.Set("status", string(f.Status))
			}
			if f.After != 0 {
				q.Set("after", strconv.FormatUint(f.After, 10))
			}
			if f.Limit != 0 {
				q.Set("limit", strconv.Itoa(f.Limit))
			}
			var out struct{ Items []matcher.Item }
			if err := rem.get(ctx, "/v1/banks/"+url.PathEscape(f.Bank)+"/items", q, &out); err != nil {
				return err
			}
			items = out.Items
		} else {
			s, err := openForReading(*data)
			if err != nil {
				return err
			}
			defer s.Close()
			if items, err = s.Content().Items(f); err != nil {
				return err
			}
		}
		return printItems(io, items, *asJSON)
	}
}

func itemShow(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	data, asJSON := dataFlag(fs), jsonFlag(fs)
	server := serverFlags(fs, "an analyst key suffices")
	return func(ctx context.Context, pos []string) error {
		id, err := itemID("show", pos)
		if err != nil {
			return err
		}
		var it matcher.Item
		if rem := server(); rem != nil {
			err = rem.get(ctx, "/v1/items/"+strconv.FormatUint(id, 10), nil, &it)
		} else {
			it, err = readItem(*data, id)
		}
		if err != nil {
			return err
		}
		return showItem(io, it, *asJSON)
	}
}

func readItem(data string, id uint64) (matcher.Item, error) {
	s, err := openForReading(data)
	if err != nil {
		return matcher.Item{}, err
	}
	defer s.Close()
	return s.Content().Item(id)
}

func itemAdd(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	data, asJSON := dataFlag(fs), jsonFlag(fs)
	bank := fs.String("bank", "", "bank of the new item (required)")
	var signals multiFlag
	fs.Var(&signals, "signal", "a signal of the new item, TYPE:VALUE (repeatable)")
	file := fs.String("file", "", "add an item with the signals of this file (the file is not kept)")
	cats := fs.String("category", "", "categories of the new item (default: the bank's): "+strings.Join(categoryNames(), ", "))
	label := fs.String("label", "", "label of the new item")
	ref := fs.String("reference", "", "reference of the new item, e.g. a removal-order number")
	clusterURLs := clusterFlag(fs)
	return func(ctx context.Context, pos []string) error {
		if len(pos) != 0 {
			return usagef("item add takes no arguments (a file is given with --file)")
		}
		it := matcher.Item{Bank: *bank, Label: *label, Reference: *ref, AddedBy: actor()}
		var err error
		if it.Categories, err = matcher.ParseCategories(*cats); err != nil {
			return usagef("--category: %v", err)
		}
		for _, v := range signals {
			sig, err := matcher.ParseTypedSignal(v)
			if err != nil {
				return usagef("--signal: %v", err)
			}
			it.Signals = append(it.Signals, sig)
		}
		if len(it.Signals) == 0 && *file == "" {
			return usagef("item add needs --signal or --file")
		}
		var s *index.DB
		if *clusterURLs == "" {
			if s, err = openStore(*data); err != nil {
				return err
			}
			defer s.Close()
		}
		if *file != "" {
			known, notes, err := hashForItem(*file)
			if err != nil {
				return err
			}
			it.Signals = append(it.Signals, known.Signals...)
			it.PDQQuality, it.Video, it.Variants = known.PDQQuality, known.Video, known.Variants
			for _, note := range notes {
				fmt.Fprintf(io.err, "%s: %s\n", *file, note)
			}
		}
		if *clusterURLs != "" {
			return publishChange(ctx, io, *clusterURLs, "item", cluster.Change{Op: cluster.OpAddItems, Items: []matcher.Item{it}}, *asJSON)
		}
		out, _, err := s.Content().AddItems([]matcher.Item{it})
		if err != nil {
			return err
		}
		switch o := out[0]; {
		case o.Err != nil:
			return o.Err
		case !o.Added:
			return fmt.Errorf("bank %s already holds item %d with one of these signals", *bank, o.ID)
		}
		added, err := s.Content().Item(out[0].ID)
		if err != nil {
			return err
		}
		return showItem(io, added, *asJSON)
	}
}

// itemStatusChanger defines retract or reactivate.
func itemStatusChanger(verb string) func(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
	return func(fs *flag.FlagSet, io *stdio) func(context.Context, []string) error {
		data, asJSON := dataFlag(fs), jsonFlag(fs)
		reason := fs.String("reason", "", "why the item is "+map[string]string{"retract": "retracted", "reactivate": "re-activated"}[verb]+" (required; recorded)")
		clusterURLs := clusterFlag(fs)
		return func(ctx context.Context, pos []string) error {
			id, err := itemID(verb, pos)
			if err != nil {
				return err
			}
			if strings.TrimSpace(*reason) == "" {
				return usagef("item %s needs --reason", verb)
			}
			if *clusterURLs != "" {
				op := map[string]cluster.Op{"retract": cluster.OpRetract, "reactivate": cluster.OpReactivate}[verb]
				return publishChange(ctx, io, *clusterURLs, fmt.Sprintf("item %d", id), cluster.Change{Op: op, ID: id, Reason: *reason, By: actor()}, *asJSON)
			}
			s, err := openStore(*data)
			if err != nil {
				return err
			}
			defer s.Close()
			change := s.Content().Retract
			if verb == "reactivate" {
				change = s.Content().Reactivate
			}
			it, err := change(id, *reason, actor())
			if err != nil {
				return err
			}
			return showItem(io, it, *asJSON)
		}
	}
}

func itemID(verb string, pos []string) (uint64, error) {
	if len(pos) != 1 {
		return 0, usagef("item %s takes one item id", verb)
	}
	v, err := strconv.ParseUint(pos[0], 10, 64)
	if err != nil {
		return 0, usagef("item id %q is not a number", pos[0])
	}
	return v, nil
}

func showItem(io *stdio, it matcher.Item, asJSON bool) error {
	if asJSON {
		return writeJSON(io.out, it)
	}
	printItem(io, it)
	return nil
}

func printItems(io *stdio, items []matcher.Item, asJSON bool) error {
	if asJSON {
		if items == nil {
			items = []matcher.Item{}
		}
		return writeJSON(io.out, items)
	}
	tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tCATEGORIES\tSIGNALS\tLABEL\tREFERENCE")
	for _, it := range items {
		var types []string
		for _, sig := range it.Signals {
			types = append(types, sig.Type.String())
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", it.ID, it.Status, joinCategories(it.Categories),
			strings.Join(types, ","), it.Label, it.Reference)
	}
	return tw.Flush()
}

func printItem(io *stdio, it matcher.Item) {
	fmt.Fprintf(io.out, "item %d in bank %s\n  status:     %s\n", it.ID, it.Bank, it.Status)
	if it.Retraction != nil {
		fmt.Fprintf(io.out, "  retracted:  %s by %s: %s\n", it.Retraction.At.Format("2006-01-02 15:04:05Z"), it.Retraction.By, it.Retraction.Reason)
	}
	fmt.Fprintf(io.out, "  categories: %s\n", joinCategories(it.Categories))
	if it.Label != "" {
		fmt.Fprintf(io.out, "  label:      %s\n", it.Label)
	}
	if it.Reference != "" {
		fmt.Fprintf(io.out, "  reference:  %s\n", it.Reference)
	}
	fmt.Fprintf(io.out, "  added:      %s by %s\n", it.AddedAt.Format("2006-01-02 15:04:05Z"), it.AddedBy)
	for _, sig := range it.Signals {
		fmt.Fprintf(io.out, "  %-10s  %s\n", sig.Type.String()+":", sig)
	}
	for _, h := range it.History {
		fmt.Fprintf(io.out, "  history:    %s %s by %s: %s\n", h.At.Format("2006-01-02 15:04:05Z"), h.Status, h.By, h.Reason)
	}
}
