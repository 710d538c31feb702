// Command join measures a new cluster replica's start from a snapshot of
// a large single-node store (issue 15 item 2): a store built by
// bench/bulkimport is seeded into a one-node embedded NATS JetStream as
// the cluster's first snapshot, a few changes are stored after it, and a
// new replica, in a child process of its own, fetches the snapshot from
// the object store, loads it into a new folder, opens it up to its first
// match (cluster.Cluster.OpenReplica, which reads the search structures
// the snapshot carries) and catches up with the stream. Each phase is
// reported with its wall time, the replica's CPU time and the cores that
// kept busy, since on a shared machine wall times stretch with the
// neighbours' load and CPU times do not.
//
//	go run ./bench/bulkimport -n 10000000 -dir /tmp/j10m/data -keep -noopen
//	go run ./bench/bulkimport/join -store /tmp/j10m/data
//
// The store is only read (a snapshot is one read transaction). The NATS
// server's files, the snapshot fetched and the replica's folder go to a
// temporary folder (-work), removed after unless -keep: at 10M PDQ items
// that is about three times the store's size on disk.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
	"github.com/atkm/herken/matcher/known"
	"github.com/atkm/herken/matcher/signals"
)

func main() {
	store := flag.String("store", "", "the single-node store to seed the cluster from (bench/bulkimport -keep)")
	work := flag.String("work", "", "folder for the NATS server's files and the replica (default: a temporary one)")
	keep := flag.Bool("keep", false, "keep the work folder")
	changes := flag.Int("changes", 20, "changes of 50 items stored after the snapshot, for the replica to catch up with")
	// The child's flags.
	replica := flag.String("replica", "", "(child) join as a replica in this folder")
	natsURL := flag.String("nats", "", "(child) the NATS server")
	probe := flag.String("probe", "", "(child) a PDQ hash (hex) the snapshot holds: the first lookup")
	fileOnly := flag.Bool("file", false, "no NATS: write the snapshot to a file and time its load and open only")
	fromFile := flag.String("from", "", "(child) with -file: the snapshot file")
	repeat := flag.Int("repeat", 1, "with -file: load and open the snapshot this many times, each in a new folder")
	flag.Parse()
	if *replica != "" && *fromFile != "" {
		for i := range *repeat {
			dir := *replica + "-" + strconv.Itoa(i+1)
			loadReplica(dir, *fromFile, *probe)
			os.RemoveAll(dir)
		}
		return
	}
	if *replica != "" {
		runReplica(*replica, *natsURL, *probe)
		return
	}
	if *store == "" {
		log.Fatal("join: -store is required")
	}
	dir := *work
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp(filepath.Dir(filepath.Clean(*store)), "join-"); err != nil {
			log.Fatal(err)
		}
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	run := run
	if *fileOnly {
		run = func(store, dir string, _ int) error { return runFile(store, dir, *repeat) }
	}
	if err := run(*store, dir, *changes); err != nil {
		if !*keep {
			os.RemoveAll(dir)
		}
		log.Fatal(err)
	}
}

func run(store, dir string, changes int) error {
	ns, err := server.NewServer(&server.Options{
		ServerName: "join", Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: filepath.Join(dir, "nats"), NoLog: true, NoSigs: true,
		JetStreamMaxMemory: 256 << 20, JetStreamMaxStore: 1 << 40,
	})
	if err != nil {
		return err
	}
	go ns.Start()
	defer ns.Shutdown()
	if !ns.ReadyForConnections(30 * time.Second) {
		return fmt.Errorf("join: the NATS server did not start")
	}
	ctx := context.Background()
	cl, err := cluster.Connect(ctx, []string{ns.ClientURL()}, cluster.Options{Name: "seed", Timeout: 30 * time.Second})
	if err != nil {
		return err
	}
	defer cl.Close()

	// A write-only open: the snapshot reads keys only, and the maker
	// builds the structures it carries from the snapshot's own folder.
	db, err := index.Open(store, index.Options{NoSearch: true, NoSync: true})
	if err != nil {
		return err
	}
	s := db.Content()
	first, err := s.Item(1)
	if err != nil {
		db.Close()
		return fmt.Errorf("join: the store's first item: %w", err)
	}
	banks := s.Banks()
	if len(banks) == 0 {
		db.Close()
		return fmt.Errorf("join: the store has no bank")
	}
	fmt.Printf("store %s: version %d, bank %q\n", store, s.Version(), banks[0].Name)
	wall, cpu := time.Now(), cpuTime()
	snap, err := cl.Seed(ctx, s)
	db.Close()
	if err != nil {
		return err
	}
	fmt.Printf("seed (the maker: the snapshot's Badger folder, its search structures, the upload; NATS server included): %s; %.0f MiB; peak RSS %.0f MiB\n",
		phase(wall, cpu), float64(snap.Bytes)/(1<<20), mib(procStatus("VmHWM")))

	w := cl.Writer(nil)
	rng := rand.New(rand.NewPCG(21, 22))
	for range changes {
		items := make([]known.Item, 50)
		for i := range items {
			b := make([]byte, 32)
			for j := range b {
				b[j] = byte(rng.UintN(256))
			}
			sg, _ := signals.New(signals.PDQ, b)
			items[i] = known.Item{Bank: banks[0].Name, Signals: []signals.Signal{sg}}
		}
		if _, _, err := w.PublishItems(ctx, items); err != nil {
			return err
		}
	}

	// The replica in a process of its own: its CPU time is its own, not
	// the NATS server's, and its memory starts empty.
	cmd := exec.Command(os.Args[0], "-replica", filepath.Join(dir, "replica"), "-nats", ns.ClientURL(),
		"-probe", first.Signals[0].String())
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}

// runReplica joins as a new replica, phase by phase as
// cluster.OpenReplica does it for a new folder, then catches up.
func runReplica(dir, url, probe string) {
	ctx := context.Background()
	total := time.Now()
	cl, err := cluster.Connect(ctx, []string{url}, cluster.Options{Name: "replica", Timeout: 30 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	defer cl.Close()
	info, ok, err := cl.NewestSnapshot(ctx)
	if err != nil || !ok {
		log.Fatalf("join: no snapshot: %v", err)
	}
	sg, err := signals.Parse(signals.PDQ, probe)
	if err != nil {
		log.Fatal(err)
	}
	// The replica's own join: OpenReplica on an empty folder fetches the
	// snapshot and loads it as it arrives, then opens it.
	wall, cpu := time.Now(), cpuTime()
	db, j, err := cl.OpenReplica(ctx, dir, index.Options{NoSync: true})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if j.Snapshot == nil || j.Snapshot.Seq != info.Seq {
		log.Fatalf("join: the replica did not start from snapshot %s: %s", info.Name, j.Reason)
	}
	c := db.Content()
	res, err := matcher.Identify(c, []matcher.Query{{Signal: sg, Quality: -1}}, matcher.DefaultRule)
	if err != nil || len(res.Matches) == 0 {
		log.Fatalf("join: the snapshot's first item does not match: %+v %v", res, err)
	}
	serving := time.Since(wall)
	fmt.Printf("fetch %.0f MiB, loaded into the folder as it arrives: %.2f s wall\n", float64(info.Bytes)/(1<<20), j.Fetch.Seconds())
	fmt.Printf("load, after the fetch (the last files, the trailing checksums, the folder's rename): %.2f s wall\n", j.Load.Seconds())
	fmt.Printf("open to serving (the first match answered): %.2f s wall; search structures read from the snapshot: %v (%s)\n",
		(serving - j.Fetch - j.Load).Seconds(), j.SavedSearch, j.Reason)
	fmt.Printf("from the end of the fetch to serving: %.2f s wall\n", (serving - j.Fetch).Seconds())
	fmt.Printf("fetch, load and open together: %s\n", phase(wall, cpu))

	wall, cpu = time.Now(), cpuTime()
	a, err := cl.NewApplier(c)
	if err != nil {
		log.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.Run(runCtx); close(done) }()
	last, err := cl.LastSeq(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for c.Version() < last {
		time.Sleep(2 * time.Millisecond)
	}
	fmt.Printf("catch-up (%d changes): %s\n", last-info.Seq, phase(wall, cpu))
	fmt.Printf("replica total, connect to caught up: %.2f s; %d PDQ; peak RSS %.0f MiB\n",
		time.Since(total).Seconds(), c.Status().Signals["pdq"].Count, mib(procStatus("VmHWM")))
	stop()
	<-done
}

// phase formats the wall and CPU time since wall and cpu, and the CPU
// split into user and system time (the kernel's share: the files written,
// and reclaiming the page cache when memory is short).
func phase(wall time.Time, cpu cpuTimes) string {
	w, c := time.Since(wall), cpuTime()
	total := c.user + c.sys - cpu.user - cpu.sys
	return fmt.Sprintf("%.2f s wall, %.2f s CPU (user %.2f, system %.2f), %.2f cores busy",
		w.Seconds(), total.Seconds(), (c.user - cpu.user).Seconds(), (c.sys - cpu.sys).Seconds(), total.Seconds()/w.Seconds())
}

type cpuTimes struct{ user, sys time.Duration }

// cpuTime is the process's user and system CPU time so far.
func cpuTime() cpuTimes {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return cpuTimes{}
	}
	return cpuTimes{time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())}
}

// procStatus reads a "kB" field of /proc/self/status, in bytes, or -1.
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// runFile writes a snapshot of the store to a file, as the snapshot maker
// does, and has a child process load and open it: the figures of a join
// after the fetch, without NATS.
func runFile(store, dir string, repeat int) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	db, err := index.Open(store, index.Options{NoSearch: true, NoSync: true})
	if err != nil {
		return err
	}
	first, err := db.Content().Item(1)
	if err != nil {
		db.Close()
		return fmt.Errorf("join: the store's first item: %w", err)
	}
	file := filepath.Join(dir, "index.snapshot")
	f, err := os.Create(file)
	if err != nil {
		db.Close()
		return err
	}
	wall, cpu := time.Now(), cpuTime()
	sn, err := db.Content().Snapshot()
	if err != nil {
		db.Close()
		return err
	}
	n, err := sn.WriteTo(f)
	sn.Close()
	db.Close()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Printf("snapshot file (the maker: Badger folder of the keys, search structures built from it, tar): %s; %.0f MiB; peak RSS %.0f MiB\n",
		phase(wall, cpu), float64(n)/(1<<20), mib(procStatus("VmHWM")))
	cmd := exec.Command(os.Args[0], "-replica", filepath.Join(dir, "replica"), "-from", file,
		"-probe", first.Signals[0].String(), "-repeat", strconv.Itoa(repeat))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}

// loadReplica loads the snapshot file into dir and opens it up to its
// first match.
func loadReplica(dir, file, probe string) {
	sg, err := signals.Parse(signals.PDQ, probe)
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	wall, cpu := start, cpuTime()
	f, err := os.Open(file)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := index.LoadSnapshot(dir, f, index.Options{}); err != nil {
		log.Fatal(err)
	}
	f.Close()
	fmt.Printf("load (untar, checksum of every file): %s\n", phase(wall, cpu))
	wall, cpu = time.Now(), cpuTime()
	db, err := index.Open(dir, index.Options{NoSync: true})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	res, err := matcher.Identify(db.Content(), []matcher.Query{{Signal: sg, Quality: -1}}, matcher.DefaultRule)
	if err != nil || len(res.Matches) == 0 {
		log.Fatalf("join: the snapshot's first item does not match: %+v %v", res, err)
	}
	fmt.Printf("open to serving (the first match answered): %s; search structures read from the snapshot: %v; load + open %.2f s; %d PDQ; peak RSS %.0f MiB\n",
		phase(wall, cpu), db.Content().SearchFromSaved(), time.Since(start).Seconds(),
		db.Content().Status().Signals["pdq"].Count, mib(procStatus("VmHWM")))
}
