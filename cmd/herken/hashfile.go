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

// hashForItem hashes a file for a new known item (every signal, a
// video's vPDQ frame hashes, a photo's crops) by the one conversion every
// way of adding a file uses; notes say what is missing from an item kept
// with its digests only.
func hashForItem(path string) (matcher.Item, []string, error) {
	h, err := matcher.NewHasher(matcher.HasherConfig{ItemVariants: true})
	if err != nil {
		return matcher.Item{}, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return matcher.Item{}, nil, err
	}
	defer f.Close()
	hs, err := h.Hash(context.Background(), f)
	if err != nil {
		return matcher.Item{}, nil, err
	}
	it, notes, err := hs.KnownItem()
	if err != nil {
		return matcher.Item{}, nil, fmt.Errorf("%s: %w", path, err)
	}
	return it, notes, nil
}
