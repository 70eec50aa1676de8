package workflow

import (
	"context"
	"log/slog"
	"time"
)

// Sweeper runs the supervision ladder in the background: every Interval it takes
// the steps that have fallen due. The command layer starts and stops it.
type Sweeper struct {
	Supervision *Supervision
	Interval    time.Duration // one minute when zero
	Log         *slog.Logger
	// Checkpoints, when set, gets the day's signed checkpoint made at the
	// first tick of each day (once across replicas: see Checkpoints.Daily).
	Checkpoints *Checkpoints
}

// SweepOnce refreshes the holiday calendars, takes every step due at now and
// sends the reminders of near due days.
func (s *Sweeper) SweepOnce(ctx context.Context, now time.Time) (SweepResult, error) {
	if err := s.Supervision.LoadCalendars(ctx); err != nil {
		return SweepResult{}, err
	}
	return s.Supervision.SweepOnce(ctx, now)
}

// Run sweeps until ctx ends. A failed sweep is logged and tried again at the next
// tick; nothing is lost, since due steps stay due.
func (s *Sweeper) Run(ctx context.Context) {
	interval := s.Interval
	if interval <= 0 {
		interval = time.Minute
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		res, err := s.SweepOnce(ctx, time.Now())
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Error("sweep failed", "err", err)
		case res.Steps+res.Reminders+res.Patrols > 0:
			log.Info("sweep", "steps", res.Steps, "reminders", res.Reminders, "patrols", res.Patrols, "batches", res.Batches, "longest", res.Longest, "duration", res.Duration)
		}
		if s.Checkpoints != nil && ctx.Err() == nil {
			if cp, made, err := s.Checkpoints.Daily(ctx, time.Now()); err != nil {
				log.Error("daily checkpoint failed", "err", err)
			} else if made {
				log.Info("checkpoint", "n", cp.N, "size", cp.Size, "root", cp.Root)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
