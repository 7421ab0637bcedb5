package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"newswire/feeds"
	"newswire/store"
)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// newswireBinary builds the real binary once per test run.
func newswireBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "newswire-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "newswire")
		out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

// startServe starts the real binary serving cfgPath, its log (stdout and
// stderr) going to a new file at logPath.
func startServe(t *testing.T, bin, cfgPath, logPath string) *exec.Cmd {
	t.Helper()
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the daemon has a descriptor of its own
	cmd := exec.Command(bin, "serve", "-config", cfgPath)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A test that fails before it stops the daemon does not leave it
	// running.
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// waitServing waits up to 15 s for the daemon to answer url with 200, and
// fails the test with its log (at logPath) if it does not.
func waitServing(t *testing.T, url, logPath string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("daemon not serving %s: %v\n%s", url, err, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// serveOutlets runs the real binary polling the test outlets and serving on
// a free address until the test ends, and returns once the daemon answers
// path with 200: the command, the address and the log's path.
func serveOutlets(t *testing.T, path string) (cmd *exec.Cmd, addr, logPath string) {
	t.Helper()
	bin := newswireBinary(t)
	addr = freeAddr(t)
	cfgPath := writeConfig(t, newOutlets(t), addr)
	logPath = filepath.Join(t.TempDir(), "serve.log")
	cmd = startServe(t, bin, cfgPath, logPath)
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	waitServing(t, "http://"+addr+path, logPath)
	return cmd, addr, logPath
}

// slidingOutlets serves sources whose every response brings ten new items
// and keeps forty of the last, recording what each response carried.
type slidingOutlets struct {
	mu     sync.Mutex
	served map[string][][]string // source → guids of each response, in order
	next   map[string]int
}

func (o *slidingOutlets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	src := strings.Trim(r.URL.Path, "/")
	o.mu.Lock()
	k := o.next[src]
	o.next[src] = k + 1
	guids := make([]string, 0, 50)
	for i := k*10 + 49; i >= k*10; i-- {
		guids = append(guids, fmt.Sprintf("%s-%d", src, i))
	}
	o.served[src] = append(o.served[src], guids)
	o.mu.Unlock()

	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>` + src + `</title><link>http://outlet.test/</link><description>tin</description>`)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, g := range guids {
		n, _ := strconv.Atoi(g[strings.LastIndexByte(g, '-')+1:])
		fmt.Fprintf(&b, `<item><title>Bản tin %s số %d: giao thông, thời tiết và đời sống vùng cao</title><link>http://outlet.test/%s/%d.html</link><guid isPermaLink="false">%s</guid><pubDate>%s</pubDate><description>%s</description></item>`,
			src, n, src, n, g, base.Add(time.Duration(n)*time.Minute).Format(time.RFC1123Z),
			strings.Repeat("Người dân các xã vùng cao chuẩn bị cho mùa đông. ", 30))
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml")
	_, _ = w.Write([]byte(b.String()))
}

func (o *slidingOutlets) responses(src string) [][]string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([][]string(nil), o.served[src]...)
}

// TestKillDuringIngest kills the real daemon with SIGKILL at random moments
// of heavy ingest, restarts it each time, and checks that the store opens,
// holds every story whose poll the daemon had logged as stored, with its
// indexes, and holds nothing twice.
func TestKillDuringIngest(t *testing.T) {
	rounds := 50
	if testing.Short() {
		rounds = 5
	}
	if v, err := strconv.Atoi(os.Getenv("NEWSWIRE_CRASH_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	bin := newswireBinary(t)
	outlets := &slidingOutlets{served: map[string][][]string{}, next: map[string]int{}}
	srv := httptest.NewServer(outlets)
	defer srv.Close()

	dir := t.TempDir()
	var sources strings.Builder
	const nsrc = 8
	for i := range nsrc {
		fmt.Fprintf(&sources, "  - {id: s%d, title: Nguồn %d, url: \"%s/s%d\", level: provincial, language: vi}\n", i, i, srv.URL, i)
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(`listen: %s
data_dir: ./data
log: {format: json}
poll: {interval: 1s, min_interval: 1s, max_interval: 2s, timeout: 5s, concurrency: 4, per_host: 4}
sources:
%scategories:
  - {id: thoi-su, title: Thời sự}
default_category: thoi-su
`, freeAddr(t), sources.String())
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}

	polls := 0
	for round := range rounds {
		logPath := filepath.Join(dir, fmt.Sprintf("round-%d.log", round))
		before := map[string]int{}
		for i := range nsrc {
			src := fmt.Sprintf("s%d", i)
			before[src] = len(outlets.responses(src))
		}
		cmd := startServe(t, bin, cfgPath, logPath)
		time.Sleep(time.Duration(300+rand.IntN(1200)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		// Polls of one source never overlap, so the n-th logged poll of a
		// source in this round stored the n-th response served in it.
		thisRound := pollsLogged(t, logPath)
		for src, n := range thisRound {
			if served := len(outlets.responses(src)) - before[src]; n > served {
				t.Fatalf("round %d: %s logged %d polls but was served %d times", round, src, n, served)
			}
		}
		stories := checkStoreAfterKill(t, filepath.Join(dir, "data", "newswire.db"), outlets, thisRound, before, round)
		for _, n := range thisRound {
			polls += n
		}
		if round == rounds-1 {
			t.Logf("%d rounds, %d polls logged as stored, %d stories survived every kill", rounds, polls, stories)
		}
	}
	if polls == 0 {
		t.Fatal("no poll was logged as stored in any round: the test checked nothing")
	}
}

// pollsLogged counts, per source, the polls a log file reports as stored.
func pollsLogged(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct {
			Msg    string `json:"msg"`
			Source string `json:"source"`
			Result string `json:"result"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue // a line cut short by the kill
		}
		if rec.Msg == "poll" && rec.Result == "ok" {
			out[rec.Source]++
		}
	}
	return out
}

// checkStoreAfterKill returns the number of stories in the store.
func checkStoreAfterKill(t *testing.T, path string, outlets *slidingOutlets, thisRound, before map[string]int, round int) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second, ReadOnly: true})
	if err != nil {
		t.Fatalf("round %d: bbolt cannot open the store after SIGKILL: %v", round, err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatalf("round %d: bbolt check: %v", round, err)
	}

	st, err := store.Open(path, store.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("round %d: store.Open after SIGKILL: %v", round, err)
	}
	defer st.Close()
	stored := map[string]uint64{} // guid → story id
	var count int
	err = st.ForEach(func(s feeds.Story) error {
		count++
		for _, o := range s.Sources {
			if prev, dup := stored[o.GUID]; dup {
				return fmt.Errorf("guid %s stored twice: stories %d and %d", o.GUID, prev, s.ID)
			}
			stored[o.GUID] = s.ID
		}
		return nil
	})
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	// Every story must be reachable through the time index too.
	var indexed int
	for cursor := ""; ; {
		page, err := st.Latest(store.AllCategory, 500, cursor)
		if err != nil {
			t.Fatalf("round %d: Latest: %v", round, err)
		}
		indexed += len(page.Stories)
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if indexed != count {
		t.Fatalf("round %d: %d stories, %d in the time index", round, count, indexed)
	}
	for src, n := range thisRound {
		responses := outlets.responses(src)
		for _, resp := range responses[before[src] : before[src]+n] {
			for _, g := range resp {
				if _, ok := stored[g]; !ok {
					t.Fatalf("round %d: %s was logged as stored but is missing after SIGKILL", round, g)
				}
			}
		}
	}
	return count
}
