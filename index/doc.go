// Package index is herken's store: one Badger database that Open returns
// as a DB holding three stores, one per concern, each with its own API
// and lock:
//
//   - Content: the known content, banks and their items, the postings of
//     their signals and the index version, with in-memory search
//     structures in front of the postings. It implements known.Content,
//     which the matcher searches; what matches is the matcher's decision.
//   - APIKeys: the service's API keys and their roles.
//   - AuditLog: the record of requests, kept for the retention period.
//

// # Layout
//
// Badger holds everything that must survive a restart, under these keys:
//
//	\x00meta/schema            "herken-index/2": marks an initialised store
//	                           (a schema 1 store is moved to 2 at open)
//	\x00meta/version           index version, uint64 big-endian
//	\x00meta/nextid            next item id
//	\x00meta/log               the replicated log a cluster replica follows
//	                           (applied.go); absent on a single node
//	\x00meta/postings/<type>   number of postings of a type, checked at start-up
//	b/<bank>                   the bank, JSON
//	i/<id>                     the item (id: 8 bytes big-endian): a binary
//	                           header, the rest JSON (record.go); schema 1
//	                           wrote JSON, still read
//	s/<type><value><id>        a signal posting; its user-meta byte is 1
//	                           while the item is active, 0 once retracted
//	bl/<bank>\x00<first id>    the bank's items added by one write: their
//	                           ids as uvarint deltas (banklist.go)
//	bi/<bank>\x00<id>          schema 1's bank item list, one key an item:
//	                           still read, no longer written
//	k/<key id>                 an API key's record, JSON (APIKeys)
//	fb/<id>                    analysts' feedback on an item's matches,
//	                           JSON (Content): verdict counts and the last
//	                           verdict; not known content (no version bump)
//	q/<id>                     an item in quarantine (empty value); the
//	                           quarantine itself is in the item's record
//	st/<hour>                  one complete hour of the audit log reduced to
//	                           counts and item ids, JSON (stats.go): kept
//	                           after the records expire; hour is YYYYMMDDHH
//	src/<source>               a synced source's state, JSON (Content):
//	                           its checkpoint; never its credentials
//	a/<hour>/<ns><seq>         an audit record, JSON (AuditLog): hour is
//	                           YYYYMMDDHH, ns and seq 8 and 4 bytes
//
// At Open the postings are read (keys only) into a Bloom prefilter per
// exact signal type and a multi-index Hamming index per perceptual type,
// unless Close saved those structures (memory.snapshot, memsnap.go) for
// exactly the store's index version and posting counts: they are then
// read back instead of built. Writers check duplicates against seen
// filters over every posting, filled in the background after Open.
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
// The index version grows by one with every write of the known content
// and is returned with every lookup, so that a result can be tied to the
// exact state of the index that produced it. On a cluster replica it is
// the sequence of the last change applied from the cluster's log
// (applied.go). API keys and audit records
// are not known content: writing them leaves the version as it is.
//
// # Concurrency
//
// A DB and its three stores may be used from concurrent goroutines; the
// stores share the database and nothing else, so a key check or an audit
// record never waits for a write of the known content. In Content,
// lookups run in parallel with each other; a write excludes lookups only
// while it updates the in-memory structures after its commit, so a lookup
// sees a write either entirely or not at all, together with the matching
// version. Close waits for writes in progress; writes of the known
// content and of keys fail with ErrClosed after it.
package index
