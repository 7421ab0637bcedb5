package farm_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"newswire/internal/farm"
	"newswire/store"
)

// BenchmarkChangedFarm measures what a changed feed costs the daemon, for
// several builds side by side, as phase C of BenchmarkFarm10k does for one:
// 10,000 loopback feeds of 50 items over 49 hosts, polled every 60 s, with
// memory_limit_bytes: 72 MiB. The first entry's daemon runs the first round
// once (12 to 17 minutes here) and its store is kept. Each entry then starts
// from a copy of that store, catches up (every feed polled once), fetches
// once the 10 % of the feeds that will change (see changedRun), and is
// measured over two intervals: one in which nothing changes, for what a 304
// costs it, and one in which those feeds change, spread over it. Its CPU per changed feed is the second interval's
// CPU, less its 304s at the first one's cost, per 200; beside it the gofeed
// parse of one of the farm's feeds, run in a process of its own just before.
//
// NEWSWIRE_FARM_BINS and NEWSWIRE_FARM_ROUNDS are read as BenchmarkIdleFarm
// reads them; about 6 minutes per binary and round after the first round:
//
//	NEWSWIRE_FARM=1 NEWSWIRE_FARM_BINS="/tmp/before /tmp/after" NEWSWIRE_FARM_ROUNDS=2 \
//	  go test -run '^$' -bench ChangedFarm -benchtime 1x -timeout 90m -v ./internal/farm/
//
// NEWSWIRE_FARM_TEMPLATE=DIR keeps the first round's store in DIR, with the
// farm's start and port, and a later run that finds them there starts from
// them without a first round of its own; a build that sets aside what it
// knows of each source's document when it stops then takes it over from the
// template, if the template is its own. NEWSWIRE_FARM_WARM=0 measures the
// changed feeds as a restarted daemon finds them. NEWSWIRE_FARM_FEEDS=N runs a
// smaller farm, to try the benchmark out. NEWSWIRE_FARM_PROFILE=DIR saves
// a CPU profile of each daemon's changing interval.
func BenchmarkChangedFarm(b *testing.B) {
	if os.Getenv("NEWSWIRE_FARM") == "" {
		b.Skip("set NEWSWIRE_FARM=1 to run the changed-feed farm (about 15 minutes, then 6 per binary)")
	}
	const interval = farmInterval
	feeds := 10000
	if n, err := strconv.Atoi(os.Getenv("NEWSWIRE_FARM_FEEDS")); err == nil && n > 0 {
		feeds = n // a smaller farm, to try the benchmark out
	}
	entries := farmEntries(b)
	rounds, _ := strconv.Atoi(os.Getenv("NEWSWIRE_FARM_ROUNDS"))
	tdir := os.Getenv("NEWSWIRE_FARM_TEMPLATE")
	tmpl, found := loadTemplate(b, tdir, feeds)
	f, err := farm.Start(farm.Options{Feeds: feeds, Items: 50, Hosts: 49, Start: tmpl.Start, Port: tmpl.Port})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()

	template := filepath.Join(tdir, "newswire.db")
	if !found {
		seed := b.TempDir()
		listen := freeAddr(b)
		start := time.Now()
		daemon := entries[0].start(b, seed, listen, f.URLs())
		waitPolls(b, listen, feeds, 30*time.Minute, "ok")
		stop(daemon)
		b.Logf("first round, by %s: %s", entries[0], time.Since(start).Round(time.Second))
		template = filepath.Join(seed, "data", "newswire.db")
		if tdir != "" {
			saveTemplate(b, tdir, template, tmpl)
		}
	}
	for round := range max(1, rounds) {
		for _, e := range entries {
			changedRun(b, f, e, e.name("changed", round), template, feeds, interval)
		}
	}
}

// startFromTemplate starts e's daemon polling f on a copy of the template's
// store in a folder of its own, and waits until it has caught up: the feeds
// changed since the template was kept answer 200, the others 304. done
// stops the daemon and removes the folder (a copy of the farm's store is
// 2.5 GB); it runs at the benchmark's end if not called before.
func startFromTemplate(b *testing.B, f *farm.Farm, e farmEntry, template string, feeds int) (daemon *exec.Cmd, dir, listen string, done func()) {
	dir = b.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
		b.Fatal(err)
	}
	// CopyFile syncs the copy, so that the daemon's first commit does not
	// write the whole file.
	if err := store.CopyFile(template, filepath.Join(dir, "data", "newswire.db")); err != nil {
		b.Fatal(err)
	}
	listen = freeAddr(b)
	daemon = e.start(b, dir, listen, f.URLs())
	done = sync.OnceFunc(func() {
		stop(daemon)
		_ = os.RemoveAll(dir)
	})
	b.Cleanup(done) // also when catching up fails
	waitPolls(b, listen, feeds, 10*time.Minute, "ok", "not-modified")
	return daemon, dir, listen, done
}

func changedRun(b *testing.B, f *farm.Farm, e farmEntry, name, template string, feeds int, interval time.Duration) {
	daemon, _, listen, done := startFromTemplate(b, f, e, template, feeds)
	defer done()
	pid := daemon.Process.Pid
	// A daemon's poll processes only the items that changed since the
	// source's last document, which it remembers (internal/poll/memo.go):
	// a build that does not keep that across a restart pays some 2.5 times
	// as much for a source's first changed document after one. The feeds
	// that will change are picked now and changed once, so that they are
	// measured as a daemon that has been running finds them
	// (BenchmarkFarm10k's phase C); with NEWSWIRE_FARM_WARM=0 they are not,
	// and are measured as the restarted daemon finds them.
	picked := rand.Perm(feeds)[:feeds/10]
	if os.Getenv("NEWSWIRE_FARM_WARM") != "0" {
		for _, i := range picked {
			f.Change(i)
		}
		time.Sleep(2 * interval)
	}

	// The quiet interval, again while a feed still answers 200.
	var idle farm.Stats
	var cpuIdle float64
	for try := 0; ; try++ {
		f.Reset()
		cpu0 := cpuSeconds(b, pid)
		time.Sleep(interval)
		cpuIdle, idle = cpuSeconds(b, pid)-cpu0, f.Stats()
		if idle.Requests > 0 && idle.Fresh == 0 {
			break
		}
		if try == 2 {
			b.Fatalf("%s: three quiet intervals, none without a 200: %+v", e, idle)
		}
	}
	per304 := cpuIdle / float64(idle.Requests)

	parse := runClient(b, "parse", f.URLs()[:1])
	f.Reset()
	resetPeakRSS(b, pid)
	cpu1 := cpuSeconds(b, pid)
	profile(b, listen, name, interval-5*time.Second)
	tick := time.NewTicker(interval / time.Duration(len(picked)))
	for _, i := range picked {
		<-tick.C
		f.Change(i)
	}
	tick.Stop()
	cpuC := cpuSeconds(b, pid) - cpu1
	st := f.Stats()
	// The farm answers 200 or 304; Unchanged304 would miss the 304s of a
	// farm started after the template was kept, which never sent a 200.
	notModified := st.Requests - st.Fresh
	changed := (cpuC - float64(notModified)*per304) / float64(max(1, st.Fresh))
	b.Logf("%s: quiet: %d polls, %.3f CPU-s per 1000; changing: %d polls, %d 200s, %d 304s, CPU %.2f s, %.2f ms per changed feed = %.2f × the parse (%.2f ms); peak RSS %.1f MiB",
		e, idle.Requests, per304*1000, st.Requests, st.Fresh, notModified, cpuC,
		changed*1000, changed*1000/parse, parse, float64(peakRSS(b, pid))/(1<<20))
}

// farmTemplate is what a kept first round needs of the farm it polled: the
// same feeds at the same URLs, their items published at the same times.
type farmTemplate struct {
	Feeds int       `json:"feeds"`
	Start time.Time `json:"start"`
	Port  int       `json:"port"`
}

// loadTemplate reads the template kept in dir, and reports whether there was
// one; without, it returns a new farm's, on a fixed port when dir is set.
func loadTemplate(b *testing.B, dir string, feeds int) (farmTemplate, bool) {
	t := farmTemplate{Feeds: feeds, Start: time.Now().Add(-2 * time.Hour)}
	if dir == "" {
		return t, false
	}
	raw, err := os.ReadFile(filepath.Join(dir, "farm.json"))
	if errors.Is(err, fs.ErrNotExist) {
		ln, err := net.Listen("tcp", "127.0.0.2:0")
		if err != nil {
			b.Fatal(err)
		}
		t.Port = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		return t, false
	}
	if err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		b.Fatalf("%s: %v", filepath.Join(dir, "farm.json"), err)
	}
	if t.Feeds != feeds {
		b.Fatalf("the template in %s is of %d feeds, this farm has %d", dir, t.Feeds, feeds)
	}
	return t, true
}

// saveTemplate keeps the store at db in dir, with t.
func saveTemplate(b *testing.B, dir, db string, t farmTemplate) {
	raw, err := json.Marshal(t)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := store.CopyFile(db, filepath.Join(dir, "newswire.db")); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "farm.json"), raw, 0o644); err != nil {
		b.Fatal(err)
	}
}
