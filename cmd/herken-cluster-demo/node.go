package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// nodeReady is the line a NATS node process prints once it takes
// connections.
const nodeReady = "nats node ready"

// nodeMain runs one NATS node with JetStream until SIGINT or SIGTERM:
// "herken-cluster-demo nats-node --name n1 --port 4231 --cluster-port 6231
// --routes nats-route://127.0.0.1:6231,... --dir DIR".
func nodeMain(args []string, out, errOut io.Writer) int {
	fs := flag.NewFlagSet("nats-node", flag.ContinueOnError)
	fs.SetOutput(errOut)
	name := fs.String("name", "n1", "the node's name in the cluster")
	port := fs.Int("port", 4231, "client port, on 127.0.0.1")
	clusterPort := fs.Int("cluster-port", 6231, "route port, on 127.0.0.1")
	routes := fs.String("routes", "", "the cluster's routes, nats-route://host:port, comma-separated")
	dir := fs.String("dir", "", "JetStream storage folder (required)")
	logFile := fs.String("log", "", "log file (none: no log)")
	if err := fs.Parse(args); err != nil || *dir == "" {
		fmt.Fprintln(errOut, "nats-node: --dir is required")
		return 2
	}
	o := &server.Options{
		ServerName: *name,
		Host:       "127.0.0.1",
		Port:       *port,
		JetStream:  true,
		StoreDir:   *dir,
		NoSigs:     true, // the signals below stop the node
		LogFile:    *logFile,
		NoLog:      *logFile == "",
		// Modest limits: the demo shares one machine with its replicas.
		JetStreamMaxMemory: 64 << 20,
		JetStreamMaxStore:  4 << 30,
		Cluster:            server.ClusterOpts{Name: "herken-demo", Host: "127.0.0.1", Port: *clusterPort},
		Routes:             server.RoutesFromStr(*routes),
	}
	s, err := server.NewServer(o)
	if err != nil {
		fmt.Fprintf(errOut, "nats-node %s: %v\n", *name, err)
		return 1
	}
	if *logFile != "" {
		s.ConfigureLogger()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		fmt.Fprintf(errOut, "nats-node %s: not ready after 30 s (ports %d, %d taken?)\n", *name, *port, *clusterPort)
		return 1
	}
	fmt.Fprintln(out, nodeReady)
	<-sig
	s.Shutdown()
	s.WaitForShutdown()
	return 0
}
