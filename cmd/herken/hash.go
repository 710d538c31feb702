package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/atkm/herken/ingest/parallel"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/media"
	"github.com/atkm/herken/matcher/pdq"
	"github.com/atkm/herken/matcher/video"
)

const hashUsage = "[--signals sha256,md5,pdq,...] [--json] [--dihedral] FILE... (- reads standard input)"

func runHash(ctx context.Context, args []string, io *stdio) error {
	fs := newFlagSet("hash", hashUsage, io)
	signals := fs.String("signals", "", "comma-separated signal types to compute (default: all of "+signalNames()+")")
	asJSON := fs.Bool("json", false, "write one JSON object per file")
	dihedral := fs.Bool("dihedral", false, "also compute PDQ's 8 dihedral (rotated and flipped) hashes")
	fullRes := fs.Bool("pdq-full-resolution", false, "hash PDQ at full resolution instead of the reference CLI's 512x512 squash")
	maxSide := fs.Int("max-side", media.DefaultLimits.MaxSide, "largest image side decoded, in pixels")
	maxPixels := fs.Int64("max-pixels", media.DefaultLimits.MaxPixels, "largest image decoded, in pixels")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "files hashed in parallel")
	decode := decodeFlag(fs)
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (pprof) of the run to this file")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	mode, err := decode()
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return usagef("no files given")
	}
	if *workers < 1 {
		return usagef("--workers must be at least 1")
	}
	cfg := matcher.HasherConfig{
		Dihedral:          *dihedral,
		PDQFullResolution: *fullRes,
		Decode:            mode,
		Limits:            media.Limits{MaxSide: *maxSide, MaxPixels: *maxPixels},
	}
	if *signals != "" {
		if cfg.Signals, err = matcher.ParseSignalTypes(*signals); err != nil {
			return usagef("--signals: %v", err)
		}
	}
	hasher, err := matcher.NewHasher(cfg)
	if err != nil {
		return usagef("%v", err)
	}

	failed := 0
	err = parallel.OrderedMap(ctx, files, *workers, func(name string) hashLine {
		return hashFile(hasher, name, io.in)
	}, func(l hashLine) error {
		if l.err != nil {
			failed++
		}
		if *asJSON {
			b, err := json.Marshal(l)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(io.out, "%s\n", b)
			return err
		}
		return l.writeText(io.out, io.err)
	})
	if err != nil {
		return err
	}
	if failed > 0 {
		if !*asJSON {
			fmt.Fprintf(io.err, "herken hash: %d of %d files failed\n", failed, len(files))
		}
		return errSilent
	}
	return nil
}

func signalNames() string {
	var names []string
	for _, t := range matcher.SignalTypes() {
		names = append(names, t.String())
	}
	return strings.Join(names, ",")
}

// hashLine is the outcome for one file.
type hashLine struct {
	file   string
	hashes *matcher.Hashes
	err    error
}

// MarshalJSON writes the documented object: file, content_type, size,
// width and height (decoded_width and decoded_height when fast decoding
// scaled the photo), one key per signal type, pdq_quality, pdq_dihedral
// and error.
func (l hashLine) MarshalJSON() ([]byte, error) {
	var o orderedObject
	o.add("file", l.file)
	if h := l.hashes; h != nil {
		o.add("content_type", h.ContentType)
		if h.Format != media.Unknown {
			o.add("format", h.Format.String())
		}
		o.add("size", h.Size)
		if h.Width > 0 {
			o.add("width", h.Width)
			o.add("height", h.Height)
		}
		if h.Scaled() {
			o.add("decoded_width", h.DecodedWidth)
			o.add("decoded_height", h.DecodedHeight)
		}
		for _, s := range h.Signals {
			o.add(s.Type.String(), s.String())
			if s.Type == matcher.PDQ {
				o.add("pdq_quality", h.PDQQuality)
			}
		}
		if h.PDQDihedral != nil {
			var d orderedObject
			for i, v := range h.PDQDihedral {
				d.add(pdq.Dihedral(i).String(), v.String())
			}
			o.add("pdq_dihedral", d)
		}
		if len(h.VideoFrames) > 0 {
			// The frames in the reference's vPDQ text format, a line each.
			var b strings.Builder
			if err := video.WriteVPDQ(&b, h.VideoFrames); err != nil {
				return nil, err
			}
			o.add("vpdq", strings.Split(strings.TrimSpace(b.String()), "\n"))
		}
	}
	if l.err != nil {
		o.add("error", map[string]string{"code": errorCode(l.err), "message": l.err.Error()})
	}
	return o.MarshalJSON()
}

// writeText writes a readable line per file; failures go to errw too.
func (l hashLine) writeText(w, errw io.Writer) error {
	var b strings.Builder
	b.WriteString(l.file)
	if h := l.hashes; h != nil {
		fmt.Fprintf(&b, "  %s", h.ContentType)
		if h.Format != media.Unknown {
			fmt.Fprintf(&b, "/%s", h.Format)
		}
		if h.Width > 0 {
			fmt.Fprintf(&b, " %dx%d", h.Width, h.Height)
		}
		fmt.Fprintf(&b, " %d bytes", h.Size)
		for _, s := range h.Signals {
			fmt.Fprintf(&b, "  %s=%s", s.Type, s)
			if s.Type == matcher.PDQ {
				fmt.Fprintf(&b, " quality=%d", h.PDQQuality)
			}
		}
		if h.PDQDihedral != nil {
			for i, v := range h.PDQDihedral[1:] {
				fmt.Fprintf(&b, "  pdq_%s=%s", pdq.Dihedral(i+1), v)
			}
		}
		if n := len(h.VideoFrames); n > 0 {
			fmt.Fprintf(&b, "  vpdq=%d frames (--json lists them)", n)
		}
	}
	if l.err != nil {
		fmt.Fprintf(errw, "herken hash: %s: %v\n", l.file, l.err)
		fmt.Fprintf(&b, "  error=%s", errorCode(l.err))
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}
