package main

import (
	"bytes"
	"context"
	"encoding/json"
)

// orderedMap applies work to every input on up to `workers` goroutines and
// hands the results to emit in input order, as soon as each is next in
// line. At most 2*workers results wait to be emitted, so memory stays
// bounded however many inputs there are.
func orderedMap[In, Out any](ctx context.Context, inputs []In, workers int, work func(In) Out, emit func(Out) error) error {
	futures := make(chan chan Out, 2*workers)
	sem := make(chan struct{}, workers)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(futures)
		for _, in := range inputs {
			f := make(chan Out, 1)
			select {
			case sem <- struct{}{}:
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
			go func() {
				defer func() { <-sem }()
				f <- work(in)
			}()
			select {
			case futures <- f:
			case <-stop:
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

// orderedObject is a JSON object whose keys keep the order they were added.
type orderedObject []struct {
	key   string
	value any
}

func (o *orderedObject) add(key string, value any) {
	*o = append(*o, struct {
		key   string
		value any
	}{key, value})
}

// MarshalJSON implements json.Marshaler.
func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(kv.key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(kv.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
