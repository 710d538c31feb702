package service

import (
	"fmt"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher"
)

// metrics are the service's Prometheus metrics: requests and their latency
// by endpoint, matches by bank and signal type, the batch queue depth, and
// the index's size and version.
type metrics struct {
	set   *vm.Set
	queue *vm.Counter
}

func newMetrics(store *index.Content) *metrics {
	m := &metrics{set: vm.NewSet()}
	m.queue = m.set.NewCounter("herken_batch_lines_in_flight")
	m.set.NewGauge("herken_index_version", func() float64 { return float64(store.Version()) })
	for _, t := range matcher.SignalTypes() {
		name := fmt.Sprintf(`herken_index_signals{signal_type=%q}`, t.String())
		m.set.NewGauge(name, func() float64 { return float64(store.Status().Signals[t.String()].Count) })
	}
	return m
}

func (m *metrics) request(endpoint string, status int, d time.Duration) {
	m.set.GetOrCreateCounter(fmt.Sprintf(`herken_requests_total{endpoint=%q,code="%d"}`, endpoint, status)).Inc()
	m.set.GetOrCreateHistogram(fmt.Sprintf(`herken_request_duration_seconds{endpoint=%q}`, endpoint)).Update(d.Seconds())
}

func (m *metrics) matched(ms []matcher.Match) {
	for _, x := range ms {
		m.set.GetOrCreateCounter(fmt.Sprintf(`herken_matches_total{bank=%q,signal_type=%q}`, x.Bank, x.SignalType.String())).Inc()
	}
}

// queued counts batch lines being worked on (delta +1 or -1).
func (m *metrics) queued(delta int) {
	if delta > 0 {
		m.queue.Inc()
	} else {
		m.queue.Dec()
	}
}

// handle answers GET /metrics in the Prometheus text format.
func (m *metrics) handle(c *call) error {
	c.ctx.SetContentType("text/plain; version=0.0.4")
	m.set.WritePrometheus(c.ctx)
	vm.WriteProcessMetrics(c.ctx)
	return nil
}
