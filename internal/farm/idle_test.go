package farm_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"newswire/internal/farm"
)

// BenchmarkIdleFarm measures what an idle poller costs, quicker than
// BenchmarkFarm10k and for several builds side by side: 10,000 loopback feeds
// over 49 hosts, polled every 60 s as there, but of 3 items each, so that the
// first round stores 30,000 stories rather than 500,000 and takes a minute or
// two. After the first round and one more interval, it counts each daemon's
// CPU (user and system apart) and its threads' context switches over two
// intervals in which nothing changes, per 1000 polls. The daemon gets
// memory_limit_bytes: 72 MiB, as in the farm's runs.
//
// NEWSWIRE_FARM_BINS lists binaries to compare (default: this tree's, built);
// an entry VAR=VALUE,…@PATH runs PATH with those variables set, of which
// POLL_KEY=VALUE (HOST_GAP=DURATION, CONCURRENCY=N, PER_HOST=N) sets the
// daemon's poll.key instead of the farm's (host_gap 100ms, concurrency 8,
// per_host 2). They run one after another, NEWSWIRE_FARM_ROUNDS times over
// (default 1), interleaved, on one farm. About 5 minutes per binary and round:
//
//	NEWSWIRE_FARM=1 go test -run '^$' -bench IdleFarm -benchtime 1x -timeout 60m -v ./internal/farm/
//	NEWSWIRE_FARM=1 NEWSWIRE_FARM_BINS="/tmp/before /tmp/after" NEWSWIRE_FARM_ROUNDS=2 go test …
//
// NEWSWIRE_FARM_PROFILE=DIR saves a CPU profile of each daemon's measured
// part and its heap profile at the end of it.
func BenchmarkIdleFarm(b *testing.B) {
	if os.Getenv("NEWSWIRE_FARM") == "" {
		b.Skip("set NEWSWIRE_FARM=1 to run the idle farm (about 5 minutes per binary)")
	}
	const feeds, interval = 10000, farmInterval
	bins := strings.Fields(os.Getenv("NEWSWIRE_FARM_BINS"))
	if len(bins) == 0 {
		bin := filepath.Join(b.TempDir(), "newswire")
		if out, err := exec.Command("go", "build", "-o", bin, "newswire/cmd/newswire").CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
		bins = []string{bin}
	}
	rounds, _ := strconv.Atoi(os.Getenv("NEWSWIRE_FARM_ROUNDS"))
	f, err := farm.Start(farm.Options{Feeds: feeds, Items: 3, Hosts: 49, Start: time.Now().Add(-2 * time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for round := range max(1, rounds) {
		for _, bin := range bins {
			var env []string
			if vars, path, ok := strings.Cut(bin, "@"); ok {
				env, bin = strings.Split(vars, ","), path
			}
			// Named after the entry, variables included, so that two entries
			// of one binary keep a profile each.
			name := fmt.Sprintf("idle-%d-%s", round, filepath.Base(bin))
			if len(env) > 0 {
				name += "-" + profileName.ReplaceAllString(strings.Join(env, "-"), "_")
			}
			idleRun(b, f, bin, env, name, feeds, interval)
		}
	}
}

// profileName matches what a profile's file name should not hold.
var profileName = regexp.MustCompile(`[^A-Za-z0-9._=-]+`)

// farmPollKey is a variable of NEWSWIRE_FARM_BINS naming a key of the
// farm's poll settings.
var farmPollKey = regexp.MustCompile(`^(HOST_GAP|CONCURRENCY|PER_HOST)$`)

func idleRun(b *testing.B, f *farm.Farm, bin string, env []string, name string, feeds int, interval time.Duration) {
	dir := b.TempDir()
	listen := freeAddr(b)
	cfgPath := farmConfig(b, dir, listen, "75497472", f.URLs())
	var vars []string
	for _, v := range env {
		upper, value, _ := strings.Cut(v, "=")
		if !farmPollKey.MatchString(upper) {
			vars = append(vars, v)
			continue
		}
		key := strings.ToLower(upper)
		raw, err := os.ReadFile(cfgPath)
		if err != nil {
			b.Fatal(err)
		}
		re := regexp.MustCompile(`([{,] )` + key + `: [^,}]*`)
		if !re.Match(raw) {
			b.Fatalf("%s: the farm's config has no poll.%s", v, key)
		}
		raw = re.ReplaceAll(raw, []byte("${1}"+key+": "+value))
		if err := os.WriteFile(cfgPath, raw, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	daemon := exec.Command(bin, "serve", "-config", cfgPath)
	daemon.Env = append(os.Environ(), vars...)
	if err := daemon.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = daemon.Process.Signal(syscall.SIGTERM)
		_ = daemon.Wait()
	}()
	pid := daemon.Process.Pid
	start := time.Now()
	time.Sleep(2 * time.Second)
	for pollsOK(b, listen) < feeds {
		if time.Since(start) > 20*time.Minute {
			b.Fatalf("%s: first round unfinished after 20 minutes", bin)
		}
		time.Sleep(time.Second)
	}
	time.Sleep(interval)
	f.Reset()
	user0, sys0 := cpuParts(b, pid)
	vol0, invol0 := contextSwitches(pid)
	profile(b, listen, name, 2*interval-5*time.Second)
	time.Sleep(2 * interval)
	user1, sys1 := cpuParts(b, pid)
	vol1, invol1 := contextSwitches(pid)
	st := f.Stats()
	if st.Requests == 0 || st.Unchanged304 != st.Unchanged {
		b.Fatalf("%s: %+v: no requests, or an unchanged feed answered 200", bin, st)
	}
	k := float64(st.Requests) / 1000
	b.Logf("%s %s: %d requests, all 304; per 1000: CPU %.3f s (user %.3f, system %.3f), context switches %.0f voluntary, %.0f not",
		strings.Join(env, ","), bin, st.Requests, (user1-user0+sys1-sys0)/k, (user1-user0)/k, (sys1-sys0)/k,
		float64(vol1-vol0)/k, float64(invol1-invol0)/k)
}

// cpuParts is the user and the system CPU time of process pid so far.
func cpuParts(b *testing.B, pid int) (user, system float64) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseFloat(fields[11], 64)
	st, _ := strconv.ParseFloat(fields[12], 64)
	return u / 100, st / 100 // USER_HZ is 100 on Linux
}

// contextSwitches sums the context switches of every thread of process pid.
func contextSwitches(pid int) (voluntary, involuntary int64) {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	for _, t := range tasks {
		raw, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended
		}
		for line := range strings.Lines(string(raw)) {
			name, v, _ := strings.Cut(line, ":")
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			switch name {
			case "voluntary_ctxt_switches":
				voluntary += n
			case "nonvoluntary_ctxt_switches":
				involuntary += n
			}
		}
	}
	return voluntary, involuntary
}
