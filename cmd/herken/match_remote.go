package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/atkm/herken/matcher"
)

// remoteSource answers match through a running service: hashes by POST
// /v1/lookup, files by POST /v1/match (the file is sent to the service,
// which hashes it and keeps nothing).
type remoteSource struct {
	rem   *remote
	ctx   context.Context
	stdin io.Reader
}

func (r *remoteSource) matchSignals(queries []matcher.Query) matchOutcome {
	o := matchOutcome{name: "signals"}
	type signal struct {
		Type  matcher.SignalType `json:"type"`
		Value string             `json:"value"`
	}
	var req struct {
		Signals []signal `json:"signals"`
	}
	for _, q := range queries {
		req.Signals = append(req.Signals, signal{q.Signal.Type, q.Signal.String()})
		o.res.Signals = append(o.res.Signals, q.Signal)
	}
	body, err := jsonBody(req)
	if err == nil {
		err = r.rem.post(r.ctx, "/v1/lookup", "application/json", body, &o.res)
	}
	if err != nil {
		return matchOutcome{name: o.name, err: err, noResult: true}
	}
	return o
}

func (r *remoteSource) matchFile(name string) matchOutcome {
	o := matchOutcome{name: name, noResult: true}
	body, size := r.stdin, int64(-1)
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			o.err = err
			return o
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			o.err = err
			return o
		}
		if st.IsDir() {
			o.err = fmt.Errorf("%s is a directory", name)
			return o
		}
		body, size = f, st.Size()
	}
	var resp struct {
		matcher.Result
		Errors []serviceProblem `json:"errors"`
	}
	// Sized, the upload tells the service its length up front.
	if size >= 0 {
		body = sizedReader{io.LimitReader(body, size), size}
	}
	if o.err = r.rem.post(r.ctx, "/v1/match", "application/octet-stream", body, &resp); o.err != nil {
		return o
	}
	o.res, o.noResult = resp.Result, false
	var errs []error
	for _, p := range resp.Errors {
		errs = append(errs, p)
	}
	o.err = errors.Join(errs...)
	return o
}
