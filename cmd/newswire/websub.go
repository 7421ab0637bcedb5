package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"newswire/internal/config"
	"newswire/internal/poll"
	"newswire/internal/server"
	"newswire/internal/websub"
	"newswire/store"
)

// startWebSub starts what cfg.websub asks for, until ctx ends: the publisher
// that pings the hub when feeds change, and the subscriber that lets
// sources push (a push polls that source at once; the schedule goes on as
// the safety net). It mounts the subscriber's callback on web.
func startWebSub(ctx context.Context, cfg *config.Config, st *store.Store, web *server.Server, poller *poll.Poller, log *slog.Logger, cursor *websub.Cursor, subs *websub.Subscriptions) {
	client := &http.Client{Timeout: 20 * time.Second}
	if pub := websub.NewPublisher(cfg, st, client, log); pub != nil {
		pub.Cursor = cursor // the last publisher's place, across reloads
		go func() {
			if err := pub.Run(ctx); err != nil {
				log.Warn("websub publisher stopped", "error", err)
			}
		}()
	}
	sub := websub.NewSubscriber(cfg, client, log, websub.Coalesce(func(id string) {
		if src, ok := cfg.Source(id); ok && !src.Disabled {
			rep := poller.Poll(ctx, src)
			log.Info("websub push polled", "source", id, "new", rep.New, "updated", rep.Updated, "error", rep.Err)
		}
	}))
	if sub != nil {
		sub.KeepIn(subs) // the last config's subscriptions, still leased
		web.Mount(websub.CallbackPath, sub)
		go func() { _ = sub.Run(ctx) }()
	}
}
