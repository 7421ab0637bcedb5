package farm_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
	entries := farmEntries(b)
	rounds, _ := strconv.Atoi(os.Getenv("NEWSWIRE_FARM_ROUNDS"))
	f, err := farm.Start(farm.Options{Feeds: feeds, Items: 3, Hosts: 49, Start: time.Now().Add(-2 * time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for round := range max(1, rounds) {
		for _, e := range entries {
			idleRun(b, f, e, e.name("idle", round), feeds, interval)
		}
		b.Logf("loops over the same farm, CPU-s per 1000 polls: back to back %.3f, in waves of one poll per host a host gap apart %.3f",
			runClient(b, "bare", f.URLs()), runClient(b, "waved", f.URLs()))
	}
}

// farmEntry is one entry of NEWSWIRE_FARM_BINS: a binary and the variables
// to run it with.
type farmEntry struct {
	bin string
	env []string
}

// farmEntries reads NEWSWIRE_FARM_BINS, or builds this tree's binary when it
// is empty.
func farmEntries(b *testing.B) []farmEntry {
	var out []farmEntry
	for _, bin := range strings.Fields(os.Getenv("NEWSWIRE_FARM_BINS")) {
		var env []string
		if vars, path, ok := strings.Cut(bin, "@"); ok {
			env, bin = strings.Split(vars, ","), path
		}
		out = append(out, farmEntry{bin: bin, env: env})
	}
	if len(out) == 0 {
		bin := filepath.Join(b.TempDir(), "newswire")
		if out, err := exec.Command("go", "build", "-o", bin, "newswire/cmd/newswire").CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
		out = append(out, farmEntry{bin: bin})
	}
	return out
}

// name names the entry's profiles after its binary and its variables, so
// that two entries of one binary keep a profile each.
func (e farmEntry) name(prefix string, round int) string {
	name := fmt.Sprintf("%s-%d-%s", prefix, round, filepath.Base(e.bin))
	if len(e.env) > 0 {
		name += "-" + profileName.ReplaceAllString(strings.Join(e.env, "-"), "_")
	}
	return name
}

func (e farmEntry) String() string {
	if len(e.env) == 0 {
		return e.bin
	}
	return strings.Join(e.env, ",") + " " + e.bin
}

// start writes the farm's config for urls into dir, with the entry's poll
// keys, and starts the entry's daemon on it, serving on listen, with the
// entry's other variables in its environment.
func (e farmEntry) start(b *testing.B, dir, listen string, urls []string) *exec.Cmd {
	cfgPath := farmConfig(b, dir, listen, "75497472", urls)
	var vars []string
	for _, v := range e.env {
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
	daemon := exec.Command(e.bin, "serve", "-config", cfgPath)
	daemon.Env = append(os.Environ(), vars...)
	if err := daemon.Start(); err != nil {
		b.Fatal(err)
	}
	return daemon
}

// stop ends a daemon that start started, as an admin's SIGTERM does.
func stop(daemon *exec.Cmd) {
	_ = daemon.Process.Signal(syscall.SIGTERM)
	_ = daemon.Wait()
}

// profileName matches what a profile's file name should not hold.
var profileName = regexp.MustCompile(`[^A-Za-z0-9._=-]+`)

// farmPollKey is a variable of NEWSWIRE_FARM_BINS naming a key of the
// farm's poll settings.
var farmPollKey = regexp.MustCompile(`^(HOST_GAP|CONCURRENCY|PER_HOST)$`)

// waitPolls waits until the daemon serving on listen has made n polls with
// one of the results named, for at most limit. A daemon that opens a large
// store serves nothing for a while.
func waitPolls(b *testing.B, listen string, n int, limit time.Duration, results ...string) {
	start := time.Now()
	for {
		time.Sleep(time.Second)
		got, err := polls(listen, results...)
		if err == nil && got >= n {
			return
		}
		if time.Since(start) > limit {
			b.Fatalf("after %s, %d polls %v (want %d), %v", limit, got, results, n, err)
		}
	}
}

func idleRun(b *testing.B, f *farm.Farm, e farmEntry, name string, feeds int, interval time.Duration) {
	listen := freeAddr(b)
	daemon := e.start(b, b.TempDir(), listen, f.URLs())
	defer stop(daemon)
	pid := daemon.Process.Pid
	waitPolls(b, listen, feeds, 20*time.Minute, "ok")
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
		b.Fatalf("%s: %+v: no requests, or an unchanged feed answered 200", e, st)
	}
	k := float64(st.Requests) / 1000
	b.Logf("%s: %d requests, all 304, in %d waves; per 1000: CPU %.3f s (user %.3f, system %.3f), context switches %.0f voluntary, %.0f not",
		e, st.Requests, waves(f.Polls(), 20*time.Millisecond), (user1-user0+sys1-sys0)/k, (user1-user0)/k, (sys1-sys0)/k,
		float64(vol1-vol0)/k, float64(invol1-invol0)/k)
}

// waves counts the bursts in which the farm was polled: runs of requests
// each less than quiet after the one before.
func waves(polls [][]time.Time, quiet time.Duration) int {
	var all []time.Time
	for _, p := range polls {
		all = append(all, p...)
	}
	slices.SortFunc(all, time.Time.Compare)
	n := 0
	for i, t := range all {
		if i == 0 || t.Sub(all[i-1]) >= quiet {
			n++
		}
	}
	return n
}

// cpuParts is the user and the system CPU time of process pid so far.
func cpuParts(b *testing.B, pid int) (user, system float64) {
	user, system, _ = procStat(b, pid)
	return user, system
}

// procStat reads from /proc/PID/stat the user and the system CPU time of
// process pid so far, and its minor page faults.
func procStat(b *testing.B, pid int) (user, system, minorFaults float64) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	minorFaults, _ = strconv.ParseFloat(fields[7], 64)
	u, _ := strconv.ParseFloat(fields[11], 64)
	st, _ := strconv.ParseFloat(fields[12], 64)
	return u / 100, st / 100, minorFaults // USER_HZ is 100 on Linux
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
