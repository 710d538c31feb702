// Package hamming is an exact in-memory Hamming-distance search over
// perceptual hashes: PDQ (256 bits) and the 64-bit phash, dhash and ahash.
//
// It answers "which stored hashes lie within distance r of q?" with no
// false negatives and no false positives, using multi-index hashing
// (Norouzi, Punjani and Fleet): each hash is cut into m disjoint
// substrings, and by the pigeonhole principle an item within distance r of
// the query has some substring close to the query's; probing every
// substring value within that small radius finds every candidate, and
// each candidate is then verified on the full hash.
//
// # Substrings and probe radii
//
// PDQ hashes are cut into m = 11 substrings (three of 24 bits, eight of
// 23), 64-bit hashes into four of 16. The probe radii use the generalised
// pigeonhole principle: if substring i is probed at radius s_i and the
// s_i+1 sum to r+1, an item within r has some substring i within s_i of
// the query's. So with b = (r+1)/m and e = (r+1)%m, the first e
// substrings are probed at radius b and the rest at b-1 (-1: not probed):
//
//	PDQ,   r = 31: 10 substrings at 2, one at 1;  r = 15: 5 at 1, 6 at 0
//	       r = 0:  one substring at 0 (an exact match)
//	64-bit r = 10: three substrings at 2, one at 1
//
// An item is reported only from the first substring within its radius, so
// it is reported once. New takes the largest radius the index is tuned
// for, at most 15 for 64-bit hashes and 63 for PDQ; a Search with a radius
// above it is still exact: it falls back to a linear scan.
//
// # Tables
//
// Each substring has a table grouping the ids by substring value. Long
// substrings make short candidate lists (at 10M items and r = 31, about
// 3,300 candidates in all, against 41,000 with 16-bit substrings), but a
// directory with one entry per 23-bit value would cost more memory than
// the hashes. So the directory is indexed by the top p bits of the
// substring only (p grows with the item count: 16 up to 1M items, 20 at
// 10M, for 8 to 16 entries a block), and each entry keeps the remaining
// low bits of its substring in a key byte beside its id. A probe of radius
// s enumerates the prefixes within s of the query's and, in each block,
// keeps only the entries whose key is within what remains of s: most
// entries are rejected from the sequential block, without reading the
// hash. A block is stored as its key bytes followed by its ids, so it
// takes one or two cache lines.
//
// The remaining cost is random reads: a directory entry and a block per
// probed prefix, and a hash per candidate. A search gathers them in
// batches and touches each batch's memory in a tight loop before using
// it, so the CPU overlaps the cache misses instead of waiting for one at
// a time. On Linux the large tables and the slab are allocated with a
// request for transparent huge pages (madvise), which saves most TLB
// misses where the system allows it (transparent_hugepage "madvise" or
// "always"); without them searches are slower but give the same results.
//
// # Identifiers
//
// Items are identified by an ID (uint32) chosen by the caller, which must
// be dense: the hash of item id is stored at slot id of one []uint64 slab,
// so a gap costs the width of a hash. The Badger-backed index assigns a
// dense internal id per stored perceptual signal and maps it back to its
// item. An id holds one hash at a time; equal hashes under different ids
// are all returned.
//
// # Layout and updates
//
// The bulk of the data is an immutable segment: the hash slab and the
// tables. At 10M PDQ hashes that is 32 bytes of hash, 11*5 bytes of table
// entries and about 5 bytes of directories per item, plus one byte of
// state per id: about 93 bytes per item. Builder loads it in bulk at
// start-up; each table is built by two counting-sort passes (by the top 16
// bits of the substring, then by the rest of the prefix within each
// bucket), in parallel, one table per CPU.
//
// Add appends to a small mutable overflow that Search scans linearly;
// Remove clears the id's state byte, so a retraction takes effect at once
// without touching any segment. When the overflow grows past a threshold
// (see Compact) a background compaction turns it into a new segment,
// merged with the newest segments while they are less than four times its
// size, and swaps it in. So the index holds a few segments, each at least
// four times smaller than the one before (searches probe each), and a
// hash is rebuilt about once per level rather than at every compaction,
// which kept a large import from slowing down as the index grows. An id's
// state byte names the segment it is live in. Compact merges everything
// into one segment; Builder makes one directly. While a compaction runs,
// the index holds the merged segments twice.
//
// # Concurrency
//
// All methods of Index may be called from concurrent goroutines. Searches
// share a read lock; Add and Remove take the write lock for a few
// microseconds. Compaction builds the new segment without holding the lock,
// so searches are never blocked for its duration.
//
// LinearScan is the brute-force reference used by tests and benchmarks.
package hamming
