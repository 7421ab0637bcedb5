package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"newswire/internal/config"
	"newswire/store"
)

// retentionFirstDelay is how long the daemon waits after starting before
// the first retention run of a store that never had one.
const retentionFirstDelay = time.Minute

// startRetention prunes the store every retention.interval until ctx ends,
// when the config enables retention. The interval counts from the last run
// the store recorded, so that neither restarts nor reloads (each starts
// this anew) put retention off: a run that is overdue comes at once.
func startRetention(ctx context.Context, cfg *config.Config, st *store.Store, log *slog.Logger) {
	r := cfg.Retention
	if !r.Enabled() {
		return
	}
	p := store.Policy{MaxAge: r.MaxAge.D(), PerCategory: r.PerCategory, TombstoneAge: r.TombstoneAge.D()}
	var last time.Time
	if rs, err := st.RetentionStats(); err != nil {
		log.Warn("reading when retention last ran", "error", err)
	} else {
		last = rs.LastRun
	}
	go runRetention(ctx, st, p, retentionWait(last, time.Now(), r.Interval.D()), r.Interval.D(), log)
}

// retentionWait is how long to wait for the next retention run, every
// apart, when the last one was at last (zero: never).
func retentionWait(last, now time.Time, every time.Duration) time.Duration {
	if last.IsZero() {
		return min(every, retentionFirstDelay)
	}
	// A clock set back leaves at most one interval to wait.
	return max(0, min(last.Add(every).Sub(now), every))
}

// runRetention prunes after first, then every every, until ctx ends.
func runRetention(ctx context.Context, st *store.Store, p store.Policy, first, every time.Duration, log *slog.Logger) {
	t := time.NewTimer(first)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		res, err := st.Prune(ctx, start, p)
		attrs := []any{"removed", res.Removed, "aged", res.Aged, "left_category", res.LeftCategory,
			"tombstones_added", res.TombstonesAdded, "tombstones_expired", res.TombstonesExpired,
			"transactions", res.Transactions, "duration", time.Since(start).Round(time.Millisecond)}
		switch {
		case errors.Is(err, context.Canceled):
			return
		case err != nil:
			log.Warn("retention", append(attrs, "error", err)...)
		default:
			log.Info("retention", attrs...)
		}
		t.Reset(every)
	}
}
