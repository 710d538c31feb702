package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"

	"github.com/atkm/herken/matcher"
)

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name, usage string, io *stdio) *flag.FlagSet {
	fs := flag.NewFlagSet("herken "+name, flag.ContinueOnError)
	fs.SetOutput(io.err)
	fs.Usage = func() {
		fmt.Fprintf(io.err, "usage: herken %s %s\n\nflags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// decodeFlag adds --decode (env HERKEN_DECODE) to fs; the returned func
// parses its value after fs.Parse.
func decodeFlag(fs *flag.FlagSet) func() (matcher.DecodeMode, error) {
	v := fs.String("decode", envDefault("decode", string(matcher.DefaultDecodeMode)),
		"how photos are decoded: exact (the reference's pixels and PDQ hashes) or fast (large JPEGs at a reduced DCT scale; PDQ moves a few bits)")
	return func() (matcher.DecodeMode, error) {
		m, err := matcher.ParseDecodeMode(*v)
		if err != nil {
			return "", usagef("--decode: %v", err)
		}
		return m, nil
	}
}

// parseFlags parses args, allowing flags after positional arguments
// ("herken hash a.jpg --json"); everything after "--" is positional.
// It returns the positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var tail []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, tail = args[:i], args[i+1:]
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	return append(positional, tail...), nil
}

// errHelp is returned when -h was asked for: the usage is already printed.
var errHelp = errors.New("help requested")

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
