package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
)

const itemUsage = `list --bank NAME [--status active|retracted] [--after ID] [--limit N]
       | show ID
       | add --bank NAME (--signal TYPE:VALUE... | --file PATH) [--category C] [--label L] [--reference R]
       | retract ID --reason TEXT
       | reactivate ID --reason TEXT

While herken serve holds the index, list and show read through it with
--server URL --key KEY (an analyst key; env HERKEN_SERVER, HERKEN_KEY).`

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runItem(ctx context.Context, args []string, io *stdio) error {
	fs := newFlagSet("item", itemUsage, io)
	data := dataFlag(fs)
	asJSON := fs.Bool("json", false, "write JSON")
	bank := fs.String("bank", "", "bank name")
	status := fs.String("status", "", "list only active or retracted items")
	after := fs.Uint64("after", 0, "list items with ids above this one (paging)")
	limit := fs.Int("limit", 100, "list at most this many items")
	var signals multiFlag
	fs.Var(&signals, "signal", "a signal of the new item, TYPE:VALUE (repeatable)")
	file := fs.String("file", "", "add an item with the signals of this file (the file is not kept)")
	cats := fs.String("category", "", "categories of the new item (default: the bank's)")
	label := fs.String("label", "", "label of the new item")
	ref := fs.String("reference", "", "reference of the new item, e.g. a removal-order number")
	reason := fs.String("reason", "", "why the item is retracted or re-activated (recorded)")
	server := serverFlags(fs, "an analyst key suffices; list and show only")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return usagef("which item subcommand?")
	}
	verb, pos := pos[0], pos[1:]
	if verb == "list" && *bank == "" {
		return usagef("item list needs --bank")
	}
	filter := index.ItemFilter{Bank: *bank, Status: matcher.ItemStatus(*status), After: *after, Limit: *limit}
	readOnly := verb == "list" || verb == "show"
	if rem := server(); rem != nil {
		if !readOnly {
			return usagef("item %s changes the index: with --server only list and show (use the API: /v1/banks/{bank}/items, /v1/items/{id}/...)", verb)
		}
		return itemRemote(ctx, rem, verb, pos, filter, *asJSON, io)
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

	show := func(it matcher.Item) error {
		if *asJSON {
			return writeJSON(io.out, it)
		}
		printItem(io, it)
		return nil
	}

	switch verb {
	case "list":
		items, err := s.Items(filter)
		if err != nil {
			return err
		}
		return printItems(io, items, *asJSON)
	case "show":
		n, err := itemID(verb, pos)
		if err != nil {
			return err
		}
		it, err := s.Item(n)
		if err != nil {
			return err
		}
		return show(it)
	case "add":
		it := matcher.Item{Bank: *bank, Label: *label, Reference: *ref, AddedBy: actor()}
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
		if *file != "" {
			sigs, quality, info, err := hashForItem(*file)
			if err != nil {
				return err
			}
			it.Signals = append(it.Signals, sigs...)
			it.PDQQuality, it.Video = quality, info
		}
		if len(it.Signals) == 0 {
			return usagef("item add needs --signal or --file")
		}
		out, _, err := s.AddItems([]matcher.Item{it})
		if err != nil {
			return err
		}
		switch o := out[0]; {
		case o.Err != nil:
			return o.Err
		case !o.Added:
			return fmt.Errorf("bank %s already holds item %d with one of these signals", *bank, o.ID)
		}
		added, err := s.Item(out[0].ID)
		if err != nil {
			return err
		}
		return show(added)
	case "retract", "reactivate":
		n, err := itemID(verb, pos)
		if err != nil {
			return err
		}
		if strings.TrimSpace(*reason) == "" {
			return usagef("item %s needs --reason", verb)
		}
		change := s.Retract
		if verb == "reactivate" {
			change = s.Reactivate
		}
		it, err := change(n, *reason, actor())
		if err != nil {
			return err
		}
		return show(it)
	}
	return usagef("unknown item subcommand %q", verb)
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

// itemRemote lists or shows items through a running service.
func itemRemote(ctx context.Context, rem *remote, verb string, pos []string, f index.ItemFilter, asJSON bool, io *stdio) error {
	if verb == "list" {
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
		return printItems(io, out.Items, asJSON)
	}
	n, err := itemID(verb, pos)
	if err != nil {
		return err
	}
	var it matcher.Item
	if err := rem.get(ctx, "/v1/items/"+strconv.FormatUint(n, 10), nil, &it); err != nil {
		return err
	}
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

// hashForItem computes every signal of a file for a new item (for a
// video, its vPDQ frame hashes too).
func hashForItem(path string) ([]matcher.Signal, *int, *matcher.VideoInfo, error) {
	h, err := matcher.NewHasher(matcher.HasherConfig{})
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	hs, err := h.Hash(context.Background(), f)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, e := range []error{hs.PhotoErr, hs.VideoErr} {
		if e != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", path, e)
		}
	}
	var quality *int
	if _, ok := hs.Signal(matcher.PDQ); ok {
		q := hs.PDQQuality
		quality = &q
	}
	sigs, info := hs.ItemSignals()
	return sigs, quality, info, nil
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
