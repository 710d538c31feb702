// Package index is herken's store of known content: banks and their items
// in Badger, with in-memory search structures in front of it.
//
// # Layout
//
// Badger holds everything that must survive a restart, under these keys:
//
//	\x00meta/schema            "herken-index/1": marks an initialised store
//	\x00meta/version           index version, uint64 big-endian
//	\x00meta/nextid            next item id
//	\x00meta/postings/<type>   number of postings of a type, checked at start-up
//	b/<bank>                   the bank, JSON
//	i/<id>                     the item, JSON (id: 8 bytes big-endian)
//	s/<type><value><id>        a signal posting; its user-meta byte is 1
//	                           while the item is active, 0 once retracted
//	bi/<bank>\x00<id>          the bank's item list
//
// At Open the postings are read (keys only) into a Bloom prefilter per
// exact signal type and a multi-index Hamming index per perceptual type.
// Exact lookups go prefilter, then store; perceptual lookups search the
// Hamming index, then read the matched items from the store.
//
// # Durability
//
// Every write is one Badger transaction, committed with SyncWrites on by
// default, so an acknowledged write survives kill -9 and power loss; the
// in-memory structures are changed only after the commit. A crash leaves
// either the whole transaction or none of it, and the store opens again
// without a repair step. A folder that is not an initialised store, or
// whose postings do not add up to the count written with them, is refused
// with an error instead of being served as an empty index.
//
// # Versions
//
// The index version grows by one with every write and is returned with
// every lookup, so that a result can be tied to the exact state of the
// index that produced it.
//
// # Concurrency
//
// A Store may be used from concurrent goroutines. Lookups run in parallel
// with each other; a write excludes lookups only while it updates the
// in-memory structures after its commit, so a lookup sees a write either
// entirely or not at all, together with the matching version.
package index
