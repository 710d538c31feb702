// Package hamming is an exact in-memory Hamming-distance search over
// perceptual hashes: PDQ (256 bits) and the 64-bit phash, dhash and ahash.
//
// It answers "which stored hashes lie within distance r of q?" with no
// false negatives and no false positives, using multi-index hashing
// (Norouzi, Punjani and Fleet): each hash is cut into m disjoint 16-bit
// substrings; by the pigeonhole principle an item within distance r of the
// query has at least one substring within floor(r/m) of the query's
// substring, so probing every substring value within that small radius
// finds every candidate, and each candidate is then verified on the full
// hash.
//
// # Choice of substrings
//
// Substrings are always 16 bits wide, so m = bits/16: 16 substrings for
// PDQ and 4 for the 64-bit hashes. 16 bits keeps each substring's offset
// table at 256 KiB (a CSR layout: 65537 offsets plus one id per item)
// while posting lists stay short (n/65536 ids on average). The probe radius
// is s = floor(r/m):
//
//	PDQ,   r <= 15: s = 0 (16 lists),   r <= 31: s = 1 (272 lists)
//	64-bit r <= 3:  s = 0 (4 lists),    r <= 7:  s = 1 (68 lists),
//	       r <= 11: s = 2 (548 lists),  r <= 15: s = 3 (2788 lists)
//
// New takes the largest radius the index is tuned for; probe radii above 3
// enumerate too many lists to beat a scan, so maxRadius is limited to
// 4*m-1 (63 for PDQ, 15 for 64-bit hashes). A Search with a radius above
// maxRadius is still exact: it falls back to a linear scan of every hash.
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
// The bulk of the data is an immutable segment: the hash slab and, per
// substring, a CSR posting list of ids. At 10M PDQ hashes that is 32 bytes
// of hash plus 16*4 bytes of postings per item, plus one byte of state per
// id: about 97 bytes per item. Builder loads it in bulk at start-up.
//
// Add appends to a small mutable overflow that Search scans linearly;
// Remove clears the id's state byte, so a retraction takes effect at once
// without touching the segment. When the overflow grows past a threshold
// (see Compact) a background compaction builds a new segment from the
// live items and swaps it in; while it runs, the index holds two segments'
// worth of memory.
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
