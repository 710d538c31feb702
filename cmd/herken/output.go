package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/atkm/herken/matcher"
)

// writeJSON writes v as one line of JSON.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// joinCategories writes categories for a table or a line: comma-separated,
// "-" for none.
func joinCategories(cs []matcher.Category) string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c))
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, ",")
}

// categoryNames lists the known categories, for flag help.
func categoryNames() []string {
	var out []string
	for _, c := range matcher.Categories() {
		out = append(out, string(c))
	}
	return out
}
