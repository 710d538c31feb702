// Package cluster runs herken on many machines: the known content (banks,
// their settings, items, retractions and reactivations) changes only by
// appending a change to a replicated NATS JetStream stream, and every
// replica applies that stream in order to its own index (Badger plus the
// in-memory Bloom and Hamming indexes).
//
// # The stream
//
// Connect ensures the stream HERKEN_CONTENT (subjects herken.content.>,
// file storage, as many replicas as the NATS cluster allows up to three,
// a duplicate window of two minutes). Each change is one message on
// herken.content.<op>: a small JSON record (Change) with a format version.
// A Writer publishes it with a Nats-Msg-Id header, so that a publish
// retried after a lost acknowledgement is stored once, and returns only
// after the stream acknowledged it: stored, with three replicas by a
// quorum of them.
//
// # Applying
//
// An Applier feeds one index.Content from the stream, in order, from the
// sequence after the one the index holds. The stream sequence of a change
// becomes the index version, written in the same Badger transaction as the
// change (index.At), so a replica killed at any point resumes after the
// last change it applied, never applying one twice nor skipping one. The
// time a change records is the stream's timestamp of the message and item
// ids are given in apply order, so replicas that start empty agree on
// every id and every record.
//
// Quarantines and releases are changes of the stream too (they change
// what matches). Analysts' feedback on matches and synced sources'
// checkpoints are not known content: they live in key-value buckets of
// their own, HERKEN_FEEDBACK (counted by compare-and-set, so verdicts
// given at once on two replicas both count) and HERKEN_SYNC (so the
// replica that takes the sync lease over resumes from the checkpoint)
// (records.go). Any other write of the known content made on a replica
// outside the stream is refused (index.ErrReplica) rather than let it
// take a version of the stream. Each replica counts its own hourly
// statistics from its own audit log and publishes them, one entry per
// replica and hour, in HERKEN_STATS; a report adds the others' to its own
// (stats.go).
//
// # Connecting
//
// Options.Auth carries what a NATS server may ask of a client: a
// credentials or nkey seed file, a CA to check the servers' certificates
// and a client certificate (a user and password or a token go in the
// URL). A server that answers and refuses the client ends Connect and Dial
// at once with its reason; only one that does not answer yet is waited
// for (secure.go). URLs are shown without their credentials.
//
// # Staleness
//
// A replica cut off from NATS keeps answering lookups from its last state;
// Status says how stale it is (the applied sequence, the stream's last
// sequence as last seen, the time of the last contact), and writes are
// refused with ErrUnavailable until the cluster answers again.
//
// Every stream, bucket and store of the cluster is found or made through
// one wait (ensure.go): a request that times out or finds no leader, as
// on a cluster just formed, is tried again with a growing pause until the
// caller's context ends (a look-up made once, at most a minute).
//
// # Snapshots and leases
//
// A new replica starts from the newest snapshot of the index in the
// object store HERKEN_SNAPSHOTS, tagged with the stream sequence it holds,
// and applies only the changes after it (snapshot.go, OpenReplica). Work
// done once per cluster, making those snapshots and the scheduled syncs
// of partner lists, runs on the replica holding its lease in the
// key-value bucket HERKEN_LEASES (lease.go). Seed moves a single node's
// index into a new cluster as its first snapshot.
//
// # Batches spread
//
// A batch's lines may be answered by other replicas through the
// work-queue stream HERKEN_WORK (in memory, lines only, never submitted
// content) and its one durable consumer, which every replica's worker
// pulls from; answers come back to the batch's core NATS inbox as
// requests, and an item is acked only once its batch's holder confirmed
// the answer, so a worker that dies loses no line (workqueue.go).
//
// # Concurrency
//
// A Cluster, its Writer, its Applier and its Leases may be used from
// concurrent goroutines. One goroutine (Applier.Run) applies changes; index writes
// are serialised by the index itself. Writes through a Writer run in
// parallel; each waits only for its own acknowledgement and, on a
// replica, for its own change to be applied.
package cluster
