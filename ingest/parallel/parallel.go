// Package parallel runs work on a bounded number of goroutines while
// keeping results in input order.
package parallel

import "context"

// OrderedMap applies work to every input on up to workers goroutines and
// hands the results to emit in input order, each as soon as it is next in
// line. At most 2*workers results wait to be emitted, so memory stays
// bounded however many inputs there are. It stops early when ctx is done
// or emit fails, and returns that error; work already started finishes in
// the background.
//
// emit is called from the calling goroutine only.
func OrderedMap[In, Out any](ctx context.Context, inputs []In, workers int, work func(In) Out, emit func(Out) error) error {
	workers = max(workers, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	futures := make(chan chan Out, 2*workers)
	sem := make(chan struct{}, workers)
	go func() {
		defer close(futures)
		for _, in := range inputs {
			f := make(chan Out, 1)
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			go func() {
				defer func() { <-sem }()
				f <- work(in)
			}()
			select {
			case futures <- f:
			case <-ctx.Done():
				return
			}
		}
	}()
	for f := range futures {
		if err := emit(<-f); err != nil {
			return err
		}
	}
	return ctx.Err()
}
