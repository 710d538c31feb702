// Command herken tells whether a file, a URL or a hash is a copy of content
// already known to be terrorist content. Run "herken help" for the
// subcommands.
//
// One file per command (bank.go, match.go, ...); what several commands
// share lives in files named for what it does: flags.go, store.go,
// remote.go, output.go, hashfile.go, errors.go. A command runs on the
// calling goroutine; those that hash many files fan out through
// ingest/parallel and write their output from one goroutine, in order.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}

// stdio is where a subcommand reads and writes; tests supply buffers.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// A command is one subcommand, with its own flags: bank, item and keys
// are groups of verbs, each verb with its own flags too (verbs.go). The
// error its run returns decides the exit code (errors.go).
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, io *stdio) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP API", runServe},
		{"hash", "compute the signals of files", runHash},
		{"match", "check files or hashes against the index, with the evidence", runMatch},
		{"init", "create an empty index in a data folder", runInit},
		{"import", "import hash lists or folders of known media into a bank", runImport},
		{"sync", "fetch a configured partner list's updates and withdrawals into its bank", runSync},
		{"export", "write a bank's active items as CSV, NDJSON or python-threatexchange CSV", runExport},
		{"bank", "list, show, create and change banks", bankCommand().run},
		{"item", "list, show, add, retract and re-activate items", itemCommand().run},
		{"keys", "create, list and revoke API keys", keysCommand().run},
		{"cluster", "snapshots of a cluster's index; seed a new cluster from a single node's index", clusterCommand().run},
		{"audit", "read the audit log", runAudit},
		{"report", "the transparency statistics of a period, per bank and category", runReport},
		{"prescreen", "check files offline against a downloaded filter of known digests", runPrescreen},
		{"version", "print the version and the active decoders", runVersion},
	}
}

func run(ctx context.Context, args []string, io *stdio) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(io.out)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], io)
		var ue *usageError
		var ee *exitError
		switch {
		case errors.As(err, &ee):
			return ee.code
		case err == nil, errors.Is(err, errHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(io.err, "herken %s: %s\n", c.name, ue.msg)
			return 2
		case errors.Is(err, errSilent):
			return 1
		default:
			fmt.Fprintf(io.err, "herken %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(io.err, "herken: unknown command %q\n", args[0])
	printUsage(io.err)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: herken <command> [flags] [arguments]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"herken <command> -h\" for a command's flags.")
}
