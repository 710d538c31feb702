package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerbRefusesAnotherVerbsFlag: each verb of bank, item and keys takes
// its own flags only; a flag of a sibling is refused with exit code 2 and
// a message naming it, before the index is touched.
func TestVerbRefusesAnotherVerbsFlag(t *testing.T) {
	data := newDataDir(t)
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"item", "list", "--bank", "demo", "--reason", "x"}, "reason"},
		{[]string{"item", "show", "1", "--bank", "demo"}, "bank"},
		{[]string{"item", "add", "--bank", "demo", "--signal", "md5:" + abcMD5, "--status", "active"}, "status"},
		{[]string{"item", "retract", "1", "--reason", "x", "--label", "y"}, "label"},
		{[]string{"item", "reactivate", "1", "--reason", "x", "--limit", "3"}, "limit"},
		{[]string{"bank", "list", "--threshold", "pdq=3"}, "threshold"},
		{[]string{"bank", "show", "demo", "--disabled"}, "disabled"},
		{[]string{"bank", "update", "demo", "--disabled"}, "disabled"},
		{[]string{"bank", "enable", "demo", "--description", "x"}, "description"},
		{[]string{"bank", "disable", "demo", "--source", "x"}, "source"},
		{[]string{"bank", "create", "other", "--key", "k"}, "key"},
		{[]string{"keys", "list", "--role", "admin"}, "role"},
		{[]string{"keys", "revoke", "abc", "--name", "x"}, "name"},
		{[]string{"keys", "create", "--role", "admin", "--name", "x", "--limit", "2"}, "limit"},
	} {
		code, _, errOut := runCLI(t, "", append(c.args, "--data", data)...)
		if code != 2 || !strings.Contains(errOut, "--"+c.flag) {
			t.Errorf("herken %s: exit %d, want 2 and a message naming --%s; stderr:\n%s", strings.Join(c.args, " "), code, c.flag, errOut)
		}
	}
	// Nothing of the above reached the index.
	if _, out, _ := runCLI(t, "", "bank", "list", "--data", data); strings.Contains(out, "other") {
		t.Errorf("bank create with a wrong flag created the bank: %s", out)
	}
}

// TestEveryVerbHasItsOwnFlags: for every verb of every group, each flag
// that a sibling has and it has not is refused, naming the flag; the
// mistake is caught before the data folder is opened.
func TestEveryVerbHasItsOwnFlags(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "never")
	for _, g := range []group{bankCommand(), itemCommand(), keysCommand()} {
		own := map[string]map[string]bool{}
		for _, v := range g.verbs {
			fs := flag.NewFlagSet(v.name, flag.ContinueOnError)
			v.define(fs, &stdio{out: io.Discard, err: io.Discard})
			own[v.name] = map[string]bool{}
			fs.VisitAll(func(f *flag.Flag) { own[v.name][f.Name] = true })
		}
		for _, v := range g.verbs {
			if !own[v.name]["data"] {
				t.Errorf("%s %s has no --data", g.name, v.name)
			}
			for _, o := range g.verbs {
				for name := range own[o.name] {
					if own[v.name][name] {
						continue
					}
					args := []string{g.name, v.name, "1", "--" + name + "=1", "--data", missing}
					code, _, errOut := runCLI(t, "", args...)
					last := errOut[strings.LastIndex(strings.TrimSpace(errOut), "\n")+1:]
					if code != 2 || !strings.Contains(last, "--"+name) {
						t.Errorf("herken %s: exit %d, want 2 and a message naming --%s; last line %q", strings.Join(args, " "), code, name, last)
					}
				}
			}
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Error("a refused verb created the data folder")
	}
}

// TestVerbUsage: each verb's -h lists its flags only; a group's -h lists
// its verbs; the verb comes before the flags.
func TestVerbUsage(t *testing.T) {
	code, _, errOut := runCLI(t, "", "item", "list", "-h")
	if code != 0 || !strings.Contains(errOut, "usage: herken item list --bank NAME") || !strings.Contains(errOut, "-status") {
		t.Errorf("item list -h: exit %d %q", code, errOut)
	}
	for _, other := range []string{"-reason", "-signal", "-file", "-label"} {
		if strings.Contains(errOut, other) {
			t.Errorf("item list -h lists %s:\n%s", other, errOut)
		}
	}
	code, _, errOut = runCLI(t, "", "keys", "--help")
	if code != 0 || !strings.Contains(errOut, "revoke") || !strings.Contains(errOut, "POST /v1/keys") {
		t.Errorf("keys --help: exit %d %q", code, errOut)
	}
	for _, args := range [][]string{{"bank"}, {"bank", "frob"}, {"item", "--data", "x", "list"}} {
		code, _, errOut := runCLI(t, "", args...)
		if code != 2 || !strings.Contains(errOut, "subcommands:") {
			t.Errorf("herken %v: exit %d %q", args, code, errOut)
		}
	}
	if _, _, errOut := runCLI(t, "", "item", "--data", "x", "list"); !strings.Contains(errOut, "the subcommand comes first") {
		t.Errorf("item --data x list: %q", errOut)
	}
}

// TestChangesRefusedWhileReadingThroughAService: with HERKEN_SERVER set,
// the verbs that change the index refuse, as with --server, rather than
// change a local data folder the user did not mean.
func TestChangesRefusedWhileReadingThroughAService(t *testing.T) {
	data := newDataDir(t)
	t.Setenv("HERKEN_SERVER", "http://127.0.0.1:1")
	for _, args := range [][]string{
		{"bank", "create", "other"}, {"bank", "disable", "demo"},
		{"item", "add", "--bank", "demo", "--signal", "md5:" + abcMD5}, {"item", "retract", "1", "--reason", "x"},
	} {
		code, _, errOut := runCLI(t, "", append(args, "--data", data)...)
		if code != 2 || !strings.Contains(errOut, "HERKEN_SERVER is set") || !strings.Contains(errOut, "only list and show") {
			t.Errorf("herken %v with HERKEN_SERVER: exit %d %q", args, code, errOut)
		}
	}
	t.Setenv("HERKEN_SERVER", "")
	if code, out, _ := runCLI(t, "", "bank", "show", "demo", "--data", data); code != 0 || !strings.Contains(out, "enabled:     true") {
		t.Errorf("bank disable went through: %q", out)
	}
}
