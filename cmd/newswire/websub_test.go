package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// TestDaemonTakesPushes: the daemon subscribes to the hub its source's feed
// names, through its own guarded client, and shows the subscription on
// /api/status and /status; a story the hub pushes is in the merged feed
// within seconds, though the source's interval is an hour.
func TestDaemonTakesPushes(t *testing.T) {
	const key = "khoa-bi-mat-cua-toa-soan-ha-giang"
	var mu sync.Mutex
	items := []string{`<item><title>Khánh thành trường bán trú ở xã Lũng Cú</title><link>http://tin.test/1.html</link><description>Ngôi trường mới đón 300 học sinh bán trú.</description></item>`}
	var hubURL, callback, topic string
	hub := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		callback, topic = r.Form.Get("hub.callback"), r.Form.Get("hub.topic")
		cb, tp := callback, topic
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		go func() {
			resp, err := http.Get(cb + "?hub.mode=subscribe&hub.challenge=xin-chao&hub.lease_seconds=86400&hub.topic=" + url.QueryEscape(tp))
			if err == nil {
				resp.Body.Close()
			}
		}()
	}))
	hubURL = hub.URL
	outlet := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("Link", "<"+hubURL+`/>; rel="hub"`)
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Báo Hà Giang</title><link>http://tin.test/</link><description>Tin</description>%s</channel></rss>`, strings.Join(items, ""))
	}))
	addr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	cfg := fmt.Sprintf(`listen: %s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, timeout: 5s}
websub: {subscribe: true, secret: %s, lease: 24h}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%s/rss", level: provincial, language: vi}
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`, addr, key, outlet.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	serveDaemon(t, cfgPath, addr)
	base := "http://" + addr

	type subState struct {
		State     string    `json:"state"`
		Hub       string    `json:"hub"`
		LeaseEnds time.Time `json:"lease_ends"`
		LastPush  time.Time `json:"last_push"`
		Pushes    int       `json:"pushes"`
	}
	state := func() subState {
		t.Helper()
		resp, err := http.Get(base + "/api/status")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st struct {
			Sources []struct {
				WebSub *subState `json:"websub"`
			} `json:"sources"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || len(st.Sources) != 1 {
			t.Fatalf("/api/status: %v", err)
		}
		if st.Sources[0].WebSub == nil {
			return subState{}
		}
		return *st.Sources[0].WebSub
	}
	deadline := time.Now().Add(10 * time.Second)
	for state().State != "verified" {
		if time.Now().After(deadline) {
			t.Fatalf("not subscribed within 10s: %+v", state())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s := state(); s.Hub != hubURL+"/" || time.Until(s.LeaseEnds) < 23*time.Hour {
		t.Errorf("subscription shown as %+v", s)
	}

	// The outlet publishes, and its hub pushes the new document.
	mu.Lock()
	items = append([]string{`<item><title>Mưa lớn gây sạt lở trên quốc lộ 4C</title><link>http://tin.test/2.html</link><description>Lực lượng chức năng đang thông đường.</description></item>`}, items...)
	cb := callback
	mu.Unlock()
	body := []byte(`<rss version="2.0"><channel><title>Báo Hà Giang</title></channel></rss>`)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	req, _ := http.NewRequest("POST", cb, strings.NewReader(string(body)))
	req.Header.Set("X-Hub-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set("Content-Type", "application/rss+xml")
	pushed := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("push: %s", resp.Status)
	}
	for {
		resp, err := http.Get(base + "/feeds/all.json")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "quốc lộ 4C") {
			t.Logf("pushed story in the merged feed %s after the push", time.Since(pushed).Round(time.Millisecond))
			break
		}
		if time.Since(pushed) > 5*time.Second {
			t.Fatal("the pushed story is not in the merged feed within 5s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s := state(); s.Pushes != 1 || s.LastPush.IsZero() {
		t.Errorf("after one push: %+v", s)
	}
	page, err := http.Get(base + "/status")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(b), "WebSub: hub đẩy tin") {
		t.Errorf("/status does not show the subscription")
	}
}

// TestForgedDenialOnStatus: a denial sent at the callback, its key
// included, by the hub or by anyone who learned the callback, naming the
// source's topic, which /sources.opml makes public. Its reason reaches
// /status and /api/status as the hub's words, quoted, on one line, without
// controls and cut; a second denial while the first stands changes nothing.
func TestForgedDenialOnStatus(t *testing.T) {
	var mu sync.Mutex
	var callback, topic string
	hub := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		callback, topic = r.Form.Get("hub.callback"), r.Form.Get("hub.topic")
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted) // and verifies later, or never
	}))
	outlet := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("Link", "<"+hub.URL+`/>; rel="hub"`)
		fmt.Fprint(w, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Báo Hà Giang</title><link>http://tin.test/</link><description>Tin</description></channel></rss>`)
	}))
	addr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	cfg := fmt.Sprintf(`listen: %s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, timeout: 5s}
websub: {subscribe: true, secret: khoa-bi-mat-cua-toa-soan, lease: 24h}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%s/rss", level: provincial, language: vi}
categories: [{id: thoi-su, title: Thời sự}]
default_category: thoi-su
`, addr, outlet.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	serveDaemon(t, cfgPath, addr)
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	var cb, tp string
	for {
		mu.Lock()
		cb, tp = callback, topic
		mu.Unlock()
		if cb != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the daemon did not subscribe within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	deny := func(reason string) {
		t.Helper()
		resp, err := http.Get(cb + "?hub.mode=denied&hub.topic=" + url.QueryEscape(tp) + "&hub.reason=" + url.QueryEscape(reason))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("denial: %s", resp.Status)
		}
	}
	deny("Nguồn đã chuyển sang http://evil.example/rss \u202e— hãy sửa url\u009b2J trong config.yaml\nngay " + strings.Repeat("bây giờ ", 5000))
	deny("lần hai")

	resp, err := http.Get(base + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Sources []struct {
			WebSub *struct {
				State  string `json:"state"`
				Reason string `json:"reason"`
			} `json:"websub"`
		} `json:"sources"`
	}
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || len(st.Sources) != 1 || st.Sources[0].WebSub == nil {
		t.Fatalf("/api/status: %v %+v", err, st)
	}
	ws := st.Sources[0].WebSub
	if ws.State != "denied" || !strings.HasPrefix(ws.Reason, "Nguồn đã chuyển sang http://evil.example/rss — hãy sửa url 2J trong config.yaml ngay bây giờ") ||
		utf8.RuneCountInString(ws.Reason) > 201 || !strings.HasSuffix(ws.Reason, "…") || strings.ContainsAny(ws.Reason, "\u202e\u009b\n") {
		t.Errorf("denied subscription shown as %s, %q", ws.State, ws.Reason)
	}
	page, err := http.Get(base + "/status")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(b), "hub từ chối đăng ký; hub ghi: “Nguồn đã chuyển sang") || strings.Contains(string(b), "bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ bây giờ") {
		t.Errorf("/status does not quote the hub's reason, cut")
	}
}

// TestRestartKeepsSubscriptions: the daemon keeps its WebSub subscriptions
// in the store. Restarted on the same data_dir, it does not ask the hub
// again for a subscription whose lease is still good, unsubscribes at its
// hub a source removed from the config while it was stopped, and, restarted
// with another websub.secret, takes a push the hub signs with the secret it
// was given before the restart and polls the source.
func TestRestartKeepsSubscriptions(t *testing.T) {
	const oldKey, newKey = "khoa-cu-cua-toa-soan-ha-giang", "khoa-moi-cua-toa-soan-ha-giang"
	type hubRequest struct{ mode, topic, secret, callback string }
	var (
		mu       sync.Mutex
		asked    []hubRequest
		answered = map[string]string{} // the daemon's answer to each verification, by mode and topic
		verify   atomic.Bool           // the hub verifies subscriptions
		items    = []string{`<item><title>Khai mạc chợ phiên cao nguyên đá Đồng Văn</title><link>http://tin.test/hg/1.html</link><description>Hàng trăm gian hàng thổ cẩm và nông sản.</description></item>`}
	)
	verify.Store(true)
	hub := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		req := hubRequest{r.Form.Get("hub.mode"), r.Form.Get("hub.topic"), r.Form.Get("hub.secret"), r.Form.Get("hub.callback")}
		mu.Lock()
		asked = append(asked, req)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		if req.mode == "subscribe" && !verify.Load() {
			return
		}
		go func() {
			resp, err := http.Get(req.callback + "?hub.mode=" + req.mode + "&hub.challenge=xin-chao&hub.lease_seconds=86400&hub.topic=" + url.QueryEscape(req.topic))
			if err != nil {
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			mu.Lock()
			answered[req.mode+" "+req.topic] = fmt.Sprintf("%d %s", resp.StatusCode, b)
			mu.Unlock()
		}()
	}))
	outlet := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("Link", "<"+hub.URL+`/>; rel="hub"`)
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/hagiang.rss":
			fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Báo Hà Giang</title><link>http://tin.test/hg/</link><description>Tin</description>%s</channel></rss>`, strings.Join(items, ""))
		case "/laocai.rss":
			fmt.Fprint(w, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Lao Cai News</title><link>http://tin.test/lc/</link><description>News</description><item><title>Sa Pa welcomes the first snow of the winter</title><link>http://tin.test/lc/1.html</link></item></channel></rss>`)
		default:
			http.NotFound(w, r)
		}
	}))
	addr := freeAddr(t)
	base := "http://" + addr
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	writeCfg := func(key string, laocai bool) {
		t.Helper()
		cfg := fmt.Sprintf(`listen: %s
data_dir: ./data
poll: {interval: 1h, min_interval: 1s, timeout: 5s}
websub: {subscribe: true, secret: %s, lease: 24h}
sources:
  - {id: baohagiang, title: Báo Hà Giang, url: "%s/hagiang.rss", level: provincial, language: vi}
`, addr, key, outlet.URL)
		if laocai {
			cfg += fmt.Sprintf("  - {id: laocainews, title: Lao Cai News, url: \"%s/laocai.rss\", level: provincial, language: en}\n", outlet.URL)
		}
		cfg += "categories: [{id: thoi-su, title: Thời sự}]\ndefault_category: thoi-su\n"
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	type subState struct {
		State     string    `json:"state"`
		LeaseEnds time.Time `json:"lease_ends"`
		Pushes    int       `json:"pushes"`
		Ignored   int       `json:"pushes_ignored"`
	}
	states := func() map[string]subState {
		t.Helper()
		resp, err := http.Get(base + "/api/status")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st struct {
			Sources []struct {
				ID     string    `json:"id"`
				WebSub *subState `json:"websub"`
			} `json:"sources"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatalf("/api/status: %v", err)
		}
		out := map[string]subState{}
		for _, s := range st.Sources {
			if s.WebSub != nil {
				out[s.ID] = *s.WebSub
			}
		}
		return out
	}
	requests := func() []hubRequest {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(asked)
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10s; the hub was asked %+v", what, requests())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// The first run subscribes both sources.
	writeCfg(oldKey, true)
	stop := startDaemon(t, cfgPath, addr)
	waitFor("both sources verified", func() bool {
		s := states()
		return s["baohagiang"].State == "verified" && s["laocainews"].State == "verified"
	})
	leaseEnds := states()["baohagiang"].LeaseEnds
	stop()

	// Lao Cai News is removed while the daemon is stopped.
	writeCfg(oldKey, false)
	before := len(requests())
	stop = startDaemon(t, cfgPath, addr)
	laocaiTopic := outlet.URL + "/laocai.rss"
	var laocaiCallback string // the callback it was subscribed under, its key included
	for _, req := range requests()[:before] {
		if req.mode == "subscribe" && req.topic == laocaiTopic {
			laocaiCallback = req.callback
		}
	}
	if !strings.HasPrefix(laocaiCallback, base+"/websub/callback/laocainews/") {
		t.Fatalf("Lao Cai News was subscribed under %q", laocaiCallback)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(requests()[before:], hubRequest{"unsubscribe", laocaiTopic, "", laocaiCallback}) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // time for a subscription request, were one made
	var unsubscribed bool
	for _, req := range requests()[before:] {
		switch {
		case req.mode == "unsubscribe" && req.topic == laocaiTopic && req.callback == laocaiCallback:
			unsubscribed = true
		default:
			t.Errorf("after the restart the hub was asked %+v", req)
		}
	}
	if !unsubscribed {
		t.Errorf("the source removed while the daemon was stopped was not unsubscribed at its hub")
	} else {
		mu.Lock()
		answer := answered["unsubscribe "+laocaiTopic]
		mu.Unlock()
		if answer != "200 xin-chao" {
			t.Errorf("the hub's verification of the unsubscription was answered %q", answer)
		}
	}
	if s := states()["baohagiang"]; s.State != "verified" || !s.LeaseEnds.Equal(leaseEnds) {
		t.Errorf("after the restart the subscription is %+v, want verified until %s", s, leaseEnds)
	}
	stop()

	// Restarted with a new secret, the daemon asks the hub to take it; until
	// the hub verifies that, a push signed with the old one is the hub's.
	writeCfg(newKey, false)
	verify.Store(false)
	before = len(requests())
	stop = startDaemon(t, cfgPath, addr)
	defer stop()
	waitFor("the new secret given to the hub", func() bool {
		return slices.ContainsFunc(requests()[before:], func(r hubRequest) bool { return r.mode == "subscribe" && r.secret == newKey })
	})
	mu.Lock()
	items = append([]string{`<item><title>Đường lên cột cờ Lũng Cú được mở rộng</title><link>http://tin.test/hg/2.html</link><description>Công trình hoàn thành trước mùa du lịch.</description></item>`}, items...)
	mu.Unlock()
	body := `<rss version="2.0"><channel><title>Báo Hà Giang</title></channel></rss>`
	mac := hmac.New(sha256.New, []byte(oldKey))
	mac.Write([]byte(body))
	req, _ := http.NewRequest("POST", base+"/websub/callback/baohagiang", strings.NewReader(body))
	req.Header.Set("X-Hub-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set("Content-Type", "application/rss+xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := states()["baohagiang"]; s.Pushes != 1 || s.Ignored != 0 {
		t.Errorf("the push signed with the secret from before the restart: %+v, want taken", s)
	}
	pushed := time.Now()
	for {
		resp, err := http.Get(base + "/feeds/all.json")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "cột cờ Lũng Cú") {
			break
		}
		if time.Since(pushed) > 5*time.Second {
			t.Fatal("the source was not polled within 5s of the push")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
