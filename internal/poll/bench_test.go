package poll

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"newswire/internal/config"
	"newswire/internal/farm"
	"newswire/internal/heapfloor"
)

// BenchmarkChangedFeed polls a loopback feed of 50 items that has gained
// one since the last poll, through the whole pipeline (fetch, decode, parse,
// normalise, sanitise, identify, route, store), beside a bare gofeed parse of
// the same document: the ratio of the two is the cost of a changed feed
// against the parse alone. The outlet runs in a process of its own; with
// NEWSWIRE_BENCH_DETAILED=1 its items carry an HTML description of some
// 1.3 KB each (farm.Options.Detailed).
//
//	go test -run '^$' -bench ChangedFeed -benchtime 400x -count 3 ./internal/poll
func BenchmarkChangedFeed(b *testing.B) {
	url, p, src := benchPoller(b, true)
	ctx := context.Background()
	if rep := p.Poll(ctx, src); rep.Result != ResultOK || rep.New != 50 {
		b.Fatalf("first poll: %+v", rep)
	}
	b.Run("newswire", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			if rep := p.Poll(ctx, src); rep.Result != ResultOK || rep.New != 1 {
				b.Fatalf("poll: %+v", rep)
			}
		}
	})
	// Fetched after newswire's polls: each request adds an item.
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	// gofeed's default translator parses every item's description as HTML
	// to look for an image; newswire's parse turns that off (unscanned).
	for _, name := range []string{"gofeed", "gofeed-unscanned"} {
		b.Run(name, func(b *testing.B) {
			defer reportCPU(b)()
			for b.Loop() {
				p := gofeed.NewParser()
				if name == "gofeed-unscanned" {
					p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
				}
				if _, err := p.Parse(bytes.NewReader(body)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchPoller serves one feed of 50 items, dated a day back so that
// hundreds of changes stay in the past, from a loopback outlet in a process
// of its own (so that the CPU time this process reports is the poller's
// alone), and returns its address and a poller of it set up as the daemon
// sets it up: states saved in batches, warnings only logged, the collector's
// heap floor on. With change, every request for the feed finds one new item.
func benchPoller(b *testing.B, change bool) (string, *Poller, config.Source) {
	if os.Getenv("GOGC") == "" {
		heapfloor.Start(heapfloor.DefaultFloor, heapfloor.DefaultHeadroom)
		b.Cleanup(heapfloor.Stop)
	}
	url := startOutlet(b, change)
	cfg := testConfig(b, fastPoll, "tin-0 "+url)
	p, _, _ := newPoller(b, cfg)
	p.batching = true
	p.log = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return url, p, cfg.Sources[0]
}

// startOutlet runs TestBenchOutlet in a child process of this test binary
// and returns the address of its feed. The child stops when this process
// closes its standard input, at the end of the benchmark.
func startOutlet(b *testing.B, change bool) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchOutlet$")
	cmd.Env = append(os.Environ(), "NEWSWIRE_BENCH_OUTLET="+strconv.FormatBool(change))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatalf("start the outlet process: %v", err)
	}
	b.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	url := strings.TrimSpace(line)
	if err != nil || !strings.HasPrefix(url, "http://127.") {
		b.Fatalf("outlet process: read %q, %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return url
}

// TestBenchOutlet is the outlet process of the benchmarks above: it prints
// its feed's address and serves until its standard input closes.
func TestBenchOutlet(t *testing.T) {
	mode := os.Getenv("NEWSWIRE_BENCH_OUTLET")
	if mode == "" {
		t.Skip("started by the poller benchmarks only")
	}
	f, err := farm.Start(farm.Options{Feeds: 1, Items: 50, Hosts: 1, Start: time.Now().Add(-24 * time.Hour),
		ChangeEachRequest: mode == "true", Detailed: os.Getenv("NEWSWIRE_BENCH_DETAILED") != ""})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Println(f.URLs()[0])
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// reportCPU, deferred, reports the process's CPU time per iteration (the
// outlet's, in its own process, not included), which unlike ns/op does not
// count waiting for the disk.
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
	url, p, src := benchPoller(b, false)
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
