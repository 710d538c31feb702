package sync

import (
	"context"
	"log/slog"
	gosync "sync"
	"time"
)

// Schedule syncs every source of cfg on its own goroutine: once at once,
// then every Interval after each run ends, so that runs of one source
// never overlap. A failed run is logged and tried again at the next tick;
// it resumes from the last stored checkpoint. Schedule returns when ctx is
// done and every run in progress has stopped.
func (s *Syncer) Schedule(ctx context.Context, cfg *Config, log *slog.Logger) {
	var wg gosync.WaitGroup
	for _, src := range cfg.Sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := time.Now()
				res, err := s.Run(ctx, src)
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					log.Error("sync", "source", src.Name, "err", err, "pages", res.Pages, "added", res.Added)
				} else {
					log.Info("sync", "source", src.Name, "pages", res.Pages, "added", res.Added, "withdrawn", res.Withdrawn,
						"reactivated", res.Reactivated, "kept_retracted", res.KeptRetracted, "rejected", len(res.Rejected),
						"checkpoint", res.Checkpoint, "took", time.Since(start).Round(time.Millisecond))
				}
				t := time.NewTimer(src.Every())
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		}()
	}
	wg.Wait()
}
