package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream and subjects of the known content's changes.
const (
	StreamName    = "HERKEN_CONTENT"
	subjectPrefix = "herken.content."
)

// ErrUnavailable refuses a write while the cluster does not answer: the
// change was not stored, and may be sent again.
var ErrUnavailable = errors.New("cluster: unavailable")

// Options configure Connect.
type Options struct {
	// Name names the connection in the NATS server's monitoring.
	Name string
	// Replicas is the stream's number of replicas when Connect creates it
	// (default: 3, or fewer when the NATS cluster has fewer nodes).
	Replicas int
	// Timeout bounds one publish or request (default 5s).
	Timeout time.Duration
	Logger  *slog.Logger
	// Auth are the credentials and TLS settings NATS asks for (secure.go).
	Auth Auth
}

// Cluster is a connection to the NATS cluster holding the stream of
// content changes.
type Cluster struct {
	nc *nats.Conn
	js jetstream.JetStream
	// ready is closed once the stream is found or made; stream and logID
	// are set before, and read only after.
	ready  chan struct{}
	stream jetstream.Stream
	// logID names this incarnation of the stream (its name and creation
	// time): a replica's folder follows one only (index.Content.Follow).
	logID string
	opts  Options
	log   *slog.Logger
	// stop ends Dial's search for the stream.
	stop context.CancelFunc
}

// ParseURLs splits a comma-separated list of nats:// URLs, refusing an
// empty list and anything that is not a nats URL.
func ParseURLs(list string) ([]string, error) {
	var out []string
	for _, u := range strings.Split(list, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		if !strings.HasPrefix(u, "nats://") && !strings.HasPrefix(u, "tls://") {
			return nil, fmt.Errorf("cluster: %q is not a NATS URL (nats://host:port)", u)
		}
		out = append(out, u)
	}
	if len(out) == 0 {
		return nil, errors.New("cluster: no NATS URL")
	}
	return out, nil
}

// Connect connects to the NATS cluster at urls and ensures the stream of
// content changes, retrying while the cluster is starting or electing its
// leaders, until ctx ends.
func Connect(ctx context.Context, urls []string, opts Options) (*Cluster, error) {
	c, err := dial(urls, opts)
	if err != nil {
		return nil, err
	}
	if err := c.ensureStream(ctx); err != nil {
		c.nc.Close()
		return nil, err
	}
	return c, nil
}

// Dial is Connect without the wait: it returns at once, and keeps
// connecting and looking for the stream in the background until Close.
// Until then writes fail with ErrUnavailable: for a replica that serves
// its last state while the cluster is unreachable (NewApplier).
func Dial(urls []string, opts Options) (*Cluster, error) {
	c, err := dial(urls, opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.stop = cancel
	go func() {
		if err := c.ensureStream(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("cluster: no stream", "err", err)
		}
	}()
	return c, nil
}

// Ready is closed once the cluster answered and the stream is there.
func (c *Cluster) Ready() <-chan struct{} { return c.ready }

func (c *Cluster) isReady() bool {
	select {
	case <-c.ready:
		return true
	default:
		return false
	}
}

func dial(urls []string, opts Options) (*Cluster, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Name == "" {
		opts.Name = "herken"
	}
	c := &Cluster{opts: opts, log: opts.Logger, ready: make(chan struct{}), stop: func() {}}
	auth, err := opts.Auth.options()
	if err != nil {
		return nil, err
	}
	natsOpts := append([]nats.Option{nats.Name(opts.Name),
		nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
		nats.Timeout(opts.Timeout),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				c.log.Warn("cluster: disconnected from NATS", "err", err)
			}
		}),
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) {
			c.log.Debug("cluster: connecting to NATS", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { c.log.Info("cluster: reconnected to NATS", "server", nc.ConnectedUrlRedacted()) })},
		auth...)
	// A first try tells a server that refuses this client (credentials,
	// certificates) from one not there yet: the first ends here, with
	// the server's reason, as waiting changes nothing; the second is
	// waited for in the background (a cluster starting).
	nc, err := nats.Connect(strings.Join(urls, ","), natsOpts...)
	if err != nil && !refused(err) {
		nc, err = nats.Connect(strings.Join(urls, ","), append(natsOpts, nats.RetryOnFailedConnect(true))...)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: cannot connect to NATS at %s: %w (check the user and password in the URL, the credentials and the TLS files)", redact(urls), err)
	}
	c.nc = nc
	if c.js, err = jetstream.New(nc); err != nil {
		nc.Close()
		return nil, fmt.Errorf("cluster: %w", err)
	}
	return c, nil
}

// ensureStream creates the stream, or finds it, retrying while the NATS
// cluster cannot answer yet.
func (c *Cluster) ensureStream(ctx context.Context) error {
	var s jetstream.Stream
	err := c.ensure(ctx, "the stream "+StreamName, func(ctx context.Context, replicas int) error {
		var err error
		s, err = c.js.Stream(ctx, StreamName)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			s, err = c.js.CreateStream(ctx, jetstream.StreamConfig{
				Name:        StreamName,
				Description: "herken: changes of the known content, applied in order by every replica",
				Subjects:    []string{subjectPrefix + ">"},
				Storage:     jetstream.FileStorage,
				Replicas:    replicas,
				Duplicates:  2 * time.Minute,
				// A replica applies from any sequence: nothing is deleted
				// until snapshots let a new replica start without it.
				Retention: jetstream.LimitsPolicy,
			})
		}
		return err
	})
	if err != nil {
		return err
	}
	info := s.CachedInfo()
	c.stream = s
	c.logID = fmt.Sprintf("%s@%s", StreamName, info.Created.UTC().Format(time.RFC3339Nano))
	c.log.Info("cluster: stream ready", "stream", StreamName, "replicas", info.Config.Replicas, "last_seq", info.State.LastSeq)
	close(c.ready)
	return nil
}

// LogID names the stream's incarnation, for index.Content.Follow; empty
// until Ready.
func (c *Cluster) LogID() string {
	if !c.isReady() {
		return ""
	}
	return c.logID
}

// Connected reports whether the connection to NATS is up.
func (c *Cluster) Connected() bool { return c.nc.IsConnected() }

// Close closes the connection.
func (c *Cluster) Close() {
	c.stop()
	c.nc.Close()
}

// LastSeq asks the stream for its last sequence.
func (c *Cluster) LastSeq(ctx context.Context) (uint64, error) {
	if !c.isReady() {
		return 0, fmt.Errorf("%w: the stream has not been reached yet", ErrUnavailable)
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	info, err := c.stream.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.LastSeq, nil
}
