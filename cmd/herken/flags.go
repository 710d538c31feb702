package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atkm/herken/matcher"
)

// newFlagSet returns a flag set that reports errors instead of exiting;
// name is the command as typed after "herken" ("bank create").
func newFlagSet(name, usage string, io *stdio) *flag.FlagSet {
	fs := flag.NewFlagSet("herken "+name, flag.ContinueOnError)
	fs.SetOutput(io.err)
	fs.Usage = func() {
		fmt.Fprintf(io.err, "usage: herken %s %s\n\nflags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// ("herken hash a.jpg --json"); everything after "--" is positional.
// It returns the positional arguments. On a mistake it prints the usage
// and returns a *usageError; for a flag the command does not have, the
// error names it.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var tail []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, tail = args[:i], args[i+1:]
	}
	var positional []string
	for {
		if err := parseQuietly(fs, args); err != nil {
			fs.Usage()
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: "); ok {
				name = strings.TrimLeft(name, "-")
				return nil, &usageError{msg: "unknown flag --" + name, flag: name}
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

// parseQuietly parses args without the flag package's own complaint and
// usage: parseFlags words the complaint once, after the usage.
func parseQuietly(fs *flag.FlagSet, args []string) error {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	defer func() { fs.Usage = usage; fs.SetOutput(out) }()
	return fs.Parse(args)
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
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

// defaultDataDir is where the store lives unless --data or HERKEN_DATA say
// otherwise.
const defaultDataDir = "herken-data"

// dataFlag adds --data, with the HERKEN_DATA fallback.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", envDefault("data", defaultDataDir), "data folder of the index (env HERKEN_DATA)")
}

// jsonFlag adds --json.
func jsonFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("json", false, "write JSON")
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

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// parseDate reads 2027-01-31 (midnight UTC) or an RFC 3339 time.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

// parseDays reads "365d", "30d" or a Go duration ("720h").
func parseDays(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(strings.TrimSpace(s), "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, errors.New("want a number of days such as 365d")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseBytes reads sizes like 256MiB, 1GiB, 500KB or 1048576.
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("want a positive size such as 256MiB")
	}
	return n * mult, nil
}

// envBool reads a boolean HERKEN_ variable ("1", "true").
func envBool(name string) bool {
	v, _ := strconv.ParseBool(envDefault(name, "false"))
	return v
}
