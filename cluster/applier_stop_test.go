package cluster_test

import (
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/atkm/herken/cluster/clustertest"
	"github.com/atkm/herken/matcher/known"
)

// TestApplierStopsWithNATSGone: an Applier whose NATS nodes all go away
// as it is stopped returns at once, rather than wait for the NATS
// client's reset of its consumer (requests that time out one after the
// other): a replica's stop is not held up by a cluster that is gone.
func TestApplierStopsWithNATSGone(t *testing.T) {
	nats := clustertest.Start(t, 3)
	r := startReplica(t, filepath.Join(t.TempDir(), "r"), nats.URLs()...)
	if _, err := r.writer.CreateBank(known.Bank{Name: "b", Enabled: true, Categories: []known.Category{known.Incitement}}); err != nil {
		t.Fatal(err)
	}
	nats.Shutdown()
	// Let the client notice: its consumer is being reset when the stop
	// comes.
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	r.stop()
	select {
	case <-r.done:
	case <-time.After(3 * time.Second):
		buf := make([]byte, 1<<20)
		t.Logf("%s", buf[:runtime.Stack(buf, true)])
		<-r.done
	}
	took := time.Since(start)
	t.Logf("the Applier stopped %v after it was told to, NATS gone", took.Round(time.Millisecond))
	if took > 2*time.Second {
		t.Fatalf("the Applier took %v to stop", took)
	}
}
