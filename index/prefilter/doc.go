// Package prefilter keeps a Bloom filter per exact signal type (sha256,
// md5, sha1) in front of the store, so that the common case, a digest that
// is not known, is answered from memory without a store lookup.
//
// A positive answer means "maybe": the caller confirms it in the store.
// There are never false negatives for keys added with Add or yielded to
// Rebuild; the false-positive rate is configured (default 1e-6).
//
// # One filter per signal type
//
// Each Filter holds the values of one signal type, keyed by the raw digest
// bytes. That lets each filter be sized for its own item count, and it is
// the form served to hosting providers for offline checks (GET
// /v1/filter/{type}): a client tests the digest bytes it already has,
// without learning any encoding of herken's. The file written by WriteTo is
// a small header (see WriteTo) followed by bloom/v3's own binary format.
//
// # Updates and retractions
//
// bloom/v3 filters are not safe for Add concurrent with Test, so a
// published filter is never modified. Add puts a key into an exact side
// set, which queries consult after the filter; when the side set grows
// past a threshold it is folded into a copy of the filter that then
// replaces the current one (copy-on-write). When the number of keys
// exceeds the capacity the filter was sized for, its false-positive rate
// degrades and NeedsRebuild reports true; the owner then calls Rebuild
// with an iterator over every key in the store, which builds a new filter
// without blocking queries or Adds.
//
// A removed (retracted) key stays in the filter until the next Rebuild:
// it only costs a store lookup that finds the item retracted.
//
// # Concurrency
//
// All methods of Filter may be called from concurrent goroutines.
// MayContain never blocks: it reads the current filter through an atomic
// pointer and the side set through a sync.Map. Add, Rebuild and WriteTo
// are serialised among themselves.
package prefilter
