// Package matcher is herken's domain root: it answers whether an input is
// a copy of known content, and with what evidence.
//
// The match use case is Matcher: hash the input (Hasher: every applicable
// signal in one pass — the exact digests while the bytes stream, a photo
// decoded once for PDQ and the 64-bit hashes, with PDQ's dihedral
// variants and the pictures found inside the photo as query variants; a
// video sampled for vPDQ), look every query up in the known content
// (known.Content, implemented by the index), apply the decision rule
// (Identify, Rule), and build the Result with its evidence. The service's
// endpoints, batch lines and the command line all match through it.
//
// The decision rule is herken's promise that a reported match is an
// identification it stands behind: exact digests and PDQ decide, within
// the bank's threshold and, for a variant of the query or of the known
// item, within the stricter variant threshold; hashes of low quality on
// either side do not decide; the 64-bit hashes (pHash, dHash, aHash) never
// decide alone but corroborate a match or propose candidates, which are
// kept apart with the reason they are not matches. The thresholds come
// from measurement on a negative corpus (bench/REPORT-identification.md).
//
// The vocabulary lives in leaf packages the index can import without any
// decoder: signals (signal types and values) and known (banks, items, the
// search interface); matcher's SignalType, Signal, Bank, Item and the like
// are aliases of theirs. Hashing is in this package and its sub-packages
// media (sniffing, decoding), pdq, video (vPDQ through ffmpeg) and region
// (finding the picture inside a re-post).
//
// Concurrency: a Hasher and a Matcher are safe for concurrent use by many
// goroutines; Identify may be called concurrently as long as the
// known.Content allows it (the index does). Hashes, Result and the other
// value types must not be changed while shared.
package matcher
