package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/atkm/herken/ingest/hashlist"
	"github.com/atkm/herken/matcher"
)

// Config is the sources file: JSON, {"sources": [...]}.
type Config struct {
	Sources []Source `json:"sources"`
}

// Source is one configured partner list.
type Source struct {
	// Name names the source in provenance and in withdrawal reasons.
	Name string `json:"name"`
	// Bank receives the source's items; it must exist.
	Bank string `json:"bank"`
	// Kind is the list's shape: tcap (paged, with checkpoints and
	// withdrawals), pytx, ndjson, csv, lines or vpdq (read whole).
	Kind string `json:"kind"`
	// URL is https://..., file:///path, or a plain path. http:// and
	// private or loopback addresses are refused unless AllowPrivate.
	URL string `json:"url"`
	// Interval is how often herken serve syncs it ("6h", "24h").
	Interval string `json:"interval"`
	// Categories are the art. 2(7) categories of items none of whose
	// labels is mapped (default: the bank's).
	Categories []string `json:"categories,omitempty"`
	// CategoryMap maps the source's labels ("ideology=far-right") to
	// art. 2(7) categories.
	CategoryMap map[string][]string `json:"category_map,omitempty"`
	// TokenEnv names the environment variable holding a bearer token.
	TokenEnv string `json:"token_env,omitempty"`
	// UsernameEnv and PasswordEnv name the environment variables of a TCAP
	// account: the sync logs in (POST <origin>/token-auth/tcap/) for a token.
	UsernameEnv string `json:"username_env,omitempty"`
	PasswordEnv string `json:"password_env,omitempty"`
	// AllowPrivate allows http:// and private or loopback addresses: for a
	// partner inside the authority's own network, and for tests.
	AllowPrivate bool `json:"allow_private,omitempty"`

	interval time.Duration
	format   hashlist.Format
	opts     hashlist.Options
}

// LoadConfig reads and checks a sources file.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	return ParseConfig(b)
}

// ParseConfig parses and checks a sources file's contents.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("sync: sources file: %w", err)
	}
	if len(c.Sources) == 0 {
		return nil, errors.New("sync: sources file names no source")
	}
	seen := map[string]bool{}
	for i := range c.Sources {
		s := &c.Sources[i]
		if err := s.check(); err != nil {
			return nil, fmt.Errorf("sync: source %d (%q): %w", i+1, s.Name, err)
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("sync: source %q is configured twice", s.Name)
		}
		seen[s.Name] = true
	}
	return &c, nil
}

// Source returns the named source.
func (c *Config) Source(name string) (Source, error) {
	var names []string
	for _, s := range c.Sources {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return Source{}, fmt.Errorf("sync: no source %q in the sources file (it has %s)", name, strings.Join(names, ", "))
}

func (s *Source) check() error {
	if strings.TrimSpace(s.Name) == "" || strings.ContainsAny(s.Name, "\x00/") {
		return errors.New("name is required and holds no '/'")
	}
	if s.Bank == "" {
		return errors.New("bank is required")
	}
	switch s.Kind {
	case "tcap":
		s.format = hashlist.TCAP
	case "pytx", "pytx-csv":
		s.format = hashlist.PyTX
	default:
		f, err := hashlist.ParseFormat(s.Kind)
		if err != nil {
			return fmt.Errorf("kind %q: want tcap, pytx, ndjson, csv, lines or vpdq", s.Kind)
		}
		s.format = f
	}
	u, err := url.Parse(s.URL)
	if err != nil || s.URL == "" {
		return fmt.Errorf("url %q: want https://..., file:///... or a path", s.URL)
	}
	switch u.Scheme {
	case "https", "file", "":
	case "http":
		if !s.AllowPrivate {
			return fmt.Errorf("url %q: http is refused (credentials and lists travel in clear); use https, or allow_private for a partner in your own network", s.URL)
		}
	default:
		return fmt.Errorf("url %q: scheme %q: want https, file or a path", s.URL, u.Scheme)
	}
	s.interval = 24 * time.Hour
	if s.Interval != "" {
		d, err := time.ParseDuration(s.Interval)
		if err != nil || d < time.Minute {
			return fmt.Errorf("interval %q: want a duration of a minute or more (\"6h\")", s.Interval)
		}
		s.interval = d
	}
	if (s.UsernameEnv == "") != (s.PasswordEnv == "") {
		return errors.New("username_env and password_env go together")
	}
	s.opts = hashlist.Options{Source: s.Name}
	for _, c := range s.Categories {
		cs, err := matcher.ParseCategories(c)
		if err != nil {
			return fmt.Errorf("categories: %w", err)
		}
		s.opts.Categories = append(s.opts.Categories, cs...)
	}
	if len(s.CategoryMap) > 0 {
		s.opts.CategoryMap = map[string][]matcher.Category{}
		for label, names := range s.CategoryMap {
			for _, c := range names {
				cs, err := matcher.ParseCategories(c)
				if err != nil {
					return fmt.Errorf("category_map[%q]: %w", label, err)
				}
				s.opts.CategoryMap[label] = append(s.opts.CategoryMap[label], cs...)
			}
		}
	}
	return nil
}

// Every is how often the source is synced.
func (s Source) Every() time.Duration { return s.interval }
