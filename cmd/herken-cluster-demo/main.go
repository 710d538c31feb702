// Command herken-cluster-demo runs herken's cluster mode on one machine
// (make cluster-demo): three NATS JetStream nodes routed to each other and
// three herken replicas (herken serve --cluster), all on loopback, each
// with its own folder under --dir. It seeds the cluster with the demo bank
// through the admin CLI (bank create, import, keys create, all with
// --cluster), checks that a demo photo matches on every replica, prints
// the replicas' URLs and an admin key, and stops everything on Ctrl-C:
// the replicas first, then the NATS nodes. Its NATS nodes take clients
// without credentials or TLS, on loopback only; a deployment's NATS asks
// for both, and herken gives them with --cluster-creds (or a user in the
// URL) and --cluster-tls-ca/-cert/-key (README, Deployment).
//
// It is a command of its own, not a subcommand of herken, because linking
// the NATS server makes a binary about 13 MB larger (29 -> 42 MB); herken
// itself is only a NATS client. Each NATS node runs in a process of its
// own (this binary re-run as "herken-cluster-demo nats-node ..."), so
// that a node can be killed on its own to watch the cluster survive it.
//
// The demo runs on the calling goroutine; it waits for its child processes
// from one goroutine each, and a Cluster's methods are not meant to be
// called concurrently.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "nats-node" {
		os.Exit(nodeMain(os.Args[2:], os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := demoMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: herken-cluster-demo [--herken bin/herken] [--dir cluster-demo-data] [flags]

Starts 3 NATS JetStream nodes and 3 herken replicas on loopback with the
demo bank, and runs until interrupted. Run it again: it reuses --dir.`

// demoMain runs the demo until ctx ends and returns the exit code.
func demoMain(ctx context.Context, args []string, out, errOut io.Writer) int {
	fs := flag.NewFlagSet("herken-cluster-demo", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() {
		fmt.Fprintln(errOut, usage)
		fmt.Fprintln(errOut, "\nflags:")
		fs.PrintDefaults()
	}
	var c Config
	fs.StringVar(&c.Herken, "herken", "bin/herken", "the herken binary the replicas and the admin commands run")
	fs.StringVar(&c.Dir, "dir", "cluster-demo-data", "folder of the NATS nodes' storage, the replicas' data folders and the logs")
	natsPort := fs.Int("nats-port", 4231, "client port of the first NATS node; the others take the next two")
	routePort := fs.Int("route-port", 6231, "cluster (route) port of the first NATS node; the others take the next two")
	listen := fs.String("listen", "127.0.0.1:8081,127.0.0.1:8082,127.0.0.1:8083", "the 3 replicas' HTTP addresses, comma-separated")
	fs.StringVar(&c.Known, "known", "fixtures/pdq/threatexchange/pdq/data/bridge-mods", "folder of the photos imported into the demo bank")
	fs.StringVar(&c.Photo, "photo", "fixtures/pdq/threatexchange/pdq/data/misc-images/modes/RGB.jpg", "photo the demo matches on every replica once they run")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(errOut, "herken-cluster-demo: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	for i := range 3 {
		c.NATSPorts[i], c.RoutePorts[i] = *natsPort+i, *routePort+i
	}
	c.Listen = strings.Split(*listen, ",")
	if len(c.Listen) != 3 {
		fmt.Fprintln(errOut, "herken-cluster-demo: --listen: want 3 addresses, comma-separated")
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(errOut, "herken-cluster-demo: %v\n", err)
		return 1
	}
	c.Node = []string{self, "nats-node"}
	c.Log = out

	cl, err := Start(ctx, c)
	if err != nil {
		fmt.Fprintf(errOut, "herken-cluster-demo: %v\n", err)
		return 1
	}
	cl.PrintGuide(out)
	// A node or replica that exits (killed to watch the cluster survive
	// it, say) is reported; the rest go on until Ctrl-C.
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case err := <-cl.Exited():
			fmt.Fprintf(errOut, "herken-cluster-demo: %v; the others go on (run the demo again to restart it)\n", err)
		}
	}
	fmt.Fprintln(out, "\nstopping: the replicas, then the NATS nodes")
	if err := cl.Stop(); err != nil {
		fmt.Fprintf(errOut, "herken-cluster-demo: %v\n", err)
		return 1
	}
	fmt.Fprintln(out, "stopped")
	return 0
}
