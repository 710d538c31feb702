// Package clustertest runs real NATS JetStream clusters on loopback for
// tests: embedded nats-server nodes routed to each other, each with its
// own storage folder and fixed ports, so that a node stopped and started
// again rejoins with its data. Proxy puts a loopback TCP relay in front of
// a node that a test can cut, as a network would.
//
// Only tests link it (and with it the NATS server). A NATS and a Proxy may
// be used from concurrent goroutines.
package clustertest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATS is a cluster of embedded NATS servers with JetStream.
type NATS struct {
	t     testing.TB
	mu    sync.Mutex
	opts  []*server.Options
	nodes []*server.Server
}

// FreePort returns a loopback TCP port free at the time of the call,
// below the kernel's range of ephemeral ports. A port the kernel handed
// out (listening on port 0) and the listener closed goes back to that
// range, where the next outgoing connection of any process (a client or a
// route of a test running beside this one) may take it as its own port
// before the node listens on it: the node then never starts. Outside the
// range only another listener can take it, and each port is handed out
// once per process.
func FreePort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	lo, hi := portBase, ephemeralLow()
	for range 1000 {
		if hi-lo < 1000 {
			break
		}
		p := lo + rand.IntN(hi-lo)
		if portsGiven[p] {
			continue
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		ln.Close()
		portsGiven[p] = true
		return p
	}
	// A machine whose ephemeral range starts low: the kernel's choice.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// portBase is the lowest port FreePort hands out: above the well-known
// and the usual registered services' ports.
const portBase = 20000

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// ephemeralLow is the first port of the kernel's ephemeral range (Linux's
// default when it cannot be read).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) < 1 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return 32768
	}
	return n
}

// NodeConfig is one node of a test cluster: its name, ports, routes to
// the others and storage folder. It is JSON, to hand it to a node run in
// another process (RunNode).
type NodeConfig struct {
	Name        string   `json:"name"`
	Port        int      `json:"port"`
	ClusterPort int      `json:"cluster_port"`
	Routes      []string `json:"routes"`
	Dir         string   `json:"dir"`
	// NoAdvertise keeps clients to the URLs they were given, so that a
	// test's proxy stays in their way.
	NoAdvertise bool `json:"no_advertise"`
}

// Plan returns the configs of an n-node cluster on free loopback ports,
// storing under dir (n = 1: a single server, no cluster).
func Plan(t testing.TB, n int, dir string) []NodeConfig {
	t.Helper()
	var routes []string
	nodes := make([]NodeConfig, n)
	for i := range n {
		nodes[i] = NodeConfig{Name: fmt.Sprintf("n%d", i+1), Port: FreePort(t), Dir: filepath.Join(dir, fmt.Sprintf("n%d", i+1))}
		if n > 1 {
			nodes[i].ClusterPort = FreePort(t)
			routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", nodes[i].ClusterPort))
		}
	}
	for i := range nodes {
		nodes[i].Routes = routes
	}
	return nodes
}

// URL is the node's client URL.
func (n NodeConfig) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.Port) }

func (n NodeConfig) options() *server.Options {
	o := &server.Options{
		ServerName: n.Name,
		Host:       "127.0.0.1",
		Port:       n.Port,
		JetStream:  true,
		StoreDir:   n.Dir,
		NoLog:      true,
		NoSigs:     true,
		// Small limits: a test machine's memory is shared.
		JetStreamMaxMemory: 64 << 20,
		JetStreamMaxStore:  1 << 30,
	}
	if len(n.Routes) > 0 {
		o.Cluster = server.ClusterOpts{Name: "herken-test", Host: "127.0.0.1", Port: n.ClusterPort, NoAdvertise: n.NoAdvertise}
		o.Routes = server.RoutesFromStr(strings.Join(n.Routes, ","))
	}
	return o
}

// RunNode runs one node in this process until stop is closed: for a test
// binary re-executed as a NATS node process. ready is called once it
// takes connections.
func RunNode(n NodeConfig, ready func(), stop <-chan struct{}) error {
	s, err := server.NewServer(n.options())
	if err != nil {
		return err
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return fmt.Errorf("clustertest: node %s did not start", n.Name)
	}
	ready()
	<-stop
	s.Shutdown()
	s.WaitForShutdown()
	return nil
}

// Start starts n routed nodes in this process (n = 1: a single server,
// no cluster) and stops them at the test's end.
func Start(t testing.TB, n int) *NATS {
	t.Helper()
	c := &NATS{t: t}
	for _, node := range Plan(t, n, t.TempDir()) {
		node.NoAdvertise = true
		c.opts = append(c.opts, node.options())
		c.nodes = append(c.nodes, nil)
	}
	for i := range n {
		c.StartNode(i)
	}
	t.Cleanup(c.Shutdown)
	return c
}

// StartNode starts node i (again), with its folder and ports.
func (c *NATS) StartNode(i int) {
	c.t.Helper()
	o := *c.opts[i]
	s, err := server.NewServer(&o)
	if err != nil {
		c.t.Fatalf("nats node %d: %v", i, err)
	}
	go s.Start()
	if !s.ReadyForConnections(20 * time.Second) {
		c.t.Fatalf("nats node %d did not start", i)
	}
	c.mu.Lock()
	c.nodes[i] = s
	c.mu.Unlock()
}

// StopNode stops node i.
func (c *NATS) StopNode(i int) {
	c.mu.Lock()
	s := c.nodes[i]
	c.nodes[i] = nil
	c.mu.Unlock()
	if s != nil {
		s.Shutdown()
		s.WaitForShutdown()
	}
}

// Shutdown stops every node.
func (c *NATS) Shutdown() {
	for i := range c.nodes {
		c.StopNode(i)
	}
}

// URL is node i's client URL.
func (c *NATS) URL(i int) string { return fmt.Sprintf("nats://127.0.0.1:%d", c.opts[i].Port) }

// URLs are the client URLs of every node.
func (c *NATS) URLs() []string {
	out := make([]string, len(c.opts))
	for i := range c.opts {
		out[i] = c.URL(i)
	}
	return out
}

// Proxy relays TCP connections from a loopback port to a target until cut.
type Proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  []net.Conn
}

// NewProxy starts a relay to target ("host:port"), closed at the test's
// end.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: strings.TrimPrefix(target, "nats://")}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.Cut() })
	return p
}

// URL is the relay's nats:// URL.
func (p *Proxy) URL() string { return "nats://" + p.ln.Addr().String() }

func (p *Proxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			in.Close()
			continue
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			in.Close()
			continue
		}
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		go relay(in, out)
		go relay(out, in)
	}
}

func relay(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// Cut closes every relayed connection and refuses new ones.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Restore lets connections through again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

// JetStream returns a JetStream handle on a connection of its own to url,
// closed when the test ends, and a context bounded at 10 s for its calls:
// for tests that read what the cluster stored behind herken's back.
func JetStream(t testing.TB, url string) (context.Context, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx, js
}
