package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Config is what the demo runs, and where.
type Config struct {
	Herken     string   // the herken binary
	Dir        string   // every node's and replica's folder, and the logs
	NATSPorts  [3]int   // the NATS nodes' client ports
	RoutePorts [3]int   // their route ports
	Listen     []string // the replicas' HTTP addresses
	Known      string   // folder of the demo bank's photos
	Photo      string   // photo matched on every replica
	Node       []string // command that runs one NATS node (nodeMain's arguments follow)
	Log        io.Writer
}

// Replica is one running replica as the demo checked it.
type Replica struct {
	URL        string
	Data       string
	Log        string
	Pid        int
	MatchedID  uint64 // the demo bank's item the photo matched
	AppliedSeq uint64
	Lag        uint64
}

// Cluster is the running demo.
type Cluster struct {
	URLs     []string // the NATS nodes' client URLs
	NodePids []int
	Replicas []Replica
	Key      string // an admin key, from the cluster's key bucket
	Herken   string // the herken binary, for the guide

	nodes    []*child
	replicas []*child
	stopping atomic.Bool
	exited   chan error
}

// child is a process the demo started, with its exit awaited by one
// goroutine.
type child struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

// Start runs the NATS nodes, seeds the cluster on its first run, starts
// the replicas and checks that the photo matches on each. On an error it
// stops what it started.
func Start(ctx context.Context, c Config) (_ *Cluster, err error) {
	if err := os.MkdirAll(c.Dir, 0o750); err != nil {
		return nil, err
	}
	cl := &Cluster{exited: make(chan error, 6), Herken: c.Herken}
	defer func() {
		if err != nil {
			_ = cl.Stop()
		}
	}()
	var routes []string
	for i := range 3 {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", c.RoutePorts[i]))
		cl.URLs = append(cl.URLs, fmt.Sprintf("nats://127.0.0.1:%d", c.NATSPorts[i]))
	}
	for i := range 3 {
		name := fmt.Sprintf("n%d", i+1)
		args := append(c.Node[1:len(c.Node):len(c.Node)], "--name", name,
			"--port", fmt.Sprint(c.NATSPorts[i]), "--cluster-port", fmt.Sprint(c.RoutePorts[i]),
			"--routes", strings.Join(routes, ","), "--dir", filepath.Join(c.Dir, "nats", name),
			"--log", filepath.Join(c.Dir, "nats-"+name+".log"))
		ch, line, err := cl.start(ctx, "NATS node "+name, exec.Command(c.Node[0], args...), filepath.Join(c.Dir, "nats-"+name+".err"), 30*time.Second)
		if err != nil {
			return nil, err
		}
		if line != nodeReady {
			return nil, fmt.Errorf("NATS node %s: unexpected %q", name, line)
		}
		cl.nodes = append(cl.nodes, ch)
		cl.NodePids = append(cl.NodePids, ch.cmd.Process.Pid)
	}
	fmt.Fprintf(c.Log, "3 NATS nodes with JetStream: %s\n", strings.Join(cl.URLs, ","))
	if err := cl.seed(ctx, c); err != nil {
		return nil, err
	}

	// The first replica starts alone: on a new cluster it creates the
	// snapshot store and the key and lease buckets, which three replicas
	// creating them at once on a cluster that just formed can take longer
	// than a replica's 5 s request timeout to agree on (seen here: "the
	// snapshot store HERKEN_SNAPSHOTS: context deadline exceeded", serve
	// exits). The other two then start together. Each answers once it
	// applied what the stream held when it started.
	urls := strings.Join(cl.URLs, ",")
	cl.Replicas = make([]Replica, 3)
	cl.replicas = make([]*child, 3)
	startReplica := func(i int) error {
		r := &cl.Replicas[i]
		r.Data = filepath.Join(c.Dir, fmt.Sprintf("replica%d", i+1))
		r.Log = filepath.Join(c.Dir, fmt.Sprintf("replica%d.log", i+1))
		cmd := exec.Command(c.Herken, "serve", "--data", r.Data, "--listen", c.Listen[i], "--cluster", urls)
		ch, line, err := cl.start(ctx, fmt.Sprintf("replica %d", i+1), cmd, r.Log, 2*time.Minute)
		if err != nil {
			return err
		}
		cl.replicas[i] = ch
		r.Pid = cmd.Process.Pid
		r.URL, _ = strings.CutPrefix(line, "herken listening on ")
		if r.URL == line {
			return fmt.Errorf("replica %d: unexpected %q (log: %s)", i+1, line, r.Log)
		}
		return nil
	}
	if err := startReplica(0); err != nil {
		return nil, err
	}
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := 1; i < 3; i++ {
		wg.Go(func() { errs[i] = startReplica(i) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i := range cl.Replicas {
		if err := cl.check(ctx, &cl.Replicas[i], c.Photo); err != nil {
			return nil, fmt.Errorf("replica %d: %w", i+1, err)
		}
	}
	return cl, nil
}

// seed creates the demo bank and imports its photos on the cluster's first
// run (a marker file in Dir records each step), and makes a new admin key
// on every run: the admin CLI talking to the cluster, as an operator would.
func (cl *Cluster) seed(ctx context.Context, c Config) error {
	urls := strings.Join(cl.URLs, ",")
	steps := []struct {
		marker string
		// retry: sending the step again is harmless (an import sent
		// twice finds its items present).
		retry bool
		args  []string
	}{
		{"seeded-bank", false, []string{"bank", "create", "demo", "--cluster", urls, "--source", "ThreatExchange test images",
			"--category", "incitement", "--description", "demo bank: ordinary test photos standing in for known items"}},
		{"seeded-import", true, []string{"import", "--cluster", urls, "--bank", "demo", c.Known}},
	}
	for _, s := range steps {
		marker := filepath.Join(c.Dir, s.marker)
		if _, err := os.Stat(marker); err == nil {
			continue
		}
		out, err := herken(ctx, c.Herken, s.args...)
		// The admin CLI has been seen failing on a cluster that just
		// formed ("cluster: unavailable: reading the bank changes: nats:
		// messages iterator closed"); an import is sent again.
		for try := 1; err != nil && s.retry && try < 3 && strings.Contains(err.Error(), "unavailable"); try++ {
			fmt.Fprintf(c.Log, "%v; sending it again\n", err)
			out, err = herken(ctx, c.Herken, s.args...)
		}
		if err != nil {
			return err
		}
		fmt.Fprint(c.Log, out)
		if err := os.WriteFile(marker, nil, 0o640); err != nil {
			return err
		}
	}
	key, err := herken(ctx, c.Herken, "keys", "create", "--cluster", urls, "--role", "admin", "--name", "cluster demo")
	cl.Key = strings.TrimSpace(key)
	return err
}

// herken runs the admin CLI and returns its standard output.
func herken(ctx context.Context, bin string, args ...string) (string, error) {
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("herken %s %s: %v: %s", args[0], args[1], err, strings.TrimSpace(errOut.String()))
	}
	return out.String(), nil
}

// start starts cmd in a process group of its own (Ctrl-C reaches only the
// demo, which stops its children in order), its standard error appended
// to logPath, and returns the first line it prints. Linux only
// (Pdeathsig), like herken's cluster tests.
func (cl *Cluster) start(ctx context.Context, name string, cmd *exec.Cmd, logPath string, wait time.Duration) (*child, string, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, "", err
	}
	defer logf.Close() // the child holds its own copy
	cmd.Stderr = logf
	// Pdeathsig: a demo killed (or a test crashing) takes its children
	// with it rather than leave them running.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("%s: %w", name, err)
	}
	ch := &child{name: name, cmd: cmd, done: make(chan struct{})}
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		line, _ := r.ReadString('\n')
		lines <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, r) // Wait needs the pipe drained
		err := cmd.Wait()
		close(ch.done)
		if !cl.stopping.Load() {
			cl.exited <- fmt.Errorf("%s exited: %v (log: %s)", name, err, logPath)
		}
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case line := <-lines:
		if line == "" {
			<-ch.done
			return nil, "", fmt.Errorf("%s did not start: %v (log: %s)", name, cmd.ProcessState, logPath)
		}
		return ch, line, nil
	case <-timer.C:
		err = fmt.Errorf("%s did not start within %s (log: %s)", name, wait, logPath)
	case <-ctx.Done():
		err = ctx.Err()
	}
	cmd.Process.Kill()
	<-ch.done
	return nil, "", err
}

// check matches photo on replica r with the admin key and reads the
// replica's place in the stream from /v1/status.
func (cl *Cluster) check(ctx context.Context, r *Replica, photo string) error {
	body, err := os.ReadFile(photo)
	if err != nil {
		return err
	}
	var m struct {
		Matched bool `json:"matched"`
		Matches []struct {
			ItemID uint64 `json:"item_id"`
			Bank   string `json:"bank"`
		} `json:"matches"`
	}
	if err := cl.call(ctx, "POST", r.URL+"/v1/match", body, &m); err != nil {
		return err
	}
	if !m.Matched || len(m.Matches) == 0 || m.Matches[0].Bank != "demo" {
		return fmt.Errorf("%s does not match the demo bank: %+v", photo, m)
	}
	r.MatchedID = m.Matches[0].ItemID
	var st struct {
		Cluster *struct {
			AppliedSeq uint64 `json:"applied_seq"`
			Lag        uint64 `json:"lag"`
		} `json:"cluster"`
	}
	if err := cl.call(ctx, "GET", r.URL+"/v1/status", nil, &st); err != nil {
		return err
	}
	if st.Cluster == nil {
		return errors.New("/v1/status shows no cluster state")
	}
	r.AppliedSeq, r.Lag = st.Cluster.AppliedSeq, st.Cluster.Lag
	return nil
}

// call sends one request with the admin key and decodes its JSON answer.
func (cl *Cluster) call(ctx context.Context, method, url string, body []byte, v any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+cl.Key)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, bytes.TrimSpace(b))
	}
	return json.Unmarshal(b, v)
}

// Exited delivers an error for each child that exits before Stop.
func (cl *Cluster) Exited() <-chan error { return cl.exited }

// Stop stops the replicas, then the NATS nodes (a replica stopping while
// the cluster still answers leaves nothing half-applied to resume), each
// with SIGTERM, and SIGKILL after 30 s.
func (cl *Cluster) Stop() error {
	cl.stopping.Store(true)
	var errs []error
	for _, group := range [][]*child{cl.replicas, cl.nodes} {
		for _, ch := range group {
			if ch != nil {
				ch.cmd.Process.Signal(syscall.SIGTERM)
			}
		}
		for _, ch := range group {
			if ch == nil {
				continue
			}
			select {
			case <-ch.done:
			case <-time.After(30 * time.Second):
				ch.cmd.Process.Kill()
				<-ch.done
				errs = append(errs, fmt.Errorf("%s did not stop within 30 s: killed", ch.name))
			}
		}
	}
	return errors.Join(errs...)
}

// PrintGuide tells the user where everything is and what to try.
func (cl *Cluster) PrintGuide(w io.Writer) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "NATS nodes (pids %v):\n  %s\n", cl.NodePids, strings.Join(cl.URLs, ","))
	fmt.Fprintln(w, "herken replicas (any one takes writes and answers lookups):")
	for _, r := range cl.Replicas {
		fmt.Fprintf(w, "  %s   pid %d, data %s, log %s; applied sequence %d, lag %d; demo photo matches item %d\n",
			r.URL, r.Pid, r.Data, r.Log, r.AppliedSeq, r.Lag, r.MatchedID)
	}
	fmt.Fprintf(w, "admin key: %s\n\n", cl.Key)
	u := cl.Replicas[0].URL
	fmt.Fprintln(w, "Try, in another terminal:")
	fmt.Fprintf(w, "  export HERKEN_KEY=%s HERKEN_CLUSTER=%s\n", cl.Key, strings.Join(cl.URLs, ","))
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $HERKEN_KEY\" --data-binary @fixtures/pdq/threatexchange/pdq/data/misc-images/modes/RGB.jpg %s/v1/match\n", u)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $HERKEN_KEY\" %s/v1/status\n", cl.Replicas[1].URL)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $HERKEN_KEY\" %s/metrics | grep herken_cluster_\n", cl.Replicas[2].URL)
	fmt.Fprintf(w, "  %s item add --cluster $HERKEN_CLUSTER --bank demo --file some.jpg   (then match it on any replica)\n", cl.Herken)
	fmt.Fprintf(w, "  kill -9 %d   (a NATS node: the replicas and the cluster go on with two; run the demo again to bring it back)\n", cl.NodePids[0])
	fmt.Fprintln(w, "Stop with Ctrl-C.")
}
