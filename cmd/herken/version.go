package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/atkm/herken/matcher/media"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func runVersion(_ context.Context, args []string, io *stdio) error {
	fs := newFlagSet("version", "", io)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	rev := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				rev = " (" + s.Value + ")"
			}
		}
	}
	fmt.Fprintf(io.out, "herken %s%s\n", version, rev)
	fmt.Fprintf(io.out, "go:           %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(io.out, "jpeg decoder: %s\n", media.JPEGDecoder())
	return nil
}
