package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/atkm/herken/matcher"
)

// hashFile hashes the file name, or stdin for "-"; a photo or video that
// could not be hashed whole is an error beside the hashes that were made.
func hashFile(h *matcher.Hasher, name string, stdin io.Reader) hashLine {
	l := hashLine{file: name}
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			l.err = err
			return l
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			l.err = fmt.Errorf("%s is a directory", name)
			return l
		}
		r = f
	}
	l.hashes, l.err = h.Hash(context.Background(), r)
	if l.err == nil && l.hashes.PhotoErr != nil {
		l.err = l.hashes.PhotoErr
	}
	if l.err == nil && l.hashes.VideoErr != nil {
		l.err = l.hashes.VideoErr
	}
	return l
}

// hashForItem computes every signal of a file for a new item (for a
// video, its vPDQ frame hashes too).
func hashForItem(path string) ([]matcher.Signal, *int, *matcher.VideoInfo, error) {
	h, err := matcher.NewHasher(matcher.HasherConfig{})
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	hs, err := h.Hash(context.Background(), f)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, e := range []error{hs.PhotoErr, hs.VideoErr} {
		if e != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", path, e)
		}
	}
	var quality *int
	if _, ok := hs.Signal(matcher.PDQ); ok {
		q := hs.PDQQuality
		quality = &q
	}
	sigs, info := hs.ItemSignals()
	return sigs, quality, info, nil
}
