package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"newswire/store"
)

type apiStatus struct {
	Reload struct {
		At       time.Time `json:"at"`
		Trigger  string    `json:"trigger"`
		OK       bool      `json:"ok"`
		Error    string    `json:"error"`
		Problems []struct {
			Path    string
			Line    int
			Message string
		} `json:"problems"`
		Changes []string `json:"changes"`
	} `json:"reload"`
	Sources []struct {
		ID       string    `json:"id"`
		LastPoll time.Time `json:"last_poll"`
	} `json:"sources"`
}

func getStatus(t *testing.T, base string) apiStatus {
	t.Helper()
	resp, err := http.Get(base + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st apiStatus
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("/api/status: %v", err)
	}
	return st
}

// TestBrokenConfigsOverRunningDaemon writes twenty kinds of broken config
// over a running daemon's file: each time it keeps serving and polling under
// the old config and reports every problem with its line; a valid edit then
// takes effect without a restart.
func TestBrokenConfigsOverRunningDaemon(t *testing.T) {
	o := newOutlets(t)
	addr := freeAddr(t)
	cfgPath := writeConfig(t, o, addr)
	good, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	// Poll every second so that "still polling" can be seen.
	fast := strings.Replace(string(good), "poll: {interval: 15m, min_interval: 1s,", "poll: {interval: 1s, min_interval: 1s,", 1)
	if fast == string(good) {
		t.Fatal("test config changed shape: cannot make it poll every second")
	}
	if err := os.WriteFile(cfgPath, []byte(fast), 0o644); err != nil {
		t.Fatal(err)
	}
	serveDaemon(t, cfgPath, addr)
	base := "http://" + addr

	replace := func(old, new string) string {
		if !strings.Contains(fast, old) {
			t.Fatalf("test config lacks %q", old)
		}
		return strings.Replace(fast, old, new, 1)
	}
	broken := []struct {
		name string
		yaml string
		path string // expected in the first problem's path (or error)
	}{
		{"syntax error", replace("categories:\n", "categories: [\n"), ""},
		{"unknown top-level key", fast + "colour: blue\n", "colour"},
		{"unknown source key", replace("level: provincial, language: vi, categories: [tin-tinh]}", "level: provincial, language: vi, categories: [tin-tinh], intervall: 5m}"), "sources[0].intervall"},
		{"duplicate source id", replace("{id: baotuyenquang,", "{id: baohagiang,"), "sources[1].id"},
		{"bad url", replace(`url: "`+o.srv.URL+`/ttxvn/rss"`, `url: "ftp://ttxvn.test/rss"`), "sources[2].url"},
		{"bad duration", replace("timeout: 5s", "timeout: 5 seconds"), "poll.timeout"},
		{"unknown category in a source", replace("categories: [tin-tinh]}", "categories: [tin-tnh]}"), "sources[0].categories"},
		{"category naming an unknown source", replace("{id: kinh-te, title: Kinh tế,", "{id: kinh-te, title: Kinh tế, sources: [nobody],"), "categories[3].sources"},
		{"unknown default category", replace("default_category: thoi-su", "default_category: thoisu"), "default_category"},
		{"bad level", replace("level: central, language: vi}\n  - {id: vov", "level: national, language: vi}\n  - {id: vov"), "sources[2].level"},
		{"bad language", replace("level: central, language: en}", "level: central, language: english-please}"), "sources[6].language"},
		{"min above interval", replace("min_interval: 1s,", "min_interval: 1h,"), "poll"},
		{"zero concurrency", replace("concurrency: 1,", "concurrency: 0,"), "poll.concurrency"},
		{"unknown time zone", fast + "time_zone: Asia/Ha_Giang\n", "time_zone"},
		{"duplicate category", replace("{id: kinh-te,", "{id: du-lich,"), "categories[3].id"},
		{"reserved category id", replace("{id: english,", "{id: all,"), "categories[4].id"},
		{"bad id characters", replace("{id: vov,", "{id: VOV_news,"), "sources[3].id"},
		{"bad listen", replace("listen: "+addr, "listen: localhost"), "listen"},
		{"items per feed out of range", fast + "items_per_feed: 100000\n", "items_per_feed"},
		{"wrong type", replace("concurrency: 1,", "concurrency: many,"), "poll.concurrency"},
	}
	if len(broken) < 20 {
		t.Fatalf("%d kinds of broken config, want 20", len(broken))
	}
	// The newest poll of any source: all outlets share one host, polled one
	// at a time.
	lastPoll := func(st apiStatus) time.Time {
		var newest time.Time
		for _, s := range st.Sources {
			if s.LastPoll.After(newest) {
				newest = s.LastPoll
			}
		}
		return newest
	}
	for i, b := range broken {
		t.Run(b.name, func(t *testing.T) {
			// Source states reach the status API every few seconds: wait for
			// a fresh poll under every fifth broken config only.
			waitPoll := i%5 == 0
			before := getStatus(t, base)
			if err := os.WriteFile(cfgPath, []byte(b.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			var st apiStatus
			deadline := time.Now().Add(10 * time.Second)
			for {
				st = getStatus(t, base)
				if st.Reload.At.After(before.Reload.At) && st.Reload.Trigger == "file" && (!waitPoll || lastPoll(st).After(lastPoll(before))) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no refused reload and fresh poll within 10s: %+v", st.Reload)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if st.Reload.OK {
				t.Fatalf("broken config accepted: %+v", st.Reload)
			}
			if len(st.Reload.Problems) == 0 || st.Reload.Problems[0].Line == 0 {
				t.Fatalf("problems without a line: %+v", st.Reload)
			}
			if b.path != "" && !strings.HasPrefix(st.Reload.Problems[0].Path, b.path) {
				t.Errorf("first problem at %q, want %q…: %+v", st.Reload.Problems[0].Path, b.path, st.Reload.Problems)
			}
			resp, err := http.Get(base + "/feeds/all.rss")
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("feeds stopped after a broken config: %v %v", err, resp)
			}
			resp.Body.Close()
		})
	}

	// A valid edit: a source removed takes effect without a restart.
	valid := strings.Replace(fast, "  - {id: gone,", "  # - {id: gone,", 1)
	if err := os.WriteFile(cfgPath, []byte(valid), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := getStatus(t, base)
		if st.Reload.OK && len(st.Sources) == 11 {
			if !strings.Contains(strings.Join(st.Reload.Changes, "\n"), "removed sources[gone]") {
				t.Errorf("changes: %v", st.Reload.Changes)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("valid config not applied within 10s: %+v", st.Reload)
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, err := runCmd(t, "check-config", "-diff", "-config", cfgPath)
	if err != nil || !strings.Contains(out, "a reload would change nothing") {
		t.Fatalf("check-config -diff against the running daemon: %v\n%s", err, out)
	}

	// A new listen waits for the restart: the reload that reads it says
	// so, a reload of the same file says nothing, and -diff lists it for
	// the restart, not for a reload.
	moved := freeAddr(t)
	running := listenOf(t, valid)
	withMoved := strings.Replace(valid, running, moved, 1)
	if err := os.WriteFile(cfgPath, []byte(withMoved), 0o644); err != nil {
		t.Fatal(err)
	}
	var read time.Time
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		st := getStatus(t, base)
		if strings.Contains(strings.Join(st.Reload.Changes, "\n"), "listen takes effect at the next restart") {
			read = st.Reload.At
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("new listen not read within 10s: %+v", st.Reload)
		}
	}
	// The same bytes written again: read again, with nothing new.
	if err := os.WriteFile(cfgPath, []byte(withMoved), 0o644); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		st := getStatus(t, base)
		if st.Reload.At.After(read) {
			if !st.Reload.OK || len(st.Reload.Changes) != 0 {
				t.Errorf("reload of the same file after a new listen: %+v, want no change", st.Reload)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("file written again not read within 10s: %+v", st.Reload)
		}
	}
	out, err = runCmd(t, "check-config", "-diff", "-config", cfgPath)
	if err != nil || !strings.Contains(out, "a reload would change nothing") || !strings.Contains(out, "the next restart would also make:\n  changed listen: "+running+" → "+moved) {
		t.Fatalf("check-config -diff with a new listen waiting: %v\n%s", err, out)
	}
}

// listenOf is the listen address a config's text gives.
func listenOf(t *testing.T, cfg string) string {
	t.Helper()
	for line := range strings.Lines(cfg) {
		if v, ok := strings.CutPrefix(line, "listen: "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no listen in\n%s", cfg)
	return ""
}

// TestReloadShortensAnInterval: an admin who shortens a source's interval
// from an hour to two seconds sees it polled again within seconds of saving
// the file, not an hour after its last poll.
func TestReloadShortensAnInterval(t *testing.T) {
	outletURL, polled := recordingOutlet(t)
	polls := func() int { return polled("/rss") }
	addr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	write := func(interval string) {
		t.Helper()
		cfg := fmt.Sprintf(`listen: %s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, max_interval: 6h, timeout: 5s}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%s/rss", interval: %s}
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`, addr, outletURL, interval)
		replaceFile(t, cfgPath, cfg)
	}
	write("1h")
	serveDaemon(t, cfgPath, addr)
	waitFor := func(n int, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for polls() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d polls after %s, want %d", polls(), within, n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor(1, 10*time.Second)
	time.Sleep(time.Second) // the first poll's state is in
	write("2s")
	edited := time.Now()
	waitFor(2, 10*time.Second)
	t.Logf("polled again %s after the edit", time.Since(edited).Round(time.Millisecond))
	waitFor(3, 10*time.Second)
}

// TestReloadPollsANewURL: an admin who gives a source a new url has it
// polled there at once, not when the old address was due (an hour on).
func TestReloadPollsANewURL(t *testing.T) {
	outletURL, polled := recordingOutlet(t)
	addr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	writeOneSource(t, cfgPath, addr, outletURL+"/rss", "1h")
	serveDaemon(t, cfgPath, addr)
	waitPolled(t, polled, "/rss", 10*time.Second)
	time.Sleep(time.Second) // the first poll's state is in: due an hour on
	writeOneSource(t, cfgPath, addr, outletURL+"/rss-moi", "1h")
	edited := time.Now()
	waitPolled(t, polled, "/rss-moi", 10*time.Second)
	t.Logf("the new url polled %s after the edit", time.Since(edited).Round(time.Millisecond))
}

// TestReloadPollsANewURLInsideARetryAfter: a source whose old address
// answered 503 with a Retry-After of an hour is polled at its new url at
// once: the wait was the old server's.
func TestReloadPollsANewURLInsideARetryAfter(t *testing.T) {
	outletURL, polled := recordingOutlet(t, "/rss-bao-tri 3600")
	addr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	writeOneSource(t, cfgPath, addr, outletURL+"/rss-bao-tri", "15m")
	serveDaemon(t, cfgPath, addr)
	waitPolled(t, polled, "/rss-bao-tri", 10*time.Second)
	time.Sleep(time.Second) // the 503's Retry-After is in the state
	writeOneSource(t, cfgPath, addr, outletURL+"/rss-moi", "15m")
	edited := time.Now()
	waitPolled(t, polled, "/rss-moi", 10*time.Second)
	t.Logf("the new url polled %s after the edit", time.Since(edited).Round(time.Millisecond))
	if n := polled("/rss-bao-tri"); n != 1 {
		t.Errorf("the old url was asked %d times, want once", n)
	}
}

// replaceFile puts content at path as editors do: written beside it, then
// renamed over it, so that the daemon never reads half a file.
func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path+".new", []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

// recordingOutlet serves testdata/outlets/baohagiang.xml at every path
// until the test ends, and returns its URL and how often a path was asked.
// Each path of busy answers 503 with its Retry-After value instead.
func recordingOutlet(t *testing.T, busy ...string) (string, func(path string) int) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", "outlets", "baohagiang.xml"))
	if err != nil {
		t.Fatal(err)
	}
	retryAfter := map[string]string{}
	for _, b := range busy {
		path, secs, _ := strings.Cut(b, " ")
		retryAfter[path] = secs
	}
	var mu sync.Mutex
	hits := map[string]int{}
	outlet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		if secs, ok := retryAfter[r.URL.Path]; ok {
			w.Header().Set("Retry-After", secs)
			http.Error(w, "máy chủ đang bảo trì", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write(body)
	}))
	t.Cleanup(outlet.Close)
	return outlet.URL, func(path string) int {
		mu.Lock()
		defer mu.Unlock()
		return hits[path]
	}
}

// waitPolled waits until path was asked, at most within.
func waitPolled(t *testing.T, polled func(string) int, path string, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); polled(path) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s not polled within %s", path, within)
		}
	}
}

// writeOneSource writes the config of a daemon at addr polling one source
// at url every interval.
func writeOneSource(t *testing.T, cfgPath, addr, url, interval string) {
	t.Helper()
	replaceFile(t, cfgPath, fmt.Sprintf(`listen: %s
data_dir: ./data
poll: {interval: %s, min_interval: 1s, max_interval: 6h, timeout: 5s}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%s"}
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`, addr, interval, url))
}

// TestReloadKeepsPartnerPulls: a reload keeps each partner's pull count and
// last pull, by name, when its token changes; a partner renamed starts
// again from nothing and its old name is gone.
func TestReloadKeepsPartnerPulls(t *testing.T) {
	outletURL, _ := recordingOutlet(t)
	addr := freeAddr(t)
	base := "http://" + addr
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	write := func(vtvToken, vovName string) {
		t.Helper()
		cfg := fmt.Sprintf(`listen: %s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, max_interval: 6h, timeout: 5s}
partners:
  - {name: vtv, token: %s}
  - {name: %s, token: dai-tieng-noi-viet-nam-2026}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%s/rss"}
categories: [{id: thoi-su, title: Thời sự}, {id: doi-tac, title: Đối tác, partners_only: true}]
default_category: thoi-su
`, addr, vtvToken, vovName, outletURL)
		replaceFile(t, cfgPath, cfg)
	}
	type partnerStatus struct {
		Name     string     `json:"name"`
		Pulls    int64      `json:"pulls"`
		LastPull *time.Time `json:"last_pull"`
	}
	partners := func() map[string]partnerStatus {
		t.Helper()
		resp, err := http.Get(base + "/api/status")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st struct {
			Partners []partnerStatus `json:"partners"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatalf("/api/status: %v", err)
		}
		m := map[string]partnerStatus{}
		for _, p := range st.Partners {
			m[p.Name] = p
		}
		return m
	}
	pull := func(token string) {
		t.Helper()
		req, err := http.NewRequest("GET", base+"/feeds/doi-tac.rss", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("pull: status %d", resp.StatusCode)
		}
	}

	write("truyen-hinh-viet-nam-2026", "vov")
	serveDaemon(t, cfgPath, addr)
	pull("truyen-hinh-viet-nam-2026")
	pull("truyen-hinh-viet-nam-2026")
	pull("dai-tieng-noi-viet-nam-2026")
	before := partners()
	if before["vtv"].Pulls != 2 || before["vtv"].LastPull == nil || before["vov"].Pulls != 1 {
		t.Fatalf("before the reload: %+v, want vtv 2 pulls, vov 1", before)
	}

	// vtv gets a new token; vov is renamed.
	write("truyen-hinh-viet-nam-2027", "dai-tieng-noi")
	var after map[string]partnerStatus
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		after = partners()
		if _, ok := after["dai-tieng-noi"]; ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new partners not applied within 10s: %+v", after)
		}
	}
	if vtv := after["vtv"]; vtv.Pulls != 2 || vtv.LastPull == nil || !vtv.LastPull.Equal(*before["vtv"].LastPull) {
		t.Errorf("vtv after a reload that changed its token: %+v, want %d pulls, last %s", vtv, 2, before["vtv"].LastPull)
	}
	if renamed := after["dai-tieng-noi"]; renamed.Pulls != 0 || renamed.LastPull != nil {
		t.Errorf("a renamed partner kept the old name's pulls: %+v", renamed)
	}
	if old, ok := after["vov"]; ok {
		t.Errorf("the old name is still listed: %+v", old)
	}
	pull("truyen-hinh-viet-nam-2027")
	if n := partners()["vtv"].Pulls; n != 3 {
		t.Errorf("vtv pulled once more with its new token: %d pulls, want 3", n)
	}
}

// TestDiffKeepsDerivedBaseURLUntilRestart: with no base_url, a new listen
// changes the links only at the restart, and check-config -diff lists what
// the reload does, not a base_url change it does not make.
func TestDiffKeepsDerivedBaseURLUntilRestart(t *testing.T) {
	outletURL, _ := recordingOutlet(t)
	addr, next := freeAddr(t), freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	write := func(listen string) {
		t.Helper()
		replaceFile(t, cfgPath, fmt.Sprintf(`listen: %s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, timeout: 5s}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%s/rss"}
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`, listen, outletURL))
	}
	write(addr)
	serveDaemon(t, cfgPath, addr)
	write(next)
	out, err := runCmd(t, "check-config", "-diff", "-config", cfgPath)
	if err != nil || !strings.Contains(out, "changed listen") || strings.Contains(out, "base_url") {
		t.Fatalf("check-config -diff after a new listen: %v\n%s", err, out)
	}
}

// TestCategoryMadePublicReachesPartners: stories stored while their only
// category was partners-only are not in "all"; once a reload, or a restart
// under the edited config, makes the category public, a partner pulling
// "all" with since gets them.
func TestCategoryMadePublicReachesPartners(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(map[bool]string{false: "reload", true: "restart"}[restart], func(t *testing.T) { categoryMadePublic(t, restart) })
	}
}

func categoryMadePublic(t *testing.T, restart bool) {
	outletURL, polled := recordingOutlet(t)
	addr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	write := func(private bool) {
		t.Helper()
		replaceFile(t, cfgPath, fmt.Sprintf(`listen: %s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, timeout: 5s}
partners: [{name: bao-tinh-ban, token: token-cua-bao-tinh-ban-0123}]
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%s/rss"}
categories:
  - {id: thoi-su, title: Thời sự}
  - {id: doi-tac, title: Đối tác, sources: [baohagiang], partners_only: %v}
default_category: thoi-su
`, addr, outletURL, private))
	}
	write(true)
	stop := startDaemon(t, cfgPath, addr)
	defer func() { stop() }()
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for polled("/rss") == 0 || countItems(t, base+"/feeds/doi-tac.json?token=token-cua-bao-tinh-ban-0123") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the source was not polled and stored within 10 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	resp, err := http.Get(base + "/feeds/all.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cursor := resp.Header.Get("X-Newswire-Cursor")
	if n := countItems(t, base+"/feeds/all.json?since="+cursor); n != 0 {
		t.Fatalf("all since the cursor before the reload: %d stories", n)
	}

	if restart {
		stop()
		write(false)
		stop = startDaemon(t, cfgPath, addr)
	} else {
		write(false)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		if n := countItems(t, base+"/feeds/all.json?since="+cursor); n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the stories of the category made public did not come to a partner pulling all with since")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// countItems counts the items of the JSON Feed at url.
func countItems(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s", url, resp.Status)
	}
	var doc struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return len(doc.Items)
}

// TestRemovedPartnersOnlyCategoryStaysPrivate: a partners-only category
// removed from the config, by a reload or across a restart, does not publish
// its stories: they stay out of "all" and the front page; brought back
// public, they come to a partner pulling "all" with since.
func TestRemovedPartnersOnlyCategoryStaysPrivate(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(map[bool]string{false: "reload", true: "restart"}[restart], func(t *testing.T) { removedPartnersOnly(t, restart) })
	}
}

func removedPartnersOnly(t *testing.T, restart bool) {
	outletURL, polled := recordingOutlet(t)
	addr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	write := func(doiTac string) {
		t.Helper()
		replaceFile(t, cfgPath, fmt.Sprintf(`listen: %s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, timeout: 5s}
partners: [{name: bao-tinh-ban, token: token-cua-bao-tinh-ban-0123}]
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%s/rss"}
categories:
  - {id: thoi-su, title: Thời sự}
%s
default_category: thoi-su
`, addr, outletURL, doiTac))
	}
	write("  - {id: doi-tac, title: Đối tác, sources: [baohagiang], partners_only: true}")
	stop := startDaemon(t, cfgPath, addr)
	defer func() { stop() }()
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for polled("/rss") == 0 || countItems(t, base+"/feeds/doi-tac.json?token=token-cua-bao-tinh-ban-0123") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the source was not polled and stored within 10 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	resp, err := http.Get(base + "/feeds/all.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cursor := resp.Header.Get("X-Newswire-Cursor")

	const title = "Hà Giang đón 50 nghìn lượt khách"
	public := func() string {
		t.Helper()
		var b strings.Builder
		for _, path := range []string{"/feeds/all.json", "/feeds/all.rss", "/feeds/all.json?since=" + cursor, "/"} {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), title) {
				fmt.Fprintf(&b, " %s", path)
			}
		}
		return b.String()
	}
	if got := public(); got != "" {
		t.Fatalf("a partners-only story is public before any change, in%s", got)
	}

	// The category removed: its stories stay partners'.
	if restart {
		stop()
		write("")
		stop = startDaemon(t, cfgPath, addr)
	} else {
		write("")
		waitReloaded(t, base, "removed categories[doi-tac]")
	}
	if got := public(); got != "" {
		t.Errorf("the stories of a removed partners-only category were published, in%s", got)
	}
	if !restart {
		// And across the restart that follows.
		stop()
		stop = startDaemon(t, cfgPath, addr)
		if got := public(); got != "" {
			t.Errorf("after a restart, the stories of a removed partners-only category were published, in%s", got)
		}
	}

	// Back, public: a partner pulling all with since gets them.
	write("  - {id: doi-tac, title: Đối tác, sources: [baohagiang]}")
	deadline = time.Now().Add(10 * time.Second)
	for countItems(t, base+"/feeds/all.json?since="+cursor) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the stories of the category back as public did not come to a partner pulling all with since")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitReloaded waits until the daemon at base has applied a reload that
// lists change.
func waitReloaded(t *testing.T, base, change string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if st := getStatus(t, base); st.Reload.OK && contains(st.Reload.Changes, change) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reload with %q within 10 s: %+v", change, getStatus(t, base).Reload)
		}
	}
}

// TestRemovedSourceKeepsItsCredit: a source removed from the config, by a
// reload or across a restart, is still credited with its stories by its
// title, level and feed, in every format and on the front page, rather
// than by its id alone.
func TestRemovedSourceKeepsItsCredit(t *testing.T) {
	outletURL, polled := recordingOutlet(t)
	addr := freeAddr(t)
	base := "http://" + addr
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	write := func(sources string) {
		t.Helper()
		replaceFile(t, cfgPath, fmt.Sprintf(`listen: %s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, timeout: 5s}
sources: %s
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`, addr, sources))
	}
	write(fmt.Sprintf(`[{id: baohagiang, title: Báo Hà Giang, level: provincial, url: "%s/rss"}]`, outletURL))
	stop := startDaemon(t, cfgPath, addr)
	defer func() { stop() }()
	deadline := time.Now().Add(10 * time.Second)
	for polled("/rss") == 0 || countItems(t, base+"/feeds/all.json") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the source was not polled and stored within 10 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	credited := func(when string) {
		t.Helper()
		get := func(path string) string {
			t.Helper()
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return string(body)
		}
		var doc struct {
			Items []struct {
				Newswire struct {
					Sources []struct {
						Source, Title, Level string
						FeedURL              string `json:"feed_url"`
					} `json:"sources"`
				} `json:"_newswire"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(get("/feeds/all.json")), &doc); err != nil || len(doc.Items) == 0 {
			t.Fatalf("%s: all.json: %v, %d items", when, err, len(doc.Items))
		}
		for _, it := range doc.Items {
			s := it.Newswire.Sources[0]
			if s.Source != "baohagiang" || s.Title != "Báo Hà Giang" || s.Level != "provincial" || s.FeedURL != outletURL+"/rss" {
				t.Fatalf("%s: JSON Feed credits %+v, want baohagiang as Báo Hà Giang, provincial, at %s/rss", when, s, outletURL)
			}
		}
		if rss := get("/feeds/all.rss"); !strings.Contains(rss, `<source url="`+outletURL+`/rss">Báo Hà Giang</source>`) {
			t.Errorf("%s: RSS names no <source> Báo Hà Giang:\n%s", when, rss)
		}
		if atom := get("/feeds/all.atom"); !strings.Contains(atom, "<title>Báo Hà Giang</title>") {
			t.Errorf("%s: Atom names no source Báo Hà Giang:\n%s", when, atom)
		}
		if front := get("/"); !strings.Contains(front, "Báo Hà Giang") {
			t.Errorf("%s: the front page does not name Báo Hà Giang", when)
		}
	}
	credited("while polled")

	write("[]")
	waitReloaded(t, base, "removed sources[baohagiang]")
	credited("removed by a reload")
	stop()
	stop = startDaemon(t, cfgPath, addr)
	credited("removed, after a restart")
}

// TestCategoryMadePublicNotSentAgain: a partner following a partners-only
// category with since, up to date, gets none of its stories again when a
// reload makes the category public, and still gets what is stored or
// edited afterwards, once; a partner following "all" gets the stories it
// could not have before, once. Made partners-only and public again, the
// same holds for the story stored meanwhile.
func TestCategoryMadePublicNotSentAgain(t *testing.T) {
	item := func(guid, title, summary string, ago time.Duration) string {
		return fmt.Sprintf(`<item><title>%s</title><link>http://baosonglo.test/tin/%s.html</link><guid isPermaLink="false">%s</guid><pubDate>%s</pubDate><description>%s</description></item>`,
			title, guid, guid, time.Now().Add(-ago).Format(time.RFC1123Z), summary)
	}
	const (
		cauTreo = "Xã Tân Trào khánh thành cầu treo qua suối Khuôn"
		che     = "Hợp tác xã chè Mỹ Bằng đạt chứng nhận hữu cơ"
		nghe    = "Huyện Sơn Dương mở lớp dạy nghề mây tre đan"
		lua     = "Nông dân Hàm Yên thu hoạch lúa mùa sớm"
	)
	var mu sync.Mutex
	items := []string{
		item("bsl-1", cauTreo, "Cây cầu dài 60 mét giúp học sinh hai thôn đi học an toàn.", 3*time.Hour),
		item("bsl-2", che, "Hơn 40 hộ trồng chè được cấp chứng nhận sau ba năm.", 2*time.Hour),
	}
	outlet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Báo Sông Lô</title><link>http://baosonglo.test/</link><description>Tin vùng Sông Lô</description>%s</channel></rss>`, strings.Join(items, ""))
	}))
	t.Cleanup(outlet.Close)
	setItems := func(list ...string) {
		mu.Lock()
		items = list
		mu.Unlock()
	}

	addr := freeAddr(t)
	base := "http://" + addr
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	// A new query in the source's URL has it polled at once.
	write := func(private bool, poll int) {
		t.Helper()
		replaceFile(t, cfgPath, fmt.Sprintf(`listen: %s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, timeout: 5s}
partners: [{name: bao-ban, token: token-cua-bao-ban-song-lo}]
sources:
  - {id: baosonglo, title: Báo Sông Lô, url: "%s/rss?lan=%d"}
categories:
  - {id: thoi-su, title: Thời sự}
  - {id: doi-tac, title: Đối tác, sources: [baosonglo], partners_only: %v}
default_category: thoi-su
`, addr, outlet.URL, poll, private))
	}
	// pull follows path with since from *cursor to the end, and returns
	// the titles given, each with its summary.
	pull := func(path string, cursor *string) []string {
		t.Helper()
		var got []string
		for {
			resp, err := http.Get(base + path + "?token=token-cua-bao-ban-song-lo&since=" + *cursor)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Items []struct{ Title, Summary string }
			}
			err = json.NewDecoder(resp.Body).Decode(&doc)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || err != nil {
				t.Fatalf("%s since %s: %s, %v", path, *cursor, resp.Status, err)
			}
			next := resp.Header.Get("X-Newswire-Cursor")
			for _, it := range doc.Items {
				got = append(got, it.Title+": "+it.Summary)
			}
			if next == *cursor {
				return got
			}
			*cursor = next
		}
	}
	// wait pulls path until it gives something, and returns that.
	wait := func(path string, cursor *string) []string {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if got := pull(path, cursor); len(got) > 0 {
				slices.Sort(got)
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("nothing new in %s within 10 s", path)
			}
		}
	}
	check := func(when, path string, got []string, want ...string) {
		t.Helper()
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s, %s gave:\n%q\nwant:\n%q", when, path, got, want)
		}
	}

	write(true, 1)
	serveDaemon(t, cfgPath, addr)
	partner, all := store.ChangeCursor(0), store.ChangeCursor(0)
	check("partners-only", "doi-tac", wait("/feeds/doi-tac.json", &partner),
		cauTreo+": Cây cầu dài 60 mét giúp học sinh hai thôn đi học an toàn.",
		che+": Hơn 40 hộ trồng chè được cấp chứng nhận sau ba năm.")
	check("partners-only", "all", pull("/feeds/all.json", &all))

	write(false, 1)
	check("made public", "all", wait("/feeds/all.json", &all),
		cauTreo+": Cây cầu dài 60 mét giúp học sinh hai thôn đi học an toàn.",
		che+": Hơn 40 hộ trồng chè được cấp chứng nhận sau ba năm.")
	check("made public", "doi-tac", pull("/feeds/doi-tac.json", &partner))

	// An edit and a new story still come, once.
	edited := []string{
		item("bsl-1", cauTreo, "Cây cầu dài 60 mét, rộng 1,5 mét, giúp học sinh hai thôn đi học an toàn.", 3*time.Hour),
		item("bsl-2", che, "Hơn 40 hộ trồng chè được cấp chứng nhận sau ba năm.", 2*time.Hour),
		item("bsl-3", nghe, "Ba mươi phụ nữ được học nghề miễn phí trong hai tháng.", time.Hour),
	}
	setItems(edited...)
	write(false, 2)
	after := []string{
		cauTreo + ": Cây cầu dài 60 mét, rộng 1,5 mét, giúp học sinh hai thôn đi học an toàn.",
		nghe + ": Ba mươi phụ nữ được học nghề miễn phí trong hai tháng.",
	}
	check("an edit and a new story", "doi-tac", wait("/feeds/doi-tac.json", &partner), after...)
	check("an edit and a new story", "all", wait("/feeds/all.json", &all), after...)

	// Partners-only again, a story stored meanwhile, public again.
	setItems(append(edited, item("bsl-4", lua, "Năng suất đạt 55 tạ mỗi héc-ta.", 30*time.Minute))...)
	write(true, 3)
	check("partners-only again", "doi-tac", wait("/feeds/doi-tac.json", &partner), lua+": Năng suất đạt 55 tạ mỗi héc-ta.")
	write(false, 3)
	got := wait("/feeds/all.json", &all)
	if !slices.Contains(got, lua+": Năng suất đạt 55 tạ mỗi héc-ta.") {
		t.Errorf("public again, all gave %q, without the story stored while partners-only", got)
	}
	check("public again", "doi-tac", pull("/feeds/doi-tac.json", &partner))
}
