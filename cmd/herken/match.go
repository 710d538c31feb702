package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/ingest/parallel"
	"github.com/atkm/herken/matcher"
)

const matchUsage = `[--json] [--no-dihedral] (FILE... | --signal TYPE:VALUE...)

Exit code 0: nothing matched; 3: something matched; 1: an input failed.`

// exitMatched is the exit code when at least one input matched, so that
// scripts can branch on it.
const exitMatched = 3

// errMatched reports that something matched (not a failure).
var errMatched = &exitError{code: exitMatched}

type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func runMatch(ctx context.Context, args []string, io *stdio) error {
	fs := newFlagSet("match", matchUsage, io)
	data := dataFlag(fs)
	asJSON := fs.Bool("json", false, "write one JSON result per input")
	noDihedral := fs.Bool("no-dihedral", false, "do not match PDQ through the query's rotations and flips")
	decode := decodeFlag(fs)
	var signals multiFlag
	fs.Var(&signals, "signal", "a hash to look up, TYPE:VALUE (repeatable)")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	mode, err := decode()
	if err != nil {
		return err
	}
	if len(files) == 0 && len(signals) == 0 {
		fs.Usage()
		return usagef("nothing to match")
	}
	var queries []matcher.Query
	for _, v := range signals {
		sig, err := matcher.ParseTypedSignal(v)
		if err != nil {
			return usagef("--signal: %v", err)
		}
		queries = append(queries, matcher.Query{Signal: sig, Quality: -1})
	}
	s, err := openStore(*data)
	if err != nil {
		return err
	}
	defer s.Close()

	matched, failed := false, false
	emit := func(name string, r matcher.Result, inputErr error) error {
		matched = matched || r.Matched
		failed = failed || inputErr != nil
		if *asJSON {
			var o orderedObject
			o.add("input", name)
			o.add("result", r)
			if inputErr != nil {
				o.add("error", map[string]string{"code": errorCode(inputErr), "message": inputErr.Error()})
			}
			return writeJSON(io.out, o)
		}
		printResult(io.out, name, r, inputErr)
		return nil
	}
	if len(queries) > 0 {
		l, err := s.Lookup(queries)
		if err != nil {
			return err
		}
		sigs := make([]matcher.Signal, len(queries))
		for i, q := range queries {
			sigs[i] = q.Signal
		}
		if err := emit("signals", matcher.Result{Matched: len(l.Matches) > 0, Signals: sigs, Lookup: l}, nil); err != nil {
			return err
		}
	}

	hasher, err := matcher.NewHasher(matcher.HasherConfig{Dihedral: !*noDihedral, Decode: mode})
	if err != nil {
		return err
	}
	err = parallel.OrderedMap(ctx, files, runtime.GOMAXPROCS(0), func(name string) matchOutcome {
		return matchFile(s, hasher, name, io.in, !*noDihedral)
	}, func(o matchOutcome) error { return emit(o.name, o.res, o.err) })
	if err != nil {
		return err
	}
	switch {
	case failed:
		return errSilent
	case matched:
		return errMatched
	}
	return nil
}

type matchOutcome struct {
	name string
	res  matcher.Result
	err  error
}

func matchFile(s *index.Store, h *matcher.Hasher, name string, stdin io.Reader, dihedral bool) (o matchOutcome) {
	o.name = name
	l := hashFile(h, name, stdin)
	if l.hashes == nil {
		o.err = l.err
		return o
	}
	lookup, err := s.Lookup(matcher.Queries(l.hashes, dihedral))
	if err != nil {
		o.err = err
		return o
	}
	o.res, o.err = matcher.NewResult(l.hashes, lookup), l.err
	return o
}

func printResult(w io.Writer, name string, r matcher.Result, inputErr error) {
	items := map[uint64]bool{}
	for _, m := range r.Matches {
		items[m.ItemID] = true
	}
	verdict := "no match"
	switch len(items) {
	case 0:
	case 1:
		verdict = "MATCH (1 known item)"
	default:
		verdict = fmt.Sprintf("MATCH (%d known items)", len(items))
	}
	fmt.Fprintf(w, "%s: %s  [index version %d]\n", name, verdict, r.IndexVersion)
	if inputErr != nil {
		fmt.Fprintf(w, "  error: %v\n", inputErr)
	}
	// One paragraph per item, its signals' evidence in order of distance.
	var order []uint64
	byItem := map[uint64][]matcher.Match{}
	for _, m := range r.Matches {
		if _, ok := byItem[m.ItemID]; !ok {
			order = append(order, m.ItemID)
		}
		byItem[m.ItemID] = append(byItem[m.ItemID], m)
	}
	for _, id := range order {
		ms := byItem[id]
		slices.SortStableFunc(ms, func(a, b matcher.Match) int { return int(a.SignalType) - int(b.SignalType) })
		m := ms[0]
		details := []string{"categories " + joinCategories(m.Categories)}
		if m.Label != "" {
			details = append(details, "label "+m.Label)
		}
		if m.Reference != "" {
			details = append(details, "reference "+m.Reference)
		}
		details = append(details, "added "+m.AddedAt.Format("2006-01-02"))
		fmt.Fprintf(w, "  item %d in bank %s: %s\n", m.ItemID, m.Bank, strings.Join(details, "; "))
		for _, m := range ms {
			fmt.Fprintf(w, "    %s\n", m.Explain())
		}
	}
	for _, sk := range r.Skipped {
		fmt.Fprintf(w, "  not matched by %s: %s\n", sk.SignalType, sk.Reason)
	}
}
