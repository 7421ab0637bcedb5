package farm_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"newswire/internal/farm"
)

// BenchmarkReloadFarm measures what reloading its config costs a daemon
// polling 10,000 sources, for several builds side by side: the farm of
// BenchmarkChangedFarm (10,000 loopback feeds of 50 items over 49 hosts,
// polled every 60 s, memory_limit_bytes: 72 MiB), none of them changing.
// Each entry starts from a copy of the template's store
// (NEWSWIRE_FARM_TEMPLATE, which it needs: BenchmarkChangedFarm makes one),
// catches up, and is then measured over three spans of 30 s, each with its
// CPU and its peak resident memory: a quiet one; one after a SIGHUP that
// finds the file unchanged; and one after an admin's edit of one source
// (written beside the file and renamed over it, as editors do), which
// replaces the poller and the HTTP side. A second span after the edit
// shows when the daemon is back to its quiet cost. Over the whole run, every
// feed's gaps between polls must stay within the interval's 10 % (and a
// second of slack, as BenchmarkFarm10k counts them).
//
//	NEWSWIRE_FARM=1 NEWSWIRE_FARM_TEMPLATE=/tmp/tmpl NEWSWIRE_FARM_BINS="/tmp/before /tmp/after" \
//	  go test -run '^$' -bench ReloadFarm -benchtime 1x -timeout 60m -v ./internal/farm/
//
// About 6 minutes per binary and round (NEWSWIRE_FARM_ROUNDS); with
// NEWSWIRE_FARM_PROFILE=DIR, a CPU profile of the 30 s after the edit.
func BenchmarkReloadFarm(b *testing.B) {
	if os.Getenv("NEWSWIRE_FARM") == "" {
		b.Skip("set NEWSWIRE_FARM=1 and NEWSWIRE_FARM_TEMPLATE to run the reload farm (about 6 minutes per binary)")
	}
	const feeds = 10000
	tdir := os.Getenv("NEWSWIRE_FARM_TEMPLATE")
	tmpl, found := loadTemplate(b, tdir, feeds)
	if !found {
		b.Fatalf("no template in NEWSWIRE_FARM_TEMPLATE=%q: run BenchmarkChangedFarm with it first", tdir)
	}
	entries := farmEntries(b)
	rounds, _ := strconv.Atoi(os.Getenv("NEWSWIRE_FARM_ROUNDS"))
	f, err := farm.Start(farm.Options{Feeds: feeds, Items: 50, Hosts: 49, Start: tmpl.Start, Port: tmpl.Port})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for round := range max(1, rounds) {
		for _, e := range entries {
			reloadRun(b, f, e, e.name("reload", round), filepath.Join(tdir, "newswire.db"), feeds)
		}
	}
}

func reloadRun(b *testing.B, f *farm.Farm, e farmEntry, name, template string, feeds int) {
	const interval, span = farmInterval, 30 * time.Second
	daemon, dir, listen, done := startFromTemplate(b, f, e, template, feeds)
	defer done()
	pid := daemon.Process.Pid
	time.Sleep(interval)

	f.Reset()
	measure := func(what string) (cpu float64) {
		resetPeakRSS(b, pid)
		c0 := cpuSeconds(b, pid)
		time.Sleep(span)
		cpu = cpuSeconds(b, pid) - c0
		b.Logf("%s: %s: CPU %.2f s, peak RSS %.1f MiB", e, what, cpu, float64(peakRSS(b, pid))/(1<<20))
		return cpu
	}
	quiet := measure("30 s quiet")
	if err := daemon.Process.Signal(syscall.SIGHUP); err != nil {
		b.Fatal(err)
	}
	measure("30 s from a SIGHUP, the file unchanged")

	cfg := filepath.Join(dir, "config.yaml")
	raw, err := os.ReadFile(cfg)
	if err != nil {
		b.Fatal(err)
	}
	edited := strings.Replace(string(raw), "{id: tin-7, ", "{id: tin-7, title: Tin bảy, ", 1)
	if edited == string(raw) {
		b.Fatal("the farm's config has no source tin-7 to edit")
	}
	if err := os.WriteFile(cfg+".new", []byte(edited), 0o644); err != nil {
		b.Fatal(err)
	}
	profile(b, listen, name, span)
	if err := os.Rename(cfg+".new", cfg); err != nil {
		b.Fatal(err)
	}
	edit := time.Now()
	first := measure("30 s from an edit of one source")
	measure("the 30 s after those")
	b.Logf("%s: the 30 s from the edit cost %.2f × the quiet 30 s", e, first/quiet)
	time.Sleep(time.Until(edit.Add(2 * interval)))

	early, late, most := 0, 0, 0
	var shown []string
	for _, p := range f.Polls() {
		most = max(most, len(p))
		for i := 1; i < len(p); i++ {
			g := p[i].Sub(p[i-1])
			if onPace(g, interval) {
				continue
			}
			if g < interval {
				early++
			} else {
				late++
			}
			if len(shown) < 10 {
				shown = append(shown, fmt.Sprintf("%+.1f s → %+.1f s", p[i-1].Sub(edit).Seconds(), p[i].Sub(edit).Seconds()))
			}
		}
	}
	b.Logf("%s: gaps between polls of one feed over %s, from before the SIGHUP to two intervals after the edit: %d early, %d late, outside 90–110 %% of the interval; at most %d polls of one feed %v",
		e, time.Since(edit.Add(-2*span)).Round(time.Second), early, late, most, shown)
}
