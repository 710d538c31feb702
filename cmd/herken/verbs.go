package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// A group is a command made of verbs, such as "herken bank list". Each
// verb has its own flag set, holding only the flags it uses: a flag of
// another verb is refused, not silently ignored.
type group struct {
	name string
	// doc follows the list of verbs in the group's usage.
	doc   string
	verbs []verb
}

// A verb is one subcommand of a group.
type verb struct {
	name, summary string
	// usage is what follows "herken GROUP VERB" in the usage line,
	// then, after a blank line, what the verb does in more words.
	usage string
	// define adds the verb's flags to fs and returns the function that
	// runs the verb on the positional arguments once fs is parsed.
	define func(fs *flag.FlagSet, io *stdio) func(ctx context.Context, pos []string) error
	// api is set for a verb that changes the index: how to make that
	// change through a running service, since --server reads only.
	api string
}

// run runs the verb named by args[0] with the rest of args.
func (g group) run(ctx context.Context, args []string, io *stdio) error {
	if len(args) == 0 {
		g.printUsage(io.err)
		return usagef("which %s subcommand?", g.name)
	}
	name, args := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help", "help":
		g.printUsage(io.err)
		return errHelp
	}
	v, ok := g.verb(name)
	if !ok {
		g.printUsage(io.err)
		if strings.HasPrefix(name, "-") {
			return usagef("the subcommand comes first, then its flags: herken %s %s [flags]", g.name, strings.Join(g.names(), "|"))
		}
		return usagef("unknown %s subcommand %q", g.name, name)
	}
	fs := newFlagSet(g.name+" "+v.name, v.usage, io)
	runVerb := v.define(fs, io)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return g.flagError(v, err)
	}
	// --server (or HERKEN_SERVER) reads through a running service; it
	// never changes the index from the command line.
	if v.api != "" && envDefault("server", "") != "" {
		return g.readOnlyRemote(v, "and HERKEN_SERVER is set", "unset it to change the data folder, or "+v.api)
	}
	return runVerb(ctx, pos)
}

// flagError words a flag the verb does not have: whose flag it is, when
// a sibling verb has it.
func (g group) flagError(v verb, err error) error {
	var ue *usageError
	if !errors.As(err, &ue) || ue.flag == "" {
		return err
	}
	if v.api != "" && (ue.flag == "server" || ue.flag == "key") {
		return g.readOnlyRemote(v, "so it takes no --"+ue.flag, v.api)
	}
	var owners []string
	for _, o := range g.verbs {
		fs := flag.NewFlagSet(o.name, flag.ContinueOnError)
		o.define(fs, &stdio{out: io.Discard, err: io.Discard})
		if fs.Lookup(ue.flag) != nil {
			owners = append(owners, g.name+" "+o.name)
		}
	}
	if len(owners) == 0 {
		return err
	}
	return &usageError{flag: ue.flag, msg: fmt.Sprintf("--%s is not a flag of %s %s, but of %s",
		ue.flag, g.name, v.name, strings.Join(owners, " and "))}
}

// readOnlyRemote refuses to change the index while asked to read through
// a service.
func (g group) readOnlyRemote(v verb, why, instead string) error {
	var readers []string
	for _, o := range g.verbs {
		if o.api == "" {
			readers = append(readers, o.name)
		}
	}
	return usagef("%s %s changes the index, %s: only %s read through a service (%s)",
		g.name, v.name, why, strings.Join(readers, " and "), instead)
}

func (g group) verb(name string) (verb, bool) {
	for _, v := range g.verbs {
		if v.name == name {
			return v, true
		}
	}
	return verb{}, false
}

func (g group) names() []string {
	var out []string
	for _, v := range g.verbs {
		out = append(out, v.name)
	}
	return out
}

func (g group) printUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: herken %s <subcommand> [arguments] [flags]\n\nsubcommands:\n", g.name)
	for _, v := range g.verbs {
		fmt.Fprintf(w, "  %-11s %s\n", v.name, v.summary)
	}
	fmt.Fprintf(w, "\nRun \"herken %s <subcommand> -h\" for a subcommand's flags.\n", g.name)
	if g.doc != "" {
		fmt.Fprintf(w, "\n%s\n", g.doc)
	}
}
