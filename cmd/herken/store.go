package main

import (
	"errors"
	"fmt"
	"os/user"
	"strings"

	"github.com/atkm/herken/index"
)

// errInUse is the cause of a refusal to open the index while another
// process (herken serve) holds it.
var errInUse = errors.New("the index is in use by another herken process (herken serve?)")

// openStore opens the store for a command that changes it.
func openStore(dir string) (*index.DB, error) {
	return openStoreOr(dir, "stop it, or make the change through the API", index.Options{})
}

// openForImport opens the store for writing only: an import searches
// nothing, so the in-memory indexes are not built (a quicker start, and
// no index held in memory while millions of items go in).
func openForImport(dir string) (*index.DB, error) {
	return openStoreOr(dir, "stop it, or make the change through the API", index.Options{NoSearch: true})
}

// openForReading opens the store for a read-only command; a refusal
// because the service holds it says how to read through the service.
func openForReading(dir string) (*index.DB, error) {
	return openStoreOr(dir, "read through it with --server URL --key KEY (or set HERKEN_SERVER and HERKEN_KEY)", index.Options{})
}

// openStoreOr opens the store; while another process holds it, the
// refusal wraps errInUse and ends with hint.
func openStoreOr(dir, hint string, opts index.Options) (*index.DB, error) {
	s, err := index.Open(dir, opts)
	if err != nil && strings.Contains(err.Error(), "Another process is using this Badger database") {
		return nil, fmt.Errorf("%s: %w: %s", dir, errInUse, hint)
	}
	return s, err
}

// actor names who made a change from the command line, for the record.
func actor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}
