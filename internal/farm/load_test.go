package farm_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"newswire/internal/farm"
)

// BenchmarkFarm10k runs the real newswire binary against 10,000 loopback
// feeds of 50 items over 49 hosts, polled every 60 s, and reports its peak
// memory, its CPU per unchanged and per changed feed, how regular its polls
// are and how soon a change reaches the merged feed; beside a bare
// conditional-GET loop and a naive poller (GET and parse every time) over the
// same farm; and the CPU per changed feed again in an interval in which ten
// times as many feeds change. It takes about 25 minutes here (9 with NEWSWIRE_FARM_FEEDS=2000), so it runs only when asked:
//
//	NEWSWIRE_FARM=1 go test -run '^$' -bench Farm10k -benchtime 1x -timeout 60m ./internal/farm/
func BenchmarkFarm10k(b *testing.B) {
	if os.Getenv("NEWSWIRE_FARM") == "" {
		b.Skip("set NEWSWIRE_FARM=1 to run the 10,000-feed farm (about 25 minutes; NEWSWIRE_FARM_FEEDS=2000 takes 9)")
	}
	const (
		hosts    = 49
		interval = farmInterval
	)
	// NEWSWIRE_FARM_FEEDS runs a smaller farm on a machine too busy for the
	// full one; the figures per poll and per changed feed stay comparable.
	feeds := 10000
	if n, err := strconv.Atoi(os.Getenv("NEWSWIRE_FARM_FEEDS")); err == nil && n > 0 {
		feeds = n
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "newswire")
	if out, err := exec.Command("go", "build", "-o", bin, "newswire/cmd/newswire").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	// NEWSWIRE_FARM_DETAILED=1 serves items as a news outlet writes them, an
	// HTML description of some 1.3 KB each (farm.Options.Detailed), rather
	// than a line of text.
	detailed := os.Getenv("NEWSWIRE_FARM_DETAILED") != ""
	f, err := farm.Start(farm.Options{Feeds: feeds, Items: 50, Hosts: hosts, Start: time.Now().Add(-2 * time.Hour), Detailed: detailed})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()

	listen := freeAddr(b)
	// NEWSWIRE_FARM_MEMORY_LIMIT sets memory_limit_bytes, as an admin of a
	// small machine would.
	cfgPath := farmConfig(b, dir, listen, os.Getenv("NEWSWIRE_FARM_MEMORY_LIMIT"), f.URLs())
	var stderr bytes.Buffer
	daemon := exec.Command(bin, "serve", "-config", cfgPath)
	daemon.Stderr = &stderr
	if err := daemon.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = daemon.Process.Signal(syscall.SIGTERM)
		_ = daemon.Wait()
		if b.Failed() {
			b.Logf("daemon log:\n%s", stderr.String())
		}
		// NEWSWIRE_FARM_KEEP=PATH keeps the daemon's store file there, for
		// studying the store at this size without a first round of its own.
		if keep := os.Getenv("NEWSWIRE_FARM_KEEP"); keep != "" {
			if err := os.Rename(filepath.Join(dir, "data", "newswire.db"), keep); err != nil {
				b.Logf("keeping the store: %v", err)
			}
		}
	}()
	pid := daemon.Process.Pid
	rssPart, peakParts, peakOf := watchRSS(b, pid)
	rssPart("first round")

	// Warm-up: every feed fetched and stored once, then one more interval so
	// that the schedule settles after the first, heavy round.
	start := time.Now()
	time.Sleep(2 * time.Second)
	profile(b, listen, "first-round", time.Minute)
	// The farm counts a feed's first fetch; the daemon stores the document
	// after it, and counts the poll then. Waiting for both keeps the round's
	// last bulk commits out of the parts that follow.
	for f.Stats().Fresh < int64(feeds) || pollsOK(b, listen) < feeds {
		if time.Since(start) > 30*time.Minute {
			b.Fatalf("first round unfinished after 30 minutes: %+v, %d polls stored", f.Stats(), pollsOK(b, listen))
		}
		time.Sleep(time.Second)
	}
	firstRound := time.Since(start)
	cpuFirst := cpuSeconds(b, pid)
	rssPart("settling")
	time.Sleep(interval)
	// The baselines run next to the phases they are the measure of as well
	// as at the end: how fast this machine is moves by up to twice between
	// parts of one run.
	bareBefore := runClient(b, "bare", f.URLs())

	// Phase A: one interval, nothing changes.
	f.Reset()
	rssPart("phase A")
	procA := takeProc(b, pid, listen)
	profile(b, listen, "phase-a", interval-5*time.Second)
	time.Sleep(interval)
	procA = takeProc(b, pid, listen).since(procA)
	cpuA := procA.cpu()
	statsA := f.Stats()

	// Phase B: two intervals, 1% of the feeds change per interval, spread
	// over it; the merged feed is watched for each new item.
	f.Reset()
	rssPart("phase B")
	cpu1 := cpuSeconds(b, pid)
	ctx, cancel := context.WithTimeout(context.Background(), 2*interval)
	defer cancel()
	seen, renders := watchMerged(ctx, "http://"+listen+"/feeds/all.json?limit=300")
	profile(b, listen, "phase-b", 2*interval-5*time.Second)
	changesPerInterval := feeds / 100
	tick := time.NewTicker(interval / time.Duration(changesPerInterval))
changing:
	for {
		select {
		case <-ctx.Done():
			break changing
		case <-tick.C:
			f.ChangeRandom(1)
		}
	}
	tick.Stop()
	cpuB := cpuSeconds(b, pid) - cpu1
	rendersB := renders()
	statsB := f.Stats()
	// Changes made in the last interval + 5 s may legitimately not be seen yet.
	rssPart("watching on")
	time.Sleep(interval + 5*time.Second)
	visible := seen()
	changes, allPolls := f.Changes(), f.Polls()

	// Phase C: one interval in which 10 % of the feeds change, with no
	// watcher. Phase B's changes cost less than its 304s, so its figure per
	// change is a small difference of large sums; ten times the changes make
	// the difference the larger part. Its peak is reported apart: ten times
	// the rate is a heavy news day.
	parseBefore := runClient(b, "parse", f.URLs()[:1])
	f.Reset()
	rssPart("phase C")
	procC := takeProc(b, pid, listen)
	profile(b, listen, "phase-c", interval-5*time.Second)
	changeSpread(f, feeds/10, interval)
	procC = takeProc(b, pid, listen).since(procC)
	cpuC := procC.cpu()
	statsC := f.Stats()
	rssPart("done")
	// The first round stores every feed's 50 stories at once, a bulk load
	// that a running daemon sees only when thousands of sources are added
	// together; its peak is told apart from the steady state's after it.
	rssFirst := peakOf("first round")
	rss := max(peakOf("settling"), peakOf("phase A"), peakOf("phase B"), peakOf("watching on"))

	var late, missing int
	// worst is the slowest change's lag; worstFetch the longest wait from a
	// change to the request that fetched it, worstShown the longest from
	// that request to the change's sighting in the merged feed.
	var worst, worstFetch, worstShown time.Duration
	for _, c := range changes {
		at, ok := visible[c.Title]
		if !ok {
			missing++
			continue
		}
		d := at.Sub(c.At)
		worst = max(worst, d)
		if d > interval+5*time.Second {
			late++
		}
		polls := allPolls[c.Feed]
		if i, _ := slices.BinarySearchFunc(polls, c.At, time.Time.Compare); i < len(polls) && !polls[i].After(at) {
			worstFetch = max(worstFetch, polls[i].Sub(c.At))
			worstShown = max(worstShown, at.Sub(polls[i]))
		}
	}
	var gaps, regular, short int
	var gapSum time.Duration
	for _, polls := range allPolls {
		for i := 1; i < len(polls); i++ {
			gaps++
			g := polls[i].Sub(polls[i-1])
			gapSum += g
			if onPace(g, interval) {
				regular++
			} else if g < interval {
				short++
			}
		}
	}
	renderCost := renderCPU(b, pid, listen)
	perUnchanged := cpuA / float64(statsA.Requests) * 1000
	changedAll := (cpuB - float64(statsB.Unchanged304)*cpuA/float64(statsA.Requests)) / float64(max(1, statsB.Fresh))
	changedCost := changedAll - float64(rendersB)*renderCost/float64(max(1, statsB.Fresh))
	changedC := (cpuC - float64(statsC.Unchanged304)*cpuA/float64(statsA.Requests)) / float64(max(1, statsC.Fresh))

	bareAfter := runClient(b, "bare", f.URLs())
	paced := runClient(b, "paced", f.URLs())
	waved := runClient(b, "waved", f.URLs())
	naive := runClient(b, "naive", f.URLs()[:min(2000, feeds)])
	parseAfter := runClient(b, "parse", f.URLs()[:1])
	// gofeed's default translator parses every item's description as HTML
	// to look for an image; newswire turns that off, so the parse without it
	// is the stricter measure of what newswire adds.
	parseUnscanned := runClient(b, "parse-unscanned", f.URLs()[:1])
	bare, parse := (bareBefore+bareAfter)/2, (parseBefore+parseAfter)/2

	b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(rssFirst)/(1<<20), "first-round-peak-RSS-MiB")
	b.ReportMetric(perUnchanged, "daemon-CPU-s/1000-unchanged")
	b.ReportMetric(bare, "bare-loop-CPU-s/1000")
	b.ReportMetric(paced, "paced-loop-CPU-s/1000")
	b.ReportMetric(waved, "waved-loop-CPU-s/1000")
	b.ReportMetric(naive, "naive-CPU-s/1000")
	b.ReportMetric(changedCost*1000, "daemon-CPU-ms/changed-feed")
	b.ReportMetric(changedC*1000, "daemon-CPU-ms/changed-feed-at-10pct")
	b.ReportMetric(parse, "gofeed-parse-ms/feed")
	fmt.Printf(`farm: %d feeds of 50 items (detailed: %t, %d bytes a document) on %d hosts, interval %s
first round: %s, %.1f CPU-s
phase A (1 interval, no change): %d requests, %d of %d unchanged answered 304 (%.2f%%), daemon CPU %.2f s = %.3f CPU-s per 1000 polls
phase B (2 intervals, 1%%/interval change): %d requests, %d 200s, %d of %d unchanged answered 304 (%.2f%%), daemon CPU %.2f s
  per changed feed: %.2f ms, or %.2f ms with the watcher's %d renders of the merged feed (%.2f ms each)
phase C (1 interval, 10%%/interval change, no watcher): %d requests, %d 200s, %d of %d unchanged answered 304, daemon CPU %.2f s
  per changed feed: %.2f ms; peak RSS (VmHWM) %.1f MiB
polls on time (interval ±10%%, ±1 s of scheduling): %d of %d gaps (%.2f%%), %d shorter; mean gap %s
changes: %d made, %d not visible in /feeds/all.json, %d later than interval + 5 s, slowest %s; longest from a change to its fetch %s, from a fetch to the change's sighting %s
peak RSS (VmHWM): %.1f MiB after the first round, %.1f MiB in it; largest sampled every 0.5 s: %s
bare conditional-GET loop: %.3f CPU-s per 1000 polls back to back (%.3f before phase A, %.3f at the end), %.3f spread over the interval, %.3f in waves of one poll per host a host gap apart; naive poller: %.3f CPU-s per 1000 polls; gofeed parse of one 50-item feed: %.2f ms (%.2f before phase C, %.2f at the end)
daemon against the baselines: unchanged polls %.1f × the bare loop back to back (%.1f × before phase A), %.2f × the loop in waves, changed feeds %.1f × the gofeed parse (%.1f × before phase C)
gofeed parse without its search of each description for an image, as newswire parses: %.2f ms, the changed feed %.1f × that
phase A in detail: %s; per 1000 polls %s
phase C in detail: %s; per changed feed %s
`, feeds, detailed, docSize(b, f.URLs()[0]), hosts, interval, firstRound.Round(time.Second), cpuFirst,
		statsA.Requests, statsA.Unchanged304, statsA.Unchanged, pct(statsA.Unchanged304, statsA.Unchanged), cpuA, perUnchanged,
		statsB.Requests, statsB.Fresh, statsB.Unchanged304, statsB.Unchanged, pct(statsB.Unchanged304, statsB.Unchanged), cpuB,
		changedCost*1000, changedAll*1000, rendersB, renderCost*1000,
		statsC.Requests, statsC.Fresh, statsC.Unchanged304, statsC.Unchanged, cpuC, changedC*1000, float64(peakOf("phase C"))/(1<<20),
		regular, gaps, pct(int64(regular), int64(gaps)), short, (gapSum / time.Duration(max(1, gaps))).Round(10*time.Millisecond),
		len(changes), missing, late, worst.Round(time.Millisecond), worstFetch.Round(time.Millisecond), worstShown.Round(time.Millisecond),
		float64(rss)/(1<<20), float64(rssFirst)/(1<<20), peakParts(), bare, bareBefore, bareAfter, paced, waved, naive, parse, parseBefore, parseAfter,
		perUnchanged/bare, perUnchanged/bareBefore, perUnchanged/waved, changedC*1000/parse, changedC*1000/parseBefore,
		parseUnscanned, changedC*1000/parseUnscanned,
		procA, procA.per(float64(statsA.Requests)/1000), procC, procC.per(float64(max(1, statsC.Fresh))))
}

// proc is what the daemon's process and its store did over part of a run,
// to tell where its CPU went beyond what a profile samples: system time,
// minor page faults (on the store's mapping, a page read again after a
// release; on the heap, memory new to the process) and the threads'
// voluntary context switches (each a thread put to sleep, to be woken).
type proc struct {
	user, system           float64 // CPU-s
	minorFaults, switches  float64
	commits, docs, written float64 // the store's transactions of polled documents, and bytes written
}

func takeProc(b *testing.B, pid int, listen string) proc {
	var p proc
	p.user, p.system, p.minorFaults = procStat(b, pid)
	vol, _ := contextSwitches(pid)
	p.switches = float64(vol)
	m, err := metricValues(listen, "newswire_store_commits_total", "newswire_store_committed_documents_total", "newswire_store_written_bytes_total")
	if err != nil {
		b.Fatal(err)
	}
	p.commits, p.docs, p.written = m[0], m[1], m[2]
	return p
}

func (p proc) cpu() float64 { return p.user + p.system }

func (p proc) since(q proc) proc {
	return proc{p.user - q.user, p.system - q.system, p.minorFaults - q.minorFaults, p.switches - q.switches,
		p.commits - q.commits, p.docs - q.docs, p.written - q.written}
}

func (p proc) String() string {
	return fmt.Sprintf("user %.2f s, system %.2f s (%.0f %%); %.0f store commits of %.0f documents (%.1f a commit)",
		p.user, p.system, 100*p.system/max(0.01, p.cpu()), p.commits, p.docs, p.docs/max(1, p.commits))
}

// per is p's counts divided by n.
func (p proc) per(n float64) string {
	return fmt.Sprintf("%.0f minor page faults, %.0f voluntary context switches, %.1f KiB written to the store",
		p.minorFaults/n, p.switches/n, p.written/n/1024)
}

// metricValues reads the named series (a name, with its labels if it has
// any, as /metrics writes them) from the daemon's /metrics, in the order
// named; a series it lacks is 0.
func metricValues(listen string, names ...string) ([]float64, error) {
	resp, err := http.Get("http://" + listen + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(names))
	for line := range strings.Lines(string(raw)) {
		for i, n := range names {
			if v, ok := strings.CutPrefix(line, n+" "); ok {
				if out[i], err = strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
					return nil, fmt.Errorf("/metrics: %q: %v", line, err)
				}
			}
		}
	}
	return out, nil
}

// profile, when NEWSWIRE_FARM_PROFILE names a directory, saves a CPU profile
// of the daemon over the next d into it, in the background, and its heap
// profile at the end.
func profile(b *testing.B, listen, name string, d time.Duration) {
	dir := os.Getenv("NEWSWIRE_FARM_PROFILE")
	if dir == "" {
		return
	}
	save := func(path, file string) {
		resp, err := http.Get("http://" + listen + path)
		if err != nil {
			b.Logf("profile %s: %v", name, err)
			return
		}
		defer resp.Body.Close()
		out, err := os.Create(filepath.Join(dir, file))
		if err != nil {
			b.Logf("profile %s: %v", name, err)
			return
		}
		defer out.Close()
		_, _ = io.Copy(out, resp.Body)
	}
	go func() {
		save(fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(d.Seconds())), name+".cpu.pprof")
		save("/debug/pprof/heap", name+".heap.pprof")
	}()
}

// farmConfig writes into dir the daemon's config for polling urls every
// farmInterval and serving on listen, with memory_limit_bytes set to
// memoryLimit unless it is empty, and returns its path.
func farmConfig(b *testing.B, dir, listen, memoryLimit string, urls []string) string {
	var cfg strings.Builder
	if memoryLimit != "" {
		fmt.Fprintf(&cfg, "memory_limit_bytes: %s\n", memoryLimit)
	}
	fmt.Fprintf(&cfg, `listen: %s
data_dir: %s
log: {level: warn}
poll: {interval: %s, min_interval: 1s, max_interval: 1h, timeout: 20s, concurrency: 8, per_host: 2, host_gap: %s}
categories: [{id: tin-tuc}]
default_category: tin-tuc
sources:
`, listen, filepath.Join(dir, "data"), farmInterval, farmHostGap)
	for i, u := range urls {
		fmt.Fprintf(&cfg, "  - {id: tin-%d, url: %q, interval: %s}\n", i, u, farmInterval)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// farmInterval is how often the farm's feeds are polled.
const farmInterval = 60 * time.Second

// farmHostGap is the daemon's poll.host_gap on the farm: the least time
// between two requests to one of its hosts.
const farmHostGap = 100 * time.Millisecond

// onPace reports whether a gap between two polls of one feed is within 10 %
// of the interval, with a second's slack for when the farm saw each request.
func onPace(gap, interval time.Duration) bool {
	return gap >= interval*9/10-time.Second && gap <= interval*11/10+time.Second
}

func pct(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// cpuSeconds is the user+system CPU time of process pid so far.
func cpuSeconds(b *testing.B, pid int) float64 {
	user, system := cpuParts(b, pid)
	return user + system
}

// resetPeakRSS sets the process's VmHWM back to its current resident set
// (proc(5), clear_refs).
func resetPeakRSS(b *testing.B, pid int) {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		b.Fatalf("resetting the peak resident set: %v", err)
	}
}

// peakRSS is VmHWM of process pid, in bytes.
func peakRSS(b *testing.B, pid int) int64 {
	file, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	b.Fatal("no VmHWM")
	return 0
}

// watchRSS samples the daemon's resident set every half second until it
// exits. The returned functions name the part of the run that follows,
// describe the largest sample (anonymous memory, mostly Go's heap; file
// pages, the store's mapping and the binary) overall and by part, and give a
// part's exact peak: its VmHWM, which setPart reads and resets (clear_refs)
// at the end of each part.
func watchRSS(b *testing.B, pid int) (setPart func(string), describe func() string, peakOf func(string) int64) {
	var mu sync.Mutex
	hwm := map[string]int64{}
	var best map[string]int64
	var bestPart string
	part := "start"
	var parts []string
	largest := map[string][2]int64{} // by part of the run: RssAnon and RssFile of its largest sample
	go func() {
		for {
			raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
			if err != nil {
				return
			}
			m := map[string]int64{}
			for _, line := range strings.Split(string(raw), "\n") {
				k, v, ok := strings.Cut(line, ":")
				if ok && strings.HasPrefix(k, "Rss") {
					m[k], _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				}
			}
			mu.Lock()
			total := m["RssAnon"] + m["RssFile"]
			if total > best["RssAnon"]+best["RssFile"] {
				best, bestPart = m, part
			}
			if l := largest[part]; total > l[0]+l[1] {
				largest[part] = [2]int64{m["RssAnon"], m["RssFile"]}
			}
			mu.Unlock()
			time.Sleep(500 * time.Millisecond)
		}
	}()
	setPart = func(name string) {
		mu.Lock()
		defer mu.Unlock()
		hwm[part] = peakRSS(b, pid)
		resetPeakRSS(b, pid)
		part = name
		parts = append(parts, name)
	}
	describe = func() string {
		mu.Lock()
		defer mu.Unlock()
		var by []string
		for _, p := range parts {
			if p == "done" {
				continue
			}
			l := largest[p]
			by = append(by, fmt.Sprintf("%s %.1f (%.1f + %.1f)", p, float64(hwm[p])/(1<<20), float64(l[0])/1024, float64(l[1])/1024))
		}
		return fmt.Sprintf("%.1f MiB anonymous + %.1f MiB file-backed, in %s; by part of the run, VmHWM (largest sample, anonymous + file-backed) in MiB: %s",
			float64(best["RssAnon"])/1024, float64(best["RssFile"])/1024, bestPart, strings.Join(by, ", "))
	}
	peakOf = func(name string) int64 {
		mu.Lock()
		defer mu.Unlock()
		return hwm[name]
	}
	return setPart, describe, peakOf
}

// watchMerged polls the merged feed every 2 s until ctx ends, noting when
// each title first appears; the returned functions give the sightings once
// the watch is over, and how many full responses (renders) it got so far.
func watchMerged(ctx context.Context, url string) (func() map[string]time.Time, func() int) {
	seen := make(map[string]time.Time)
	var mu sync.Mutex
	var full int
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Keep watching one interval past the changes, so late ones are seen.
		end := time.After(time.Until(deadline(ctx)) + 65*time.Second)
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		var etag string
		for {
			select {
			case <-end:
				return
			case <-t.C:
			}
			// A conditional GET, as a partner would: an unchanged merged
			// feed costs the daemon a 304, not a render.
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				continue
			}
			if resp.StatusCode == http.StatusNotModified {
				resp.Body.Close()
				continue
			}
			etag = resp.Header.Get("ETag")
			mu.Lock()
			full++
			mu.Unlock()
			var doc struct {
				Items []struct {
					Title string `json:"title"`
				} `json:"items"`
			}
			err = json.NewDecoder(resp.Body).Decode(&doc)
			resp.Body.Close()
			if err != nil {
				continue
			}
			now := time.Now()
			mu.Lock()
			for _, it := range doc.Items {
				if _, ok := seen[it.Title]; !ok {
					seen[it.Title] = now
				}
			}
			mu.Unlock()
		}
	}()
	return func() map[string]time.Time {
			<-done
			return seen
		}, func() int {
			mu.Lock()
			defer mu.Unlock()
			return full
		}
}

// renderCPU is the daemon's CPU for one render of the 300-story merged JSON
// feed that the watcher reads: each request asks a limit not asked before,
// so none is served from the cache.
func renderCPU(b *testing.B, pid int, listen string) float64 {
	const n = 20
	before := cpuSeconds(b, pid)
	for i := range n {
		resp, err := http.Get(fmt.Sprintf("http://%s/feeds/all.json?limit=%d", listen, 300-1-i))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return (cpuSeconds(b, pid) - before) / n
}

// pollsOK reads from the daemon's /metrics how many polls stored a document.
func pollsOK(b *testing.B, listen string) int {
	n, err := polls(listen, "ok")
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// polls reads from the daemon's /metrics how many polls ended with one of
// the results named.
func polls(listen string, results ...string) (int, error) {
	series := make([]string, len(results))
	for i, r := range results {
		series[i] = `newswire_poll_total{result="` + r + `"}`
	}
	values, err := metricValues(listen, series...)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, v := range values {
		n += int(v)
	}
	return n, nil
}

// changeSpread changes n feeds picked at random over d, one at a time and
// evenly spaced, as phase C of the farm does.
func changeSpread(f *farm.Farm, n int, d time.Duration) {
	tick := time.NewTicker(d / time.Duration(n))
	defer tick.Stop()
	for end := time.After(d); ; {
		select {
		case <-tick.C:
			f.ChangeRandom(1)
		case <-end:
			return
		}
	}
}

func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// runClient runs one of the baseline pollers in a process of its own (this
// test binary again) so that its CPU is measured apart from the farm's, and
// returns its figure: CPU-s per 1000 polls, or ms per parse.
func runClient(b *testing.B, kind string, urls []string) float64 {
	list := filepath.Join(b.TempDir(), "urls")
	if err := os.WriteFile(list, []byte(strings.Join(urls, "\n")), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestBaselineClient$")
	cmd.Env = append(os.Environ(), "NEWSWIRE_FARM_CLIENT="+kind, "NEWSWIRE_FARM_URLS="+list, "NEWSWIRE_FARM_INTERVAL="+farmInterval.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("%s client: %v\n%s", kind, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "FIGURE "); ok {
			x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				b.Fatal(err)
			}
			return x
		}
	}
	b.Fatalf("%s client printed no figure:\n%s", kind, out)
	return 0
}

// TestBaselineClient is the baseline poller that BenchmarkFarm10k starts in
// a child process; on its own it does nothing.
func TestBaselineClient(t *testing.T) {
	kind := os.Getenv("NEWSWIRE_FARM_CLIENT")
	if kind == "" {
		t.Skip("started by BenchmarkFarm10k only")
	}
	raw, err := os.ReadFile(os.Getenv("NEWSWIRE_FARM_URLS"))
	if err != nil {
		t.Fatal(err)
	}
	urls := strings.Split(string(raw), "\n")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, MaxConnsPerHost: 2}, Timeout: 20 * time.Second}
	get := func(u, etag string) (int, []byte, string) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body, resp.Header.Get("ETag")
	}
	// some runs fn over the URLs numbered in list, eight at a time.
	some := func(list []int, fn func(i int, u string)) {
		var wg sync.WaitGroup
		work := make(chan int)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					fn(i, urls[i])
				}
			}()
		}
		for _, i := range list {
			work <- i
		}
		close(work)
		wg.Wait()
	}
	all := make([]int, len(urls))
	for i := range all {
		all[i] = i
	}
	// each runs fn over every URL, eight at a time, and returns the CPU it took.
	each := func(fn func(i int, u string)) float64 {
		before := rusage()
		some(all, fn)
		return rusage() - before
	}
	switch kind {
	case "bare":
		etags := make([]string, len(urls))
		each(func(i int, u string) { _, _, etags[i] = get(u, "") })
		cpu := each(func(i int, u string) {
			if code, _, _ := get(u, etags[i]); code != http.StatusNotModified {
				t.Errorf("%s: %d, want 304", u, code)
			}
		})
		fmt.Printf("FIGURE %f\n", cpu/float64(len(urls))*1000)
	case "paced":
		// The same polls spread evenly over one interval, as a scheduler
		// without batches would make them.
		etags := make([]string, len(urls))
		each(func(i int, u string) { _, _, etags[i] = get(u, "") })
		interval, _ := time.ParseDuration(os.Getenv("NEWSWIRE_FARM_INTERVAL"))
		start := time.Now()
		cpu := each(func(i int, u string) {
			time.Sleep(time.Until(start.Add(interval * time.Duration(i) / time.Duration(len(urls)))))
			if code, _, _ := get(u, etags[i]); code != http.StatusNotModified {
				t.Errorf("%s: %d, want 304", u, code)
			}
		})
		fmt.Printf("FIGURE %f\n", cpu/float64(len(urls))*1000)
	case "waved":
		// The cheapest schedule that keeps the daemon's per-host gap: waves
		// of one poll per host, each wave run back to back, the next
		// starting one gap after it.
		etags := make([]string, len(urls))
		each(func(i int, u string) { _, _, etags[i] = get(u, "") })
		var byWave [][]int // the URLs of each wave, the i-th of each host in the i-th
		seen := map[string]int{}
		for i, u := range urls {
			pu, err := url.Parse(u)
			if err != nil {
				t.Fatal(err)
			}
			w := seen[pu.Host]
			seen[pu.Host]++
			if w == len(byWave) {
				byWave = append(byWave, nil)
			}
			byWave[w] = append(byWave[w], i)
		}
		start, before := time.Now(), rusage()
		for w, list := range byWave {
			time.Sleep(time.Until(start.Add(time.Duration(w) * farmHostGap)))
			some(list, func(i int, u string) {
				if code, _, _ := get(u, etags[i]); code != http.StatusNotModified {
					t.Errorf("%s: %d, want 304", u, code)
				}
			})
		}
		fmt.Printf("FIGURE %f\n", (rusage()-before)/float64(len(urls))*1000)
	case "naive":
		cpu := each(func(i int, u string) {
			_, body, _ := get(u, "")
			if _, err := gofeed.NewParser().Parse(bytes.NewReader(body)); err != nil {
				t.Error(err)
			}
		})
		fmt.Printf("FIGURE %f\n", cpu/float64(len(urls))*1000)
	case "parse", "parse-unscanned":
		_, body, _ := get(urls[0], "")
		const n = 200
		before := rusage()
		for range n {
			p := gofeed.NewParser()
			if kind == "parse-unscanned" {
				p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
			}
			if _, err := p.Parse(bytes.NewReader(body)); err != nil {
				t.Fatal(err)
			}
		}
		fmt.Printf("FIGURE %f\n", (rusage()-before)/n*1000)
	}
}

// rusage is this process's user+system CPU time so far, in seconds.
func rusage() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// docSize is the length of the document at u, fetched once.
func docSize(b *testing.B, u string) int {
	resp, err := http.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	return int(n)
}
