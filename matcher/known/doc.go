// Package known is the vocabulary of known content: banks (named lists
// with their source, categories and thresholds), items (one known piece of
// content: its signals, categories of Regulation 2021/784 art. 2(7),
// provenance, status and history, and the variants stored with it), their
// validation, and the interface through which an index of known content is
// searched (Content, State).
//
// Like package signals it imports only the standard library (and
// signals), so the index speaks of banks and items without linking any
// decoder or the matcher.
//
// Concurrency: the types are plain values; a Bank or Item shared between
// goroutines must not be changed. Validate and the other methods are safe
// for concurrent use on values nobody changes.
package known
