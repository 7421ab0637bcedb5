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
// sources push (a push has the poller poll that source as soon as its
// host's limits allow; the schedule goes on as the safety net). It mounts
// the subscriber's callback on web. It returns a channel closed once the
// subscriber has stopped, after ctx ends: it writes to the store.
//
// The subscriber's requests go to addresses that outlets give (a feed's
// hub), so they go through the poller's client and its guards: never to
// this daemon's own address, never from an outlet on the internet to a
// private one, and a subscription request is not sent on where a redirect
// points.
func startWebSub(ctx context.Context, cfg *config.Config, st *store.Store, web *server.Server, poller *poll.Poller, log *slog.Logger, cursor *websub.Cursor, subs *websub.Subscriptions) <-chan struct{} {
	client := &http.Client{Timeout: 20 * time.Second}
	stopped := make(chan struct{})
	if pub := websub.NewPublisher(cfg, st, client, log); pub != nil {
		pub.Cursor = cursor // the last publisher's place, across reloads
		go func() {
			if err := pub.Run(ctx); err != nil {
				log.Warn("websub publisher stopped", "error", err)
			}
		}()
	}
	sub := websub.NewSubscriber(cfg, poller.HTTPClient(), log, func(id string) {
		if src, ok := cfg.Source(id); ok && !src.Disabled {
			poller.Soon(id)
			log.Info("websub push: source polled as soon as its host allows", "source", id)
		}
	})
	if sub != nil {
		sub.KeepIn(subs) // the last config's subscriptions, still leased
		// A feed that names another self or hub than its subscription's
		// has moved: it is subscribed to again where it says.
		poller.WatchAdvertised(sub.Advertised)
		web.SetWebSubStates(func() map[string]server.WebSubState {
			out := map[string]server.WebSubState{}
			for id, s := range subs.Status() {
				out[id] = server.WebSubState{Hub: s.Hub, State: s.State, Reason: s.Reason, Error: s.Error, LeaseEnds: s.LeaseEnds,
					LastPush: s.LastPush, Pushes: s.Pushes, Ignored: s.Ignored, NextLook: s.NextLook}
			}
			return out
		})
		web.Mount(websub.CallbackPath, sub)
		go func() {
			defer close(stopped)
			_ = sub.Run(ctx)
		}()
	} else {
		// Hubs that still push (subscribe was on before a reload or
		// a restart) are told to stop.
		web.Mount(websub.CallbackPath, websub.Unsubscribed(subs, log))
		close(stopped)
	}
	return stopped
}
