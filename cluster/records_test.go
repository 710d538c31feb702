package cluster_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/atkm/herken/cluster"
	"github.com/atkm/herken/cluster/clustertest"
	"github.com/atkm/herken/index"
	"github.com/atkm/herken/matcher/known"
)

// TestFeedbackCountedOnceEach: verdicts given at once through two
// connections on one item are all counted (a lost compare-and-set is
// tried again, never overwritten), and both read the same counts.
func TestFeedbackCountedOnceEach(t *testing.T) {
	nts := clustertest.Start(t, 3)
	fa := connect(t, "a", nts.URL(0)).Feedback()
	t.Cleanup(fa.Close)
	fb := connect(t, "b", nts.URL(2)).Feedback()
	t.Cleanup(fb.Close)
	const each = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for i, f := range []*cluster.Feedback{fa, fb} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				v := known.Confirmed
				if i == 1 {
					v = known.FalsePositive
				}
				if _, err := f.AddFeedback(7, known.FeedbackEntry{Verdict: v}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		for _, f := range []*cluster.Feedback{fa, fb} {
			var got known.Feedback
			waitFor(t, 5*time.Second, "every verdict in the copy", func() bool {
				var err error
				if got, err = f.Feedback(7); err != nil {
					t.Fatal(err)
				}
				return got.Confirmed == each && got.FalsePositive == each
			})
			if got.ItemID != 7 {
				t.Fatalf("counts %+v, want item 7's", got)
			}
		}
		if got, err := fa.Feedback(8); err != nil || got.Confirmed+got.FalsePositive != 0 || got.ItemID != 8 {
			t.Fatalf("an item without feedback: %+v %v", got, err)
		}
	}
	check()
	// Cut off from NATS, a replica shows the last counts it saw, and
	// refuses a verdict.
	nts.Shutdown()
	check()
	if _, err := fa.AddFeedback(7, known.FeedbackEntry{Verdict: known.Confirmed}); !errors.Is(err, cluster.ErrUnavailable) {
		t.Fatalf("a verdict while cut off: %v", err)
	}
}

// TestSourceStatesShared: a source's checkpoint stored through one
// connection is read through another; names any text may hold are kept.
func TestSourceStatesShared(t *testing.T) {
	nts := clustertest.Start(t, 1)
	sa := connect(t, "a", nts.URL(0)).SourceStates()
	sb := connect(t, "b", nts.URL(0)).SourceStates()
	name := "TCAP / far-right: ü"
	if st, err := sb.SourceState(name); err != nil || st.Name != name || st.Checkpoint != "" {
		t.Fatalf("a source never synced: %+v %v", st, err)
	}
	if err := sa.SetSourceState(index.SourceState{Name: name, Checkpoint: "1704901040.25555,2822", Complete: true}); err != nil {
		t.Fatal(err)
	}
	st, err := sb.SourceState(name)
	if err != nil || st.Checkpoint != "1704901040.25555,2822" || !st.Complete || st.Name != name {
		t.Fatalf("read through b: %+v %v", st, err)
	}
}
