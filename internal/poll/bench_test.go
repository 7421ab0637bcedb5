package poll

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"newswire/internal/config"
	"newswire/internal/farm"
)

// BenchmarkChangedFeed polls a loopback feed of 50 items that has gained
// one since the last poll, through the whole pipeline (fetch, decode, parse,
// normalise, sanitise, identify, route, store), beside a bare gofeed parse of
// the same document: the ratio of the two is the cost of a changed feed
// against the parse alone.
//
//	go test -run '^$' -bench ChangedFeed -benchtime 400x -count 3 ./internal/poll
func BenchmarkChangedFeed(b *testing.B) {
	f, p, src := benchPoller(b)
	url := f.URLs()[0]
	ctx := context.Background()
	if rep := p.Poll(ctx, src); rep.Result != ResultOK || rep.New != 50 {
		b.Fatalf("first poll: %+v", rep)
	}
	b.Run("newswire", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			f.Change(0)
			if rep := p.Poll(ctx, src); rep.Result != ResultOK || rep.New != 1 {
				b.Fatalf("poll: %+v", rep)
			}
		}
	})
	b.Run("gofeed", func(b *testing.B) {
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		defer reportCPU(b)()
		for b.Loop() {
			if _, err := gofeed.NewParser().Parse(bytes.NewReader(body)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchPoller serves one loopback feed of 50 items, dated a day back so that
// hundreds of changes stay in the past, and returns a poller of it set as
// the daemon sets it up: states saved in batches, warnings only logged.
func benchPoller(b *testing.B) (*farm.Farm, *Poller, config.Source) {
	f, err := farm.Start(farm.Options{Feeds: 1, Items: 50, Hosts: 1, Start: time.Now().Add(-24 * time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(f.Close)
	cfg := testConfig(b, fastPoll, "tin-0 "+f.URLs()[0])
	p, _, _ := newPoller(b, cfg)
	p.batching = true
	p.log = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return f, p, cfg.Sources[0]
}

// reportCPU, deferred, reports the process's CPU time per iteration (the
// loopback outlet's included), which unlike ns/op does not count waiting
// for the disk.
func reportCPU(b *testing.B) func() {
	before := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-before)/float64(b.N), "cpu-ns/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkUnchangedFeed polls a loopback feed that answers 304, through
// the poller, beside a bare conditional GET of it with net/http.
//
//	go test -run '^$' -bench UnchangedFeed -benchtime 5000x -count 3 ./internal/poll
func BenchmarkUnchangedFeed(b *testing.B) {
	f, p, src := benchPoller(b)
	url := f.URLs()[0]
	ctx := context.Background()
	if rep := p.Poll(ctx, src); rep.Result != ResultOK {
		b.Fatalf("first poll: %+v", rep)
	}
	b.Run("newswire", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			if rep := p.Poll(ctx, src); rep.Result != ResultNotModified {
				b.Fatalf("poll: %+v", rep)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		etag := resp.Header.Get("ETag")
		client := &http.Client{}
		defer reportCPU(b)()
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("If-None-Match", etag)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotModified {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}
