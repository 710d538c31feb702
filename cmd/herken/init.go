package main

import (
	"context"
	"fmt"

	"github.com/atkm/herken/index"
)

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
	fmt.Fprintf(io.out, "herken index ready in %s (version %d)\n", *data, s.Content().Version())
	return s.Close()
}
