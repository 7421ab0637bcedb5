package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"newswire/internal/config"
	"newswire/store"
)

// retentionFirstDelay is the longest the daemon waits after starting (or a
// reload) before its first retention run: a daemon restarted more often than
// the interval still prunes.
const retentionFirstDelay = time.Minute

// startRetention prunes the store every retention.interval until ctx ends,
// when the config enables retention.
func startRetention(ctx context.Context, cfg *config.Config, st *store.Store, log *slog.Logger) {
	r := cfg.Retention
	if !r.Enabled() {
		return
	}
	p := store.Policy{MaxAge: r.MaxAge.D(), PerCategory: r.PerCategory, TombstoneAge: r.TombstoneAge.D()}
	go runRetention(ctx, st, p, min(r.Interval.D(), retentionFirstDelay), r.Interval.D(), log)
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
