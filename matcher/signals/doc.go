// Package signals is herken's vocabulary of hashes: the signal types (a
// registry in the manner of crypto.Hash: name, size, exact or perceptual,
// default threshold, whether a match by it alone identifies an item, the
// digest that computes an exact type), the Signal value, and their text
// and JSON forms, as the field writes them.
//
// It imports only the standard library, so that the index and its search
// structures can speak of signals without linking any decoder: a test
// holds that layering (TestLayering in package index).
//
// Concurrency: every function and method here is safe for concurrent use;
// Type and Signal are values.
package signals
