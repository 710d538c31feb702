// Command report turns the output of herken's Go benchmarks into
// bench/REPORT.md: every figure as a ratio against its baseline measured
// in the same run (the machine is shared and noisy, so absolute times say
// little), with the command that produced it and the machine it ran on.
//
//	go test -run '^$' -bench . ./... | tee bench/out/bench.txt
//	go run ./bench/report -in bench/out/bench.txt -out bench/REPORT.md
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	in := flag.String("in", "bench/out/bench.txt", "go test -bench output")
	out := flag.String("out", "bench/REPORT.md", "report to write")
	command := flag.String("command", "make bench", "the command that produced the input")
	flag.Parse()
	f, err := os.Open(*in)
	if err != nil {
		fail(err)
	}
	results, env := parse(f)
	f.Close()
	var b strings.Builder
	writeReport(&b, results, env, *command)
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		fail(err)
	}
	fmt.Printf("wrote %s (%d benchmark results)\n", *out, len(results))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "report:", err)
	os.Exit(1)
}

// metrics are one benchmark's measurements by unit ("ns/op", "MB/s", ...).
type metrics map[string]float64

var (
	lineRE   = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$`)
	metricRE = regexp.MustCompile(`([-\d.e+]+)\s+(\S+)`)
)

// parse reads benchmark lines; a name seen twice keeps its last value.
// env collects the goos/goarch/cpu/pkg header lines.
func parse(r io.Reader) (map[string]metrics, map[string]string) {
	results := map[string]metrics{}
	env := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, k := range []string{"goos", "goarch", "cpu"} {
			if v, ok := strings.CutPrefix(line, k+": "); ok {
				env[k] = v
			}
		}
		m := lineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		ms := metrics{}
		for _, mm := range metricRE.FindAllStringSubmatch(m[3], -1) {
			if v, err := strconv.ParseFloat(mm[1], 64); err == nil {
				ms[mm[2]] = v
			}
		}
		results[m[1]] = ms
	}
	return results, env
}

// get returns a metric of a benchmark, and whether it was measured.
func get(r map[string]metrics, name, unit string) (float64, bool) {
	m, ok := r[name]
	if !ok {
		return 0, false
	}
	v, ok := m[unit]
	return v, ok
}

// row is one line of a figure's table.
type row struct{ what, value string }

type figure struct {
	title, command, target string
	rows                   []row
}

// ratio is num/den (den/num if invert) of one unit, or nil if either
// benchmark did not run.
func ratio(r map[string]metrics, label, num, den, unit, format string, invert bool) *row {
	a, ok1 := get(r, num, unit)
	b, ok2 := get(r, den, unit)
	if !ok1 || !ok2 || a == 0 || b == 0 {
		return nil
	}
	x := a / b
	if invert {
		x = b / a
	}
	return &row{label, fmt.Sprintf(format, x)}
}

// value is one metric, scaled, or nil if the benchmark did not run.
func value(r map[string]metrics, label, name, unit, format string, scale float64) *row {
	v, ok := get(r, name, unit)
	if !ok {
		return nil
	}
	return &row{label, fmt.Sprintf(format, v*scale)}
}

func writeReport(w io.Writer, r map[string]metrics, env map[string]string, command string) {
	fmt.Fprintf(w, "# herken bench report\n\n")
	fmt.Fprintf(w, "Made by `%s` on %s. Machine: %s, %s/%s, %d cores, %s.\n\n",
		command, time.Now().UTC().Format("2006-01-02"), orUnknown(env["cpu"]), orUnknown(env["goos"]), orUnknown(env["goarch"]),
		runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(w, "The machine is shared and noisy: every figure is a ratio against a baseline measured in the same run. "+
		"Accuracy (recall and false positives per transform) is in [REPORT-accuracy.md](REPORT-accuracy.md); "+
		"the load test in [REPORT-load.md](REPORT-load.md).\n\n")
	for _, f := range figures(r) {
		if len(f.rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "## %s\n\n`%s`", f.title, f.command)
		if f.target != "" {
			fmt.Fprintf(w, " — target: %s", f.target)
		}
		fmt.Fprintf(w, "\n\n| measure | value |\n|---|---|\n")
		for _, row := range f.rows {
			fmt.Fprintf(w, "| %s | %s |\n", row.what, row.value)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "## Every result\n\n| benchmark | measurements |\n|---|---|\n")
	names := make([]string, 0, len(r))
	for n := range r {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var parts []string
		units := make([]string, 0, len(r[n]))
		for u := range r[n] {
			units = append(units, u)
		}
		sort.Strings(units)
		for _, u := range units {
			parts = append(parts, fmt.Sprintf("%.4g %s", r[n][u], u))
		}
		fmt.Fprintf(w, "| %s | %s |\n", n, strings.Join(parts, ", "))
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown CPU"
	}
	return s
}
