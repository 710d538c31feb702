package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/atkm/herken/ingest/importer"
)

// progress prints a running count on a terminal, at most a few times a
// second, and nothing when output goes to a file or a pipe.
type progress struct {
	w    io.Writer
	last time.Time
	used bool
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	if !ok {
		return &progress{}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return &progress{}
	}
	return &progress{w: w}
}

func (p *progress) show(s importer.Summary) {
	if p.w == nil || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last, p.used = time.Now(), true
	fmt.Fprintf(p.w, "\rimporting: %d read, %d added, %d already present, %d rejected", s.Read, s.Added, s.Present, len(s.Rejected))
}

// done ends the progress line.
func (p *progress) done() {
	if p.used {
		fmt.Fprintln(p.w)
	}
}
