package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"github.com/atkm/herken/index"
)

// defaultDataDir is where the store lives unless --data or HERKEN_DATA say
// otherwise.
const defaultDataDir = "herken-data"

// dataFlag adds --data, with the HERKEN_DATA fallback.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", envDefault("data", defaultDataDir), "data folder of the index (env HERKEN_DATA)")
}

// envDefault returns the value of HERKEN_<NAME> (upper-cased, dashes as
// underscores), or def when it is unset.
func envDefault(name, def string) string {
	key := "HERKEN_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// openStore opens the store for a command that changes it.
func openStore(dir string) (*index.Store, error) {
	return openStoreOr(dir, "stop it, or make the change through the API")
}

// openStoreOr opens the store; while another process holds it, the
// refusal wraps errInUse and ends with hint.
func openStoreOr(dir, hint string) (*index.Store, error) {
	s, err := index.Open(dir, index.Options{})
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

func runInit(_ context.Context, args []string, io *stdio) error {
	fs := newFlagSet("init", "--data DIR", io)
	data := dataFlag(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := index.Open(*data, index.Options{Create: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(io.out, "herken index ready in %s (version %d)\n", *data, s.Version())
	return s.Close()
}

// writeJSON writes v as one line of JSON.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
