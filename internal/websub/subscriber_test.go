package websub

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"newswire/internal/config"
	"newswire/internal/fetch"
)

// hubbedOutlet serves a feed that names hubURL as its hub at /co-hub.rss and
// one that names none at /khong-hub.rss, counting the requests for each.
func hubbedOutlet(t *testing.T, hubURL string) (base string, gets func(path string) int64) {
	t.Helper()
	srv, base := loopback(t)
	var withHub, without atomic.Int64
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		switch r.URL.Path {
		case "/co-hub.rss":
			withHub.Add(1)
			w.Header().Set("Link", "<"+hubURL+`/>; rel="hub"`)
		case "/khong-hub.rss":
			without.Add(1)
		default:
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Tin Hà Giang</title><link>http://hagiang.example/</link><description>tin</description></channel></rss>`)
	})
	srv.Start()
	return base, func(path string) int64 {
		if path == "/co-hub.rss" {
			return withHub.Load()
		}
		return without.Load()
	}
}

// oneSource is the config of a subscriber at baseURL with secret key and
// one source, cohub, at feedURL.
func oneSource(t *testing.T, baseURL, key, feedURL string) *config.Config {
	t.Helper()
	return parse(t, fmt.Sprintf(`
base_url: %s
data_dir: %s
websub: {subscribe: true, secret: %s, lease: 1h}
sources: [{id: cohub, url: "%s"}]
categories: [{id: thoi-su}]
default_category: thoi-su
`, baseURL, filepath.Join(t.TempDir(), "b"), key, feedURL))
}

// runSubscriber serves sub's callback at bSrv and runs it until the test
// ends.
func runSubscriber(t *testing.T, sub *Subscriber, bSrv *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(CallbackPath, sub)
	bSrv.Config.Handler = mux
	bSrv.Start()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = sub.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func verifiedSub(t *testing.T, sub *Subscriber, source string) *sourceSub {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		sub.mu.Lock()
		s := sub.subs[source]
		ok := s != nil && s.verified
		var c sourceSub
		if ok {
			c = *s
		}
		sub.mu.Unlock()
		if ok {
			return &c
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never verified", source)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestForgedVerificationsMoveNothing: a verification of intent for a
// subscription already verified, sent again at its callback (by its hub, or
// by anyone who learned the callback), is answered and changes nothing: it
// neither moves the lease nor makes the subscriber fetch the feeds of the
// sources with no hub again, which are looked at again only hours later.
// One sent without the callback's key, which anyone can (the topic is the
// outlet's public feed), is not answered.
func TestForgedVerificationsMoveNothing(t *testing.T) {
	client := &http.Client{Timeout: 5 * time.Second}
	asked := make(chan hubRequest, 100)
	hubURL := verifyingHub(t, client, 3600, asked, nil)
	outlet, gets := hubbedOutlet(t, hubURL)
	bSrv, bURL := loopback(t)
	cfg := parse(t, fmt.Sprintf(`
base_url: %s
data_dir: %s
websub: {subscribe: true, secret: %s, lease: 1h}
sources:
  - {id: cohub, url: "%[4]s/co-hub.rss"}
  - {id: khonghub, url: "%[4]s/khong-hub.rss"}
categories: [{id: thoi-su}]
default_category: thoi-su
`, bURL, filepath.Join(t.TempDir(), "b"), secret, outlet))
	sub := NewSubscriber(cfg, client, slog.New(slog.DiscardHandler), func(string) {})
	runSubscriber(t, sub, bSrv)
	<-asked
	before := verifiedSub(t, sub, "cohub")
	time.Sleep(200 * time.Millisecond)
	fetched := gets("/khong-hub.rss")
	if fetched != 1 {
		t.Fatalf("the feed with no hub fetched %d times for its hub, want 1", fetched)
	}
	for i := range 20 {
		query := fmt.Sprintf("?hub.mode=subscribe&hub.topic=%s&hub.challenge=gia-%d&hub.lease_seconds=1", url.QueryEscape(outlet+"/co-hub.rss"), i)
		resp, err := http.Get(callbackAt(bURL, "cohub") + query)
		if err != nil {
			t.Fatal(err)
		}
		if body := readAll(t, resp); resp.StatusCode != http.StatusOK || body != fmt.Sprintf("gia-%d", i) {
			t.Fatalf("a verification again: %d %q", resp.StatusCode, body)
		}
		if resp, err = http.Get(bURL + CallbackPath + "cohub" + query); err != nil {
			t.Fatal(err)
		}
		if body := readAll(t, resp); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("a verification without the callback's key: %d %q", resp.StatusCode, body)
		}
	}
	time.Sleep(1500 * time.Millisecond)
	if n := gets("/khong-hub.rss"); n != fetched {
		t.Errorf("20 forged verifications fetched the feed with no hub %d more times", n-fetched)
	}
	select {
	case r := <-asked:
		t.Errorf("the hub was asked again for %s", r.topic)
	default:
	}
	after := verifiedSub(t, sub, "cohub")
	if !after.renewAt.Equal(before.renewAt) || !after.leaseEnds.Equal(before.leaseEnds) {
		t.Errorf("the lease moved: renewal %s → %s", before.renewAt, after.renewAt)
	}
}

// TestGrantedLeaseBounded: a hub that grants a lease of a second is not
// asked again every second, and one that grants a century (past what a
// renewal time four fifths in can hold) is not asked again at once.
func TestGrantedLeaseBounded(t *testing.T) {
	for _, lease := range []int{1, 3_000_000_000} {
		t.Run(fmt.Sprint(lease), func(t *testing.T) {
			client := &http.Client{Timeout: 5 * time.Second}
			asked := make(chan hubRequest, 100)
			hubURL := verifyingHub(t, client, lease, asked, nil)
			outlet, _ := hubbedOutlet(t, hubURL)
			bSrv, bURL := loopback(t)
			cfg := oneSource(t, bURL, secret, outlet+"/co-hub.rss")
			sub := NewSubscriber(cfg, client, slog.New(slog.DiscardHandler), func(string) {})
			runSubscriber(t, sub, bSrv)
			<-asked
			s := verifiedSub(t, sub, "cohub")
			if wait := time.Until(s.renewAt); wait < 50*time.Second || wait > 366*24*time.Hour {
				t.Errorf("granted %d s: renewed in %s", lease, wait)
			}
			select {
			case <-asked:
				t.Errorf("granted %d s: the hub was asked again within 2 s", lease)
			case <-time.After(2 * time.Second):
			}
		})
	}
}

// TestReloadedSecretRenewsAtOnce: a reload that gives websub another
// secret (or callback) subscribes again at once, so that the hub signs
// with the new one; until it verifies, a push signed with the secret it
// holds is still taken. A push for a source followed, before this process
// has subscribed, is taken too, not told the subscription is gone.
func TestReloadedSecretRenewsAtOnce(t *testing.T) {
	client := &http.Client{Timeout: 5 * time.Second}
	asked := make(chan hubRequest, 100)
	hold := make(chan struct{}) // the hub verifies the second request only when closed
	var n atomic.Int64
	hubSrv, hubURL := loopback(t)
	hubSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		cb, topic := r.Form.Get("hub.callback"), r.Form.Get("hub.topic")
		asked <- hubRequest{time.Now(), topic, r.Form.Get("hub.mode")}
		w.WriteHeader(http.StatusAccepted)
		second := n.Add(1) > 1
		go func() {
			if second {
				<-hold
			}
			if resp, err := client.Get(cb + "?hub.mode=subscribe&hub.challenge=x&hub.lease_seconds=3600&hub.topic=" + url.QueryEscape(topic)); err == nil {
				resp.Body.Close()
			}
		}()
	})
	hubSrv.Start()
	outlet, _ := hubbedOutlet(t, hubURL)
	bSrv, bURL := loopback(t)
	mux := http.NewServeMux()
	var current atomic.Pointer[Subscriber]
	mux.HandleFunc(CallbackPath, func(w http.ResponseWriter, r *http.Request) { current.Load().ServeHTTP(w, r) })
	bSrv.Config.Handler = mux
	bSrv.Start()
	pushed := make(chan string, 10)
	var state Subscriptions
	run := func(key string) (stop func()) {
		cfg := oneSource(t, bURL, key, outlet+"/co-hub.rss")
		sub := NewSubscriber(cfg, client, slog.New(slog.DiscardHandler), func(s string) { pushed <- s })
		sub.KeepIn(&state)
		current.Store(sub)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = sub.Run(ctx); close(done) }()
		return func() { cancel(); <-done }
	}
	push := func(key string) bool {
		t.Helper()
		body := `<rss version="2.0"><channel><title>Tin Hà Giang</title></channel></rss>`
		req, _ := http.NewRequest("POST", bURL+CallbackPath+"cohub", strings.NewReader(body))
		req.Header.Set("X-Hub-Signature", "sha256="+sign(key, []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("push signed with %q: status %d", key, resp.StatusCode)
		}
		select {
		case <-pushed:
			return true
		case <-time.After(300 * time.Millisecond):
			return false
		}
	}

	// Before the first subscription is even asked for.
	state.subs = map[string]*sourceSub{}
	cfgOnly := parse(t, fmt.Sprintf(`
base_url: %s
data_dir: %s
websub: {subscribe: true, secret: %s}
sources: [{id: cohub, url: "%s/co-hub.rss"}]
categories: [{id: thoi-su}]
default_category: thoi-su
`, bURL, filepath.Join(t.TempDir(), "b"), secret, outlet))
	fresh := NewSubscriber(cfgOnly, client, slog.New(slog.DiscardHandler), func(s string) { pushed <- s })
	fresh.KeepIn(&state)
	current.Store(fresh)
	if !push(secret) {
		t.Error("a push for a source followed, before this process subscribed, was not taken")
	}

	stop := run(secret)
	<-asked
	verifiedSub(t, current.Load(), "cohub")
	stop()
	const newKey = "khoa-moi-cua-toa-soan-2027"
	stop = run(newKey)
	defer stop()
	select {
	case <-asked:
	case <-time.After(3 * time.Second):
		t.Fatal("a new secret was not given to the hub within 3 s of the reload")
	}
	if !push(secret) {
		t.Error("a push signed with the secret the hub holds, before it verified the new one, was not taken")
	}
	close(hold)
	verifiedSub(t, current.Load(), "cohub")
	if !push(newKey) {
		t.Error("a push signed with the new secret was not taken")
	}
	if push(secret) {
		t.Error("a push signed with the old secret taken after the hub verified the new one")
	}
}

// TestSubscriptionGuarded: the subscriber's requests go through the
// poller's guards: a hub at the daemon's own address is never asked (its
// admin endpoints trust loopback), and a hub that redirects a subscription
// does not get its form sent on elsewhere.
func TestSubscriptionGuarded(t *testing.T) {
	var reached atomic.Int64
	self, selfURL := loopback(t)
	self.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) })
	self.Start()
	other, otherURL := loopback(t)
	other.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) })
	other.Start()
	redirecting, redirectURL := loopback(t)
	redirecting.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherURL+"/hub", http.StatusTemporaryRedirect)
	})
	redirecting.Start()

	cfg := parse(t, fmt.Sprintf(`
base_url: %s
data_dir: %s
websub: {subscribe: true, secret: %s}
sources: [{id: cohub, url: "http://127.0.0.1:9/rss"}]
categories: [{id: thoi-su}]
default_category: thoi-su
`, selfURL, filepath.Join(t.TempDir(), "b"), secret))
	fc := fetch.New(fetch.Options{Timeout: 5 * time.Second})
	if err := fc.RefuseSelf(strings.TrimPrefix(selfURL, "http://")); err != nil {
		t.Fatal(err)
	}
	sub := NewSubscriber(cfg, fc.HTTPClient(), slog.New(slog.DiscardHandler), func(string) {})
	ctx := context.Background()
	if err := sub.Subscribe(ctx, "cohub", selfURL+"/api/stories/1/explain", "http://127.0.0.1:9/rss"); err == nil || !strings.Contains(err.Error(), "own address") {
		t.Errorf("a hub at the daemon's own address: %v", err)
	}
	if err := sub.Subscribe(ctx, "cohub", redirectURL+"/hub", "http://127.0.0.1:9/rss"); err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Errorf("a hub that redirects: %v", err)
	}
	if st := sub.Status()["cohub"]; st.State != "pending" || !strings.Contains(st.Error, "redirect") {
		t.Errorf("a subscription whose request failed shows as %+v; want pending, with why", st)
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("%d requests reached the daemon or where the hub redirected", n)
	}
}

// TestUnsubscribedCallback: with subscribe off, a hub that still pushes is
// told the subscription is gone, and one verifying an unsubscription is
// answered.
func TestUnsubscribedCallback(t *testing.T) {
	state := &Subscriptions{subs: map[string]*sourceSub{"cohub": {verified: true}}}
	srv := httptest.NewServer(Unsubscribed(state, slog.New(slog.DiscardHandler)))
	defer srv.Close()
	resp, err := http.Post(srv.URL+CallbackPath+"cohub", "application/rss+xml", strings.NewReader("<rss/>"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Errorf("a push with subscribe off: %s, want 410", resp.Status)
	}
	resp, err = http.Get(srv.URL + CallbackPath + "cohub?hub.mode=unsubscribe&hub.topic=x&hub.challenge=tam-biet")
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != http.StatusOK || body != "tam-biet" {
		t.Errorf("an unsubscription verified: %d %q", resp.StatusCode, body)
	}
	if len(state.Status()) != 0 {
		t.Errorf("subscriptions still held: %v", state.Status())
	}
}

// TestIgnoredPushesLoggedOnceAMinute: anyone can post to a callback; a
// flood of badly signed pushes gives one log line a minute, which counts
// the rest, and the status counts every one.
func TestIgnoredPushesLoggedOnceAMinute(t *testing.T) {
	cfg := parse(t, fmt.Sprintf(`
base_url: http://127.0.0.1:1
websub: {subscribe: true, secret: %s}
sources: [{id: vov, url: "https://vov.example.vn/rss"}]
categories: [{id: thoi-su}]
default_category: thoi-su
`, secret))
	var logs strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return logs.Write(p) }), nil))
	sub := NewSubscriber(cfg, http.DefaultClient, log, func(string) {})
	sub.subs["vov"] = &sourceSub{hub: "https://hub.example.vn/", topic: "https://vov.example.vn/rss", verified: true}
	srv := httptest.NewServer(sub)
	defer srv.Close()
	for range 200 {
		resp, err := http.Post(srv.URL+CallbackPath+"vov", "application/rss+xml", strings.NewReader("<rss/>"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	mu.Lock()
	lines := strings.Count(logs.String(), "push ignored")
	mu.Unlock()
	if lines != 1 {
		t.Errorf("200 badly signed pushes gave %d log lines, want 1", lines)
	}
	if st := sub.Status()["vov"]; st.Ignored != 200 {
		t.Errorf("status counts %d ignored pushes, want 200", st.Ignored)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestPushBodyErrors: a push over the size limit is told so (413), and one
// whose body breaks off is told that (400), not that it was too large.
func TestPushBodyErrors(t *testing.T) {
	cfg := parse(t, fmt.Sprintf(`
base_url: http://127.0.0.1:1
websub: {subscribe: true, secret: %s}
sources: [{id: vov, url: "https://vov.example.vn/rss"}]
categories: [{id: thoi-su}]
default_category: thoi-su
`, secret))
	sub := NewSubscriber(cfg, http.DefaultClient, slog.New(slog.DiscardHandler), func(string) {})
	sub.subs["vov"] = &sourceSub{verified: true}
	srv := httptest.NewServer(sub)
	defer srv.Close()
	// Signed, if not with the secret: a push without a signature to
	// check is ignored before its body is read (TestPushNotHeld).
	signature := "sha256=" + strings.Repeat("0", 64)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+CallbackPath+"vov", strings.NewReader(strings.Repeat("x", maxBody+1)))
	req.Header.Set("X-Hub-Signature", signature)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "too large") {
		t.Errorf("an oversized push: %d %q", resp.StatusCode, body)
	}

	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %svov HTTP/1.1\r\nHost: x\r\nContent-Type: application/rss+xml\r\nX-Hub-Signature: %s\r\nContent-Length: 100\r\n\r\n<rss", CallbackPath, signature)
	_ = conn.(*net.TCPConn).CloseWrite()
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != http.StatusBadRequest || strings.Contains(body, "too large") {
		t.Errorf("a push whose body broke off: %d %q", resp.StatusCode, body)
	}
}

// TestPushNotHeld: anyone can post to a callback, and many at once. A
// push without a signature newswire can check (none, an unknown method, a
// digest of the wrong length) is answered 202 before its body is read, so
// that a body that never ends holds nothing; a signed push of megabytes is
// checked as it is read, not held in memory, and taken when its signature
// matches.
func TestPushNotHeld(t *testing.T) {
	cfg := parse(t, fmt.Sprintf(`
base_url: http://127.0.0.1:1
websub: {subscribe: true, secret: %s}
sources: [{id: vov, url: "https://vov.example.vn/rss"}]
categories: [{id: thoi-su}]
default_category: thoi-su
`, secret))
	var pushes atomic.Int64
	sub := NewSubscriber(cfg, http.DefaultClient, slog.New(slog.DiscardHandler), func(string) { pushes.Add(1) })
	sub.subs["vov"] = &sourceSub{hub: "https://hub.example.vn/", topic: "https://vov.example.vn/rss", verified: true, secret: secret}
	srv := httptest.NewServer(sub)
	defer srv.Close()

	for _, signature := range []string{"", "md5=0123abcd", "sha256=abcd", "sha1"} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		header := ""
		if signature != "" {
			header = "X-Hub-Signature: " + signature + "\r\n"
		}
		fmt.Fprintf(conn, "POST %svov HTTP/1.1\r\nHost: x\r\nContent-Type: application/rss+xml\r\n%sContent-Length: 1000000000\r\n\r\n<rss version=\"2.0\">", CallbackPath, header)
		_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		switch {
		case err != nil:
			t.Errorf("a push signed %q whose body does not end: %v", signature, err)
		case resp.StatusCode != http.StatusAccepted:
			t.Errorf("a push signed %q: %s", signature, resp.Status)
		}
		conn.Close()
	}

	body := []byte(strings.Repeat("<item><title>Tin mới ở Hà Giang</title></item>", 200_000)) // 9 MB
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write(body)
	for _, signature := range []string{"sha1=" + hex.EncodeToString(mac.Sum(nil)), "sha1=" + strings.Repeat("ab", 20)} {
		req := httptest.NewRequest(http.MethodPost, CallbackPath+"vov", bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature", signature)
		rec := httptest.NewRecorder()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		sub.ServeHTTP(rec, req)
		runtime.ReadMemStats(&after)
		if rec.Code != http.StatusAccepted {
			t.Errorf("a signed push of 9 MB: %d", rec.Code)
		}
		if held := after.TotalAlloc - before.TotalAlloc; held > 1<<20 {
			t.Errorf("a signed push of 9 MB allocated %d bytes", held)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for pushes.Load() != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := sub.Status()["vov"]; pushes.Load() != 1 || st.Pushes != 1 || st.Ignored != 5 {
		t.Errorf("%d pushes taken, status %+v; want the one well signed taken and 5 ignored", pushes.Load(), st)
	}
}

// TestForgedDenialAndLease: a denial must name the topic; and a
// verification anyone could have sent while a subscription was pending
// (after a denial, or during a renewal) does not put its renewal past four
// fifths of the lease newswire asked for, whatever lease it claims.
func TestForgedDenialAndLease(t *testing.T) {
	cfg := parse(t, fmt.Sprintf(`
base_url: http://127.0.0.1:1
websub: {subscribe: true, secret: %s, lease: 1h}
sources: [{id: vov, url: "https://vov.example.vn/rss"}]
categories: [{id: thoi-su}]
default_category: thoi-su
`, secret))
	sub := NewSubscriber(cfg, http.DefaultClient, slog.New(slog.DiscardHandler), func(string) {})
	topic := "https://vov.example.vn/rss"
	sub.subs["vov"] = &sourceSub{hub: "https://hub.example.vn/", topic: topic, lease: time.Hour, verified: true,
		leaseEnds: time.Now().Add(time.Hour), renewAt: time.Now().Add(48 * time.Minute)}
	srv := httptest.NewServer(sub)
	defer srv.Close()
	get := func(q string) int {
		t.Helper()
		resp, err := http.Get(srv.URL + CallbackPath + "vov?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("hub.mode=denied&hub.reason=gia"); code != http.StatusNotFound || sub.Status()["vov"].State != "verified" {
		t.Errorf("a denial naming no topic: %d, state %s", code, sub.Status()["vov"].State)
	}
	if code := get("hub.mode=denied&hub.reason=gia&hub.topic=" + url.QueryEscape(topic)); code != http.StatusOK || sub.Status()["vov"].State != "denied" {
		t.Errorf("a denial naming the topic: %d, state %s", code, sub.Status()["vov"].State)
	}
	if code := get("hub.mode=subscribe&hub.challenge=x&hub.lease_seconds=99999999999&hub.topic=" + url.QueryEscape(topic)); code != http.StatusOK {
		t.Fatalf("verification: %d", code)
	}
	sub.mu.Lock()
	renew := time.Until(sub.subs["vov"].renewAt)
	sub.mu.Unlock()
	if renew > 48*time.Minute+time.Second {
		t.Errorf("a verification claiming a century renews in %s, want within four fifths of the hour asked", renew)
	}
}

// TestSecretChangedTwiceBeforeVerified: the hub signs with the secret it
// last verified until it verifies a new one, however many reloads changed
// the secret meanwhile.
func TestSecretChangedTwiceBeforeVerified(t *testing.T) {
	mk := func(key string) *Subscriber {
		cfg := parse(t, fmt.Sprintf(`
base_url: http://127.0.0.1:1
websub: {subscribe: true, secret: %s}
sources: [{id: vov, url: "https://vov.example.vn/rss"}]
categories: [{id: thoi-su}]
default_category: thoi-su
`, key))
		return NewSubscriber(cfg, &http.Client{Timeout: time.Second}, slog.New(slog.DiscardHandler), func(string) {})
	}
	var state Subscriptions
	first := mk(secret)
	first.KeepIn(&state)
	state.subs["vov"] = &sourceSub{url: "https://vov.example.vn/rss", hub: "http://127.0.0.1:9/", topic: "https://vov.example.vn/rss", secret: secret, verified: true}
	ctx := context.Background()
	second := mk("khoa-thu-hai-cua-toa-soan")
	second.KeepIn(&state)
	_ = second.Subscribe(ctx, "vov", "http://127.0.0.1:9/", "https://vov.example.vn/rss") // the hub is down: still pending
	third := mk("khoa-thu-ba-cua-toa-soan-2027")
	third.KeepIn(&state)
	_ = third.Subscribe(ctx, "vov", "http://127.0.0.1:9/", "https://vov.example.vn/rss")
	srv := httptest.NewServer(third)
	defer srv.Close()
	body := `<rss version="2.0"><channel><title>VOV</title></channel></rss>`
	req, _ := http.NewRequest("POST", srv.URL+CallbackPath+"vov", strings.NewReader(body))
	req.Header.Set("X-Hub-Signature", "sha256="+sign(secret, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st := third.Status()["vov"]; st.Pushes != 1 {
		t.Errorf("a push signed with the secret the hub verified, after two changes it has not verified: %+v", st)
	}
}

// TestTopicWithoutCredentials: a feed that does not name itself is known to
// its hub by its public URL; its password and key go to its own host alone.
func TestTopicWithoutCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `<http://hub.example.vn/>; rel="hub"`)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Tin</title></channel></rss>`)
	}))
	defer srv.Close()
	feedURL := strings.Replace(srv.URL, "://", "://bientap:MatKhau99@", 1) + "/rss?api_key=KHOABIMAT&kenh=1"
	_, topic, err := discover(context.Background(), http.DefaultClient, feedURL)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(topic, "MatKhau99") || strings.Contains(topic, "KHOABIMAT") || !strings.Contains(topic, "kenh=1") {
		t.Errorf("topic %s", topic)
	}
}

// TestDiscoverLinkHeaders: a feed's Link headers are read as RFC 8288
// writes them: a target relative to the feed's URL (after its redirect),
// or without a scheme; a rel of several types, in any case, quoted or not;
// a comma inside a target or a quoted parameter. The first hub is taken.
func TestDiscoverLinkHeaders(t *testing.T) {
	srv, base := loopback(t)
	host := strings.TrimPrefix(base, "http://")
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/rss" {
			http.Redirect(w, r, "/tin/"+r.URL.RawQuery+"/rss.xml", http.StatusMovedPermanently)
			return
		}
		switch r.URL.Path {
		case "/tin/tuong-doi/rss.xml":
			w.Header().Add("Link", `<../../websub/>; rel="hub", <rss.xml>; rel="self"`)
		case "/tin/khong-giao-thuc/rss.xml":
			w.Header().Add("Link", `<//`+host+`/websub/>; REL=Hub; title="hub, một"`)
			w.Header().Add("Link", `</tin/khong-giao-thuc/rss.xml>; rel="alternate self"`)
		case "/tin/dau-phay/rss.xml":
			w.Header().Add("Link", `<`+base+`/websub/?a=1,2>; title="một, hai"; rel="hub", <https://hub2.example.vn/>; rel="hub"`)
			w.Header().Add("Link", `<`+base+`/tin/dau-phay/rss.xml?x=1,2>; rel="self"`)
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Tin Điện Biên</title><link>https://dienbien.example.vn/</link><description>tin</description></channel></rss>`)
	})
	srv.Start()
	for _, tt := range []struct{ name, hub, topic string }{
		{"tuong-doi", base + "/websub/", base + "/tin/tuong-doi/rss.xml"},
		{"khong-giao-thuc", base + "/websub/", base + "/tin/khong-giao-thuc/rss.xml"},
		{"dau-phay", base + "/websub/?a=1,2", base + "/tin/dau-phay/rss.xml?x=1,2"},
	} {
		hub, topic, err := discover(context.Background(), http.DefaultClient, base+"/rss?"+tt.name)
		if err != nil || hub != tt.hub || topic != tt.topic {
			t.Errorf("%s: hub %q, topic %q, %v; want %q and %q", tt.name, hub, topic, err, tt.hub, tt.topic)
		}
	}
}

// TestVerificationWithoutChallenge: a hub's verification of intent must
// carry a challenge (WebSub 5.3); one without, or with an empty one, is
// answered 404 and leaves the subscription pending, not shown as verified.
func TestVerificationWithoutChallenge(t *testing.T) {
	cfg := parse(t, fmt.Sprintf(`
base_url: http://127.0.0.1:1
websub: {subscribe: true, secret: %s, lease: 1h}
sources: [{id: vov, url: "https://vov.example.vn/rss"}]
categories: [{id: thoi-su}]
default_category: thoi-su
`, secret))
	sub := NewSubscriber(cfg, http.DefaultClient, slog.New(slog.DiscardHandler), func(string) {})
	topic := "https://vov.example.vn/rss"
	sub.subs["vov"] = &sourceSub{hub: "https://hub.example.vn/", topic: topic, asked: time.Now(), lease: time.Hour, secret: secret}
	srv := httptest.NewServer(sub)
	defer srv.Close()
	for _, challenge := range []string{"", "&hub.challenge="} {
		resp, err := http.Get(srv.URL + CallbackPath + "vov?hub.mode=subscribe&hub.lease_seconds=3600&hub.topic=" + url.QueryEscape(topic) + challenge)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || sub.Status()["vov"].State != "pending" {
			t.Errorf("a verification with %q: %s, subscription %s", challenge, resp.Status, sub.Status()["vov"].State)
		}
	}
	resp, err := http.Get(srv.URL + CallbackPath + "vov?hub.mode=subscribe&hub.lease_seconds=3600&hub.challenge=thu-thach&hub.topic=" + url.QueryEscape(topic))
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); body != "thu-thach" || sub.Status()["vov"].State != "verified" {
		t.Errorf("a verification with its challenge: %q, subscription %s", body, sub.Status()["vov"].State)
	}
}

// TestDenialOnlyOfARequestMade: a denial is taken only while a request of
// ours stands at the hub. One for a request the hub never got (it could not
// be reached) is answered and changes nothing, nor does one for a
// subscription already denied: denials sent one after another do not put
// off the next request or rewrite the reason shown.
func TestDenialOnlyOfARequestMade(t *testing.T) {
	cfg := parse(t, fmt.Sprintf(`
base_url: http://127.0.0.1:1
websub: {subscribe: true, secret: %s, lease: 1h}
sources: [{id: vov, url: "https://vov.example.vn/rss"}]
categories: [{id: thoi-su}]
default_category: thoi-su
`, secret))
	sub := NewSubscriber(cfg, &http.Client{Timeout: 5 * time.Second}, slog.New(slog.DiscardHandler), func(string) {})
	srv := httptest.NewServer(sub)
	defer srv.Close()
	topic := "https://vov.example.vn/rss"
	deny := func(reason string) {
		t.Helper()
		resp, err := http.Get(callbackAt(srv.URL, "vov") + "?hub.mode=denied&hub.topic=" + url.QueryEscape(topic) + "&hub.reason=" + url.QueryEscape(reason))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("denial: %s", resp.Status)
		}
	}

	closed, closedURL := loopback(t) // never started: nothing listens
	closed.Close()
	if err := sub.Subscribe(t.Context(), "vov", closedURL+"/", topic); err == nil {
		t.Fatal("a request to a hub nobody serves did not fail")
	}
	deny("gia")
	if st := sub.Status()["vov"]; st.State != "pending" || st.Reason != "" {
		t.Errorf("a denial of a request the hub never got: %+v", st)
	}

	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	defer hub.Close()
	if err := sub.Subscribe(t.Context(), "vov", hub.URL+"/", topic); err != nil {
		t.Fatal(err)
	}
	deny("chủ đề \u202eđã\u2069 chuyển\u009b2J")
	sub.mu.Lock()
	asked := sub.subs["vov"].asked
	sub.mu.Unlock()
	deny("lần hai")
	if st := sub.Status()["vov"]; st.State != "denied" || st.Reason != "chủ đề đã chuyển 2J" {
		t.Errorf("denied twice: %+v", st)
	}
	sub.mu.Lock()
	again := sub.subs["vov"].asked
	sub.mu.Unlock()
	if !again.Equal(asked) {
		t.Errorf("a second denial put the next request off by %s", again.Sub(asked))
	}
}

// TestDiscoverANewswireReadWithAQuery: a newswire of an earlier version
// names the page it was read as (rel="self" with its limit or since) and
// advertises its hub in the body; it pings its hub with its plain feed,
// the topic subscribed to. Another feed's query is its own.
func TestDiscoverANewswireReadWithAQuery(t *testing.T) {
	srv, base := loopback(t)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/feeds/") {
			w.Header().Set("X-Newswire-Cursor", "AAAAAAAAAAk")
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, `<feed xmlns="http://www.w3.org/2005/Atom"><title>Tin huyện Đồng Văn</title><id>urn:dongvan</id><updated>2026-11-29T06:00:00Z</updated>
<link rel="hub" href="https://hub.example.vn/"/><link rel="self" href="%s%s"/></feed>`, base, r.URL.RequestURI())
	})
	srv.Start()
	for _, tt := range []struct{ path, topic string }{
		{"/feeds/all.atom?limit=50", "/feeds/all.atom"},
		{"/feeds/all.atom?since=AAAAAAAAAAE&limit=20", "/feeds/all.atom"},
		{"/feeds/thoi-su.atom", "/feeds/thoi-su.atom"},
		{"/tin.atom?chuyen-muc=van-hoa&limit=50", "/tin.atom?chuyen-muc=van-hoa&limit=50"},
	} {
		hub, topic, err := discover(context.Background(), http.DefaultClient, base+tt.path)
		if err != nil || hub != "https://hub.example.vn/" || topic != base+tt.topic {
			t.Errorf("%s: hub %q, topic %q, %v; want the topic %s", tt.path, hub, topic, err, base+tt.topic)
		}
	}
}

// TestAdvertisedWithoutAMove: a feed whose documents name themselves
// elsewhere than the topic its Link headers give has not moved: what a
// poll reads there has its feed looked at again once, and the
// subscription stands, not asked for again; the same again costs nothing.
func TestAdvertisedWithoutAMove(t *testing.T) {
	client := &http.Client{Timeout: 5 * time.Second}
	asked := make(chan hubRequest, 10)
	verified := make(chan time.Time, 10)
	hubURL := verifyingHub(t, client, 3600, asked, verified)
	var gets atomic.Int32
	feedSrv, feedURL := loopback(t)
	feedSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		w.Header().Add("Link", "<"+hubURL+`/>; rel="hub"`)
		w.Header().Add("Link", "<"+feedURL+`/chu-de/tin.rss>; rel="self"`)
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Tin Cao Bằng</title></channel></rss>`)
	})
	feedSrv.Start()
	bSrv, bURL := loopback(t)
	b := parse(t, fmt.Sprintf(`
base_url: %s
data_dir: %s
websub: {subscribe: true, secret: %s, lease: 1h}
sources: [{id: caobang, url: "%s/tin.rss"}]
categories: [{id: thoi-su}]
default_category: thoi-su
`, bURL, filepath.Join(t.TempDir(), "b"), secret, feedURL))
	sub := NewSubscriber(b, client, slog.New(slog.DiscardHandler), func(string) {})
	runSubscriber(t, sub, bSrv)
	<-asked
	select {
	case <-verified:
	case <-time.After(5 * time.Second):
		t.Fatal("never verified")
	}
	before := gets.Load()
	for range 3 {
		sub.Advertised("caobang", "http://cdn.caobang.example.vn/tin.rss", nil)
		time.Sleep(300 * time.Millisecond)
	}
	// The look may wait for the source's last handling to be a second
	// old (minWait): it is waited for, and then as long again for a
	// second look that must not come.
	for deadline := time.Now().Add(5 * time.Second); gets.Load() == before && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(minWait + 500*time.Millisecond)
	if n := gets.Load() - before; n != 1 {
		t.Errorf("the feed was looked at %d times, want once", n)
	}
	select {
	case req := <-asked:
		t.Errorf("subscribed again to %s", req.topic)
	case <-time.After(500 * time.Millisecond):
	}
	if st := sub.Status()["caobang"]; st.State != "verified" {
		t.Errorf("subscription %+v", st)
	}
}

// TestSlowHubHoldsUpNoOtherSource: three sources whose hub takes each
// subscription request until the client gives up on it are listed before
// a source of another hub: that one is subscribed and verified at once, not
// after the three requests' timeouts one after another.
func TestSlowHubHoldsUpNoOtherSource(t *testing.T) {
	client := &http.Client{Timeout: 4 * time.Second}
	stuck := make(chan struct{})
	slowSrv, slowURL := loopback(t)
	slowSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // never answers while the test runs
		case <-stuck:
		case <-r.Context().Done():
		}
	})
	slowSrv.Start()
	t.Cleanup(func() { close(stuck) }) // before the servers close
	asked := make(chan hubRequest, 10)
	verified := make(chan time.Time, 10)
	goodURL := verifyingHub(t, client, 3600, asked, verified)
	feedSrv, feedURL := loopback(t)
	feedSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hub := slowURL
		if strings.HasPrefix(r.URL.Path, "/nhanh") {
			hub = goodURL
		}
		w.Header().Set("Link", "<"+hub+`/>; rel="hub"`)
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Tin vùng cao</title></channel></rss>`)
	})
	feedSrv.Start()
	bSrv, bURL := loopback(t)
	b := parse(t, fmt.Sprintf(`
base_url: %s
data_dir: %s
websub: {subscribe: true, secret: %s, lease: 1h}
sources:
  - {id: cham-1, url: "%[4]s/cham/1.rss"}
  - {id: cham-2, url: "%[4]s/cham/2.rss"}
  - {id: cham-3, url: "%[4]s/cham/3.rss"}
  - {id: nhanh, url: "%[4]s/nhanh.rss"}
categories: [{id: thoi-su}]
default_category: thoi-su
`, bURL, filepath.Join(t.TempDir(), "b"), secret, feedURL))
	began := time.Now()
	runSubscriber(t, NewSubscriber(b, client, slog.New(slog.DiscardHandler), func(string) {}), bSrv)
	select {
	case <-verified:
		t.Logf("the source of the other hub verified after %s", time.Since(began).Round(time.Millisecond))
	case <-time.After(3 * time.Second):
		t.Fatal("the source of the other hub waited for the slow hub's sources")
	}
}

// TestFailedSubscriptionWaits: a hub that answers a subscription request
// 503 with Retry-After is asked again when that time has passed, not at
// the pending retry (a fifth of the lease); without one, failures in a row
// wait twice as long each time, up to six hours.
func TestFailedSubscriptionWaits(t *testing.T) {
	client := &http.Client{Timeout: 5 * time.Second}
	var (
		mu    sync.Mutex
		times []time.Time
	)
	hubSrv, hubURL := loopback(t)
	hubSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		times = append(times, time.Now())
		first := len(times) == 1
		mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "2")
			http.Error(w, "quá tải", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	hubSrv.Start()
	feedSrv, feedURL := loopback(t)
	feedSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "<"+hubURL+`/>; rel="hub"`)
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Tin Hà Giang</title></channel></rss>`)
	})
	feedSrv.Start()
	bSrv, bURL := loopback(t)
	b := parse(t, fmt.Sprintf(`
base_url: %s
data_dir: %s
websub: {subscribe: true, secret: %s, lease: 1m}
sources: [{id: hagiang, url: "%s/tin.rss"}]
categories: [{id: thoi-su}]
default_category: thoi-su
`, bURL, filepath.Join(t.TempDir(), "b"), secret, feedURL))
	runSubscriber(t, NewSubscriber(b, client, slog.New(slog.DiscardHandler), func(string) {}), bSrv)
	deadline := time.Now().Add(8 * time.Second) // the pending retry of a 1m lease is 12 s
	for {
		mu.Lock()
		n := len(times)
		var gap time.Duration
		if n >= 2 {
			gap = times[1].Sub(times[0])
		}
		mu.Unlock()
		if n >= 2 {
			if gap < 2*time.Second {
				t.Errorf("asked again %s after a 503 with Retry-After: 2", gap.Round(time.Millisecond))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not asked again within 8 s of a 503 with Retry-After: 2")
		}
		time.Sleep(50 * time.Millisecond)
	}

	base := 12 * time.Second
	for _, tt := range []struct {
		n          int
		retryAfter time.Duration
		want       time.Duration
	}{
		{1, 0, base}, {2, 0, 2 * base}, {3, 0, 4 * base}, {12, 0, maxFailedWait}, {40, 0, maxFailedWait},
		{3, 90 * time.Second, 90 * time.Second}, {1, 72 * time.Hour, 24 * time.Hour},
	} {
		if got := failedWait(base, tt.n, tt.retryAfter); got != tt.want {
			t.Errorf("failure %d, Retry-After %s: waits %s, want %s", tt.n, tt.retryAfter, got, tt.want)
		}
	}
}

// TestMovedFeedsOldTopicSentAgain: when a poll reads that a feed moved, its
// old topic's unsubscription, failed by the hub with a 503, is sent again
// once the hub's Retry-After has passed.
func TestMovedFeedsOldTopicSentAgain(t *testing.T) {
	hubURL, asked := unsubscribingHub(t, "") // the subscription stays pending: the hub may hold it
	var self atomic.Value
	feedSrv, feedURL := loopback(t)
	feedSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", "<"+hubURL+`/>; rel="hub"`)
		w.Header().Add("Link", "<"+feedURL+self.Load().(string)+`>; rel="self"`)
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Tin Cao Bằng</title></channel></rss>`)
	})
	self.Store("/tin.rss")
	feedSrv.Start()
	bSrv, bURL := loopback(t)
	sub := NewSubscriber(oneSource(t, bURL, secret, feedURL+"/tin.rss"), &http.Client{Timeout: 5 * time.Second}, slog.New(slog.DiscardHandler), func(string) {})
	runSubscriber(t, sub, bSrv)
	oldTopic, newTopic := feedURL+"/tin.rss", feedURL+"/tin-moi.rss"
	select {
	case req := <-asked:
		if req.mode != "subscribe" || req.topic != oldTopic {
			t.Fatalf("the hub was asked to %s %s first", req.mode, req.topic)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("never subscribed")
	}

	self.Store("/tin-moi.rss")
	sub.Advertised("cohub", newTopic, []string{hubURL + "/"})
	var subscribed bool
	var unsubscribed []time.Time
	for deadline := time.After(4 * time.Second); ; {
		select {
		case req := <-asked:
			switch {
			case req.mode == "subscribe" && req.topic == newTopic:
				subscribed = true
			case req.mode == "unsubscribe" && req.topic == oldTopic:
				unsubscribed = append(unsubscribed, req.at)
			default:
				t.Errorf("the hub was asked to %s %s", req.mode, req.topic)
			}
			continue
		case <-deadline:
		}
		break
	}
	if !subscribed {
		t.Error("after the move the new topic was not subscribed to")
	}
	sentAgain(t, unsubscribed)
}

// shortLeased runs a subscriber of one source, cohub, at feedURL, which
// renews a lease as short as a hub grants (a second at least), and returns
// it with its callback for cohub.
func shortLeased(t *testing.T, feedURL string) (*Subscriber, string) {
	t.Helper()
	bSrv, bURL := loopback(t)
	sub := NewSubscriber(oneSource(t, bURL, secret, feedURL), &http.Client{Timeout: 5 * time.Second}, slog.New(slog.DiscardHandler), func(string) {})
	sub.leaseFloor = time.Second
	runSubscriber(t, sub, bSrv)
	return sub, callbackAt(bURL, "cohub")
}

// TestRenewalFindsTheFeedMoved: a renewal that reads the feed naming another
// topic, which no poll told the subscriber of, subscribes to the new topic
// and ends the old one at its hub, whose verification of that is answered,
// rather than leaving the hub pushing the old topic until its lease ends.
func TestRenewalFindsTheFeedMoved(t *testing.T) {
	hub := newCallbackHub(t)
	hub.grant("2") // renewed 1.6s after each verification
	var self atomic.Value
	feedSrv, feedURL := loopback(t)
	feedSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", "<"+hub.url+`/>; rel="hub"`)
		w.Header().Add("Link", "<"+feedURL+self.Load().(string)+`>; rel="self"`)
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Tin Bắc Kạn</title></channel></rss>`)
	})
	self.Store("/tin.rss")
	feedSrv.Start()
	_, cb := shortLeased(t, feedURL+"/tin.rss")
	oldTopic, newTopic := feedURL+"/tin.rss", feedURL+"/tin-moi.rss"
	if e := hub.next(t, "asked", "subscribe", cb); e.topic != oldTopic {
		t.Fatalf("subscribed to %s, want %s", e.topic, oldTopic)
	}
	hub.next(t, "verified", "subscribe", cb)

	self.Store("/tin-moi.rss")
	var subscribed, unsubscribed bool
	for deadline := time.After(6 * time.Second); !subscribed || !unsubscribed; {
		select {
		case e := <-hub.events:
			switch {
			case e.what == "refused":
				t.Errorf("the subscriber refused the hub's verification of %s %s", e.mode, e.topic)
			case e.what == "verified" && e.mode == "subscribe" && e.topic == newTopic:
				subscribed = true
			case e.what == "verified" && e.mode == "unsubscribe" && e.topic == oldTopic:
				unsubscribed = true
			}
		case <-deadline:
			t.Fatalf("6s after the feed moved, the new topic verified %v, the old one's unsubscription verified %v", subscribed, unsubscribed)
		}
	}
	if got, want := hub.held(), []string{newTopic + " " + cb}; !slices.Equal(got, want) {
		t.Errorf("the hub holds %q, want %q", got, want)
	}
}

// TestRenewalFindsNoHub: a renewal that reads the feed naming no hub any
// more ends the subscription at its hub, whose verification of that is
// answered, and the status tells no-hub, rather than verified with a lease
// that has run out.
func TestRenewalFindsNoHub(t *testing.T) {
	hub := newCallbackHub(t)
	hub.grant("2") // renewed 1.6s after the verification
	var hubbed atomic.Bool
	hubbed.Store(true)
	feedSrv, feedURL := loopback(t)
	feedSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hubbed.Load() {
			w.Header().Add("Link", "<"+hub.url+`/>; rel="hub"`)
		}
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Tin Điện Biên</title></channel></rss>`)
	})
	feedSrv.Start()
	sub, cb := shortLeased(t, feedURL+"/tin.rss")
	hub.next(t, "asked", "subscribe", cb)
	hub.next(t, "verified", "subscribe", cb)

	hubbed.Store(false)
	hub.next(t, "asked", "unsubscribe", cb)
	hub.next(t, "verified", "unsubscribe", cb)
	if got := hub.held(); len(got) != 0 {
		t.Errorf("the hub still holds %q", got)
	}
	if st := sub.Status()["cohub"]; st.State != "no-hub" || st.NextLook.Before(time.Now().Add(time.Hour)) {
		t.Errorf("status %+v, want no-hub, looked at again hours later", st)
	}
	hub.none(t, 2*time.Second)
}
