package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"

	"github.com/atkm/herken/ingest/parallel"
	"github.com/atkm/herken/matcher"
)

const matchUsage = `[--json] [--no-dihedral] [--server URL --key KEY] (FILE... | --signal TYPE:VALUE...)

With --server (or HERKEN_SERVER), files and hashes are matched by that
running herken service: files are sent to it, hashed there and not kept.

Exit code 0: nothing matched; 3: something matched; 1: an input failed.`

func runMatch(ctx context.Context, args []string, io *stdio) error {
	fs := newFlagSet("match", matchUsage, io)
	data := dataFlag(fs)
	asJSON := fs.Bool("json", false, "write one JSON result per input")
	noDihedral := fs.Bool("no-dihedral", false, "do not match PDQ through the query's rotations and flips")
	decode := decodeFlag(fs)
	var signals multiFlag
	fs.Var(&signals, "signal", "a hash to look up, TYPE:VALUE (repeatable)")
	server := serverFlags(fs, "a provider key suffices")
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
	// The index answers: the one in the data folder, or a running
	// service's through its API.
	var src matchSource
	if rem := server(); rem != nil {
		if *noDihedral {
			return usagef("--no-dihedral: with --server the service decides (herken serve --no-dihedral)")
		}
		src = &remoteSource{rem: rem, ctx: ctx, stdin: io.in}
	} else {
		s, err := openForReading(*data)
		if err != nil {
			return err
		}
		defer s.Close()
		hasher, err := matcher.NewHasher(matcher.HasherConfig{Dihedral: !*noDihedral, Regions: true, Decode: mode})
		if err != nil {
			return err
		}
		m, err := matcher.NewMatcher(matcher.MatcherConfig{Hasher: hasher, Known: s.Content(), NoDihedral: *noDihedral})
		if err != nil {
			return err
		}
		src = &localSource{matcher: m, hasher: hasher, stdin: io.in}
	}

	matched, failed := false, false
	emit := func(o matchOutcome) error {
		matched = matched || o.res.Matched
		failed = failed || o.err != nil
		if *asJSON {
			var obj orderedObject
			obj.add("input", o.name)
			if !o.noResult {
				obj.add("result", o.res)
			}
			if o.err != nil {
				obj.add("error", map[string]string{"code": errorCode(o.err), "message": o.err.Error()})
			}
			return writeJSON(io.out, obj)
		}
		printOutcome(io.out, o)
		return nil
	}
	if len(queries) > 0 {
		o := src.matchSignals(queries)
		if o.noResult {
			return o.err
		}
		if err := emit(o); err != nil {
			return err
		}
	}
	err = parallel.OrderedMap(ctx, files, runtime.GOMAXPROCS(0), src.matchFile, emit)
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

// matchOutcome is what became of one input. noResult is set when the
// input failed before anything could be looked up: it has no verdict.
type matchOutcome struct {
	name     string
	res      matcher.Result
	err      error
	noResult bool
}

// A matchSource answers matches: the local index or a running service.
type matchSource interface {
	matchSignals(queries []matcher.Query) matchOutcome
	matchFile(name string) matchOutcome
}

// localSource matches through the match use case over the index in the
// data folder.
type localSource struct {
	matcher *matcher.Matcher
	hasher  *matcher.Hasher
	stdin   io.Reader
}

func (l *localSource) matchSignals(queries []matcher.Query) matchOutcome {
	o := matchOutcome{name: "signals"}
	lk, err := l.matcher.MatchSignals(queries)
	if err != nil {
		return matchOutcome{name: o.name, err: err, noResult: true}
	}
	sigs := make([]matcher.Signal, len(queries))
	for i, q := range queries {
		sigs[i] = q.Signal
	}
	o.res = matcher.Result{Matched: len(lk.Matches) > 0, Signals: sigs, Identification: lk}
	return o
}

func (l *localSource) matchFile(name string) matchOutcome {
	o := matchOutcome{name: name}
	h := hashFile(l.hasher, name, l.stdin)
	if h.hashes == nil {
		o.err, o.noResult = h.err, true
		return o
	}
	res, err := l.matcher.MatchHashes(h.hashes)
	if err != nil {
		o.err, o.noResult = err, true
		return o
	}
	o.res, o.err = res, h.err
	return o
}

// printOutcome writes one input's verdict with its evidence; an input
// that failed gets its error and no verdict.
func printOutcome(w io.Writer, o matchOutcome) {
	if o.noResult {
		fmt.Fprintf(w, "%s: error: %v\n", o.name, o.err)
		return
	}
	printResult(w, o.name, o.res, o.err)
}

func printResult(w io.Writer, name string, r matcher.Result, inputErr error) {
	items := map[uint64]bool{}
	for _, m := range r.Matches {
		items[m.ItemID] = true
	}
	verdict := "no match"
	switch len(items) {
	case 0:
		if inputErr != nil {
			// Only the digests were looked up: "no match" would claim
			// more than was checked.
			verdict = "NOT CHECKED (its exact digests match no known item)"
		}
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
	printSetApart(w, r.Identification)
	for _, sk := range r.Skipped {
		fmt.Fprintf(w, "  not matched by %s: %s\n", sk.SignalType, sk.Reason)
	}
}
