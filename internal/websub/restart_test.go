package websub

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"newswire/store"
)

// TestSubscriptionsKeptInTheStore: each subscription is written to the
// store when it is asked for, verified, denied or unsubscribed, and the
// subscriber of the next run takes them from there: a hub's verification
// of a request made before the restart verifies it, a denial stands and is
// not asked again at once, a lease still good is not asked again, and a
// source no longer in the config is unsubscribed at its hub and forgotten
// by the store. With subscribe off, the store forgets them all.
func TestSubscriptionsKeptInTheStore(t *testing.T) {
	asked := make(chan hubRequest, 20)
	hubSrv, hubURL := loopback(t)
	hubSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		asked <- hubRequest{time.Now(), r.Form.Get("hub.topic"), r.Form.Get("hub.mode")}
		w.WriteHeader(http.StatusAccepted) // this test verifies, as the hub would
	})
	hubSrv.Start()
	d := newRestartable(t, hubURL)
	bURL, path := d.bURL, d.path
	topic := func(id string) string { return d.feedURL + "/" + id + ".rss" }
	// start opens the store, as a daemon's start does, and runs the
	// subscriber of a config with sources ids.
	start := func(ids ...string) (*store.Store, *Subscriptions, func()) {
		t.Helper()
		sources := map[string]string{}
		for _, id := range ids {
			sources[id] = "/" + id + ".rss"
		}
		return d.run(secret, sources)
	}
	kept := func(st *store.Store) map[string]store.Subscription {
		t.Helper()
		all, err := st.Subscriptions()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]store.Subscription{}
		for _, k := range all {
			out[k.Source] = k
		}
		return out
	}
	hub := func(id, query string) (int, string) {
		t.Helper()
		resp, err := http.Get(callbackAt(bURL, id) + "?hub.topic=" + url.QueryEscape(topic(id)) + "&" + query)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, readAll(t, resp)
	}

	st, _, stop := start("dienbien", "laichau", "sonla", "yenbai")
	for range 4 {
		select {
		case <-asked:
		case <-time.After(5 * time.Second):
			t.Fatal("not every source subscribed within 5s")
		}
	}
	// Written once the hub has answered the request.
	var k map[string]store.Subscription
	for deadline := time.Now().Add(5 * time.Second); len(k) < 4 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		k = kept(st)
	}
	for _, id := range []string{"dienbien", "laichau", "sonla", "yenbai"} {
		if s := k[id]; s.Topic != topic(id) || s.Hub != hubURL+"/" || s.Secret != secret || s.Verified || s.Asked.IsZero() {
			t.Errorf("%s asked for, kept as %+v", id, s)
		}
	}
	for _, id := range []string{"dienbien", "yenbai"} {
		if code, body := hub(id, "hub.mode=subscribe&hub.challenge=chao&hub.lease_seconds=3600"); code != http.StatusOK || body != "chao" {
			t.Fatalf("verification of %s answered %d %q", id, code, body)
		}
	}
	if code, _ := hub("sonla", "hub.mode=denied&hub.reason="+url.QueryEscape("Chủ đề đã ngừng cập nhật")); code != http.StatusOK {
		t.Fatalf("denial answered %d", code)
	}
	k = kept(st)
	if s := k["dienbien"]; !s.Verified || time.Until(s.LeaseEnds) < 59*time.Minute || s.RenewAt.IsZero() {
		t.Errorf("verified, kept as %+v", s)
	}
	if s := k["sonla"]; s.Verified || s.Denied != "Chủ đề đã ngừng cập nhật" {
		t.Errorf("denied, kept as %+v", s)
	}
	leaseEnds := k["dienbien"].LeaseEnds
	stop()

	// The restart: yenbai was removed from the config meanwhile.
	st, state, stop := start("dienbien", "laichau", "sonla")
	select {
	case req := <-asked:
		if req.mode != "unsubscribe" || req.topic != topic("yenbai") {
			t.Errorf("after the restart the hub was asked to %s %s", req.mode, req.topic)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the source removed was not unsubscribed within 5s of the restart")
	}
	select {
	case req := <-asked:
		t.Errorf("after the restart the hub was asked to %s %s", req.mode, req.topic)
	case <-time.After(1500 * time.Millisecond):
	}
	if _, ok := kept(st)["yenbai"]; ok {
		t.Error("the store still keeps the subscription of the source unsubscribed")
	}
	if code, body := hub("laichau", "hub.mode=subscribe&hub.challenge=muon&hub.lease_seconds=3600"); code != http.StatusOK || body != "muon" {
		t.Errorf("verification of a request made before the restart answered %d %q", code, body)
	}
	status := state.Status()
	if s := status["dienbien"]; s.State != "verified" || !s.LeaseEnds.Equal(leaseEnds) {
		t.Errorf("after the restart dienbien is %+v, want verified until %s", s, leaseEnds)
	}
	if s := status["laichau"]; s.State != "verified" {
		t.Errorf("after the restart and its verification laichau is %+v", s)
	}
	if s := status["sonla"]; s.State != "denied" || s.Reason != "Chủ đề đã ngừng cập nhật" {
		t.Errorf("after the restart sonla is %+v", s)
	}
	if !kept(st)["laichau"].Verified {
		t.Error("a verification after the restart is not kept")
	}
	stop()

	// Restarted with subscribe off, it forgets them.
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var off Subscriptions
	if n, err := off.Load(st); n != 3 || err != nil {
		t.Fatalf("Load = %d, %v; want the 3 subscriptions", n, err)
	}
	Unsubscribed(&off, slog.New(slog.DiscardHandler))
	if k := kept(st); len(k) != 0 {
		t.Errorf("with subscribe off the store still keeps %v", k)
	}
}

// restartable is a daemon's subscriber that starts, stops and starts again
// on one store, its callback served at one address, its sources' feeds
// naming one hub: the tests of what a restart does.
type restartable struct {
	t       *testing.T
	client  *http.Client
	path    string // of the store
	bURL    string
	feedURL string
	current atomic.Pointer[Subscriber]
	halt    func() // stops the current subscriber
	// prefix is the path the config's base_url adds to bURL, empty or
	// addedPrefix.
	prefix string
}

// addedPrefix is a path a base_url may add to a restartable's bURL: its
// callback is served there too, as behind a proxy that strips it, so that
// the callbacks of both base_urls reach the subscriber.
const addedPrefix = "/tin-tuc"

// newRestartable serves the callback and feeds naming hubURL.
func newRestartable(t *testing.T, hubURL string) *restartable {
	r := &restartable{t: t, client: &http.Client{Timeout: 5 * time.Second}, path: filepath.Join(t.TempDir(), "data", "newswire.db")}
	feedSrv, feedURL := loopback(t)
	feedSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Link", "<"+hubURL+`/>; rel="hub"`)
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Tin Hà Giang</title></channel></rss>`)
	})
	feedSrv.Start()
	bSrv, bURL := loopback(t)
	mux := http.NewServeMux()
	callback := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { r.current.Load().ServeHTTP(w, req) })
	mux.Handle(CallbackPath, callback)
	mux.Handle(addedPrefix+CallbackPath, http.StripPrefix(addedPrefix, callback))
	bSrv.Config.Handler = mux
	bSrv.Start()
	r.feedURL, r.bURL = feedURL, bURL
	return r
}

// start opens the store and runs the subscriber of a config with the
// sources of sources (id: path on the feed server), signing with key.
func (r *restartable) start(key string, sources map[string]string) (st *store.Store, stop func()) {
	r.t.Helper()
	st, _, stop = r.run(key, sources)
	return st, stop
}

// run is start, which also returns the subscriptions the subscriber keeps.
func (r *restartable) run(key string, sources map[string]string) (st *store.Store, state *Subscriptions, stop func()) {
	t := r.t
	t.Helper()
	st, err := store.Open(r.path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	state = new(Subscriptions)
	if _, err := state.Load(st); err != nil {
		t.Fatal(err)
	}
	r.serve(state, key, sources)
	return st, state, func() {
		r.halt()
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	}
}

// reload stops the subscriber running on state, and runs the next
// config's on it, as the daemon's reload does.
func (r *restartable) reload(state *Subscriptions, key string, sources map[string]string) {
	r.t.Helper()
	r.halt()
	r.serve(state, key, sources)
}

// serve runs the subscriber of a config with the sources of sources (id:
// path on the feed server) on state, signing with key, until r.halt.
func (r *restartable) serve(state *Subscriptions, key string, sources map[string]string) {
	t := r.t
	t.Helper()
	var list []string
	for id, path := range sources {
		list = append(list, fmt.Sprintf(`{id: %s, url: "%s%s"}`, id, r.feedURL, path))
	}
	cfg := parse(t, fmt.Sprintf(`
base_url: %s
data_dir: %s
websub: {subscribe: true, secret: %s, lease: 1h}
sources: [%s]
categories: [{id: thoi-su}]
default_category: thoi-su
`, r.bURL+r.prefix, filepath.Dir(r.path), key, strings.Join(list, ", ")))
	sub := NewSubscriber(cfg, r.client, slog.New(slog.DiscardHandler), func(string) {})
	sub.KeepIn(state)
	r.current.Store(sub)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = sub.Run(ctx); close(done) }()
	r.halt = func() { cancel(); <-done }
}

// verify waits for the store to keep source's subscription asked for,
// answers as its hub would the verification of its topic with a lease of an
// hour, and waits for the store to keep it verified.
func (r *restartable) verify(st *store.Store, source, topic string) {
	t := r.t
	t.Helper()
	kept(t, st, source, func(k store.Subscription) bool { return !k.Asked.IsZero() })
	resp, err := http.Get(callbackAt(r.bURL, source) + "?hub.mode=subscribe&hub.challenge=chao&hub.lease_seconds=3600&hub.topic=" + url.QueryEscape(topic))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	kept(t, st, source, func(k store.Subscription) bool { return k.Verified })
}

// kept waits up to 5s for the store to keep a subscription of source that
// ok accepts, and returns it.
func kept(t *testing.T, st *store.Store, source string, ok func(store.Subscription) bool) store.Subscription {
	t.Helper()
	var last store.Subscription
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		all, err := st.Subscriptions()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range all {
			if k.Source == source {
				if last = k; ok(k) {
					return k
				}
			}
		}
	}
	t.Fatalf("the store keeps %s as %+v", source, last)
	return last
}

// TestFailedRenewalStillUnsubscribed: a source whose renewal failed, while
// the lease granted before still runs, is unsubscribed at its hub once it
// is removed; one the hub never granted a lease is not.
func TestFailedRenewalStillUnsubscribed(t *testing.T) {
	asked := make(chan hubRequest, 20)
	var refused sync.Map // topics the hub answers 503
	hubSrv, hubURL := loopback(t)
	hubSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		topic, mode := r.Form.Get("hub.topic"), r.Form.Get("hub.mode")
		asked <- hubRequest{time.Now(), topic, mode}
		if _, no := refused.Load(topic); no && mode == "subscribe" {
			http.Error(w, "bảo trì", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted) // this test verifies, as the hub would
	})
	hubSrv.Start()
	d := newRestartable(t, hubURL)
	topic := func(id string) string { return d.feedURL + "/" + id + ".rss" }
	both := map[string]string{"hagiang": "/hagiang.rss", "caobang": "/caobang.rss"}
	refused.Store(topic("caobang"), true)

	st, stop := d.start(secret, both)
	kept(t, st, "caobang", func(k store.Subscription) bool { return k.Failed != "" })
	d.verify(st, "hagiang", topic("hagiang"))
	stop()

	// A new secret: the lease is renewed at once, and the hub refuses.
	refused.Store(topic("hagiang"), true)
	st, stop = d.start(secret+"-moi", both)
	kept(t, st, "hagiang", func(k store.Subscription) bool { return k.Failed != "" })
	stop()
	for len(asked) > 0 {
		<-asked
	}

	// Both removed while the daemon was stopped.
	_, stop = d.start(secret+"-moi", map[string]string{"backan": "/backan.rss"})
	defer stop()
	got := map[string]bool{}
	for deadline := time.After(2 * time.Second); ; {
		select {
		case req := <-asked:
			got[req.mode+" "+req.topic] = true
			continue
		case <-deadline:
		}
		break
	}
	if !got["unsubscribe "+topic("hagiang")] {
		t.Errorf("the hub was asked %v, want the source whose renewal failed unsubscribed, its lease still running", got)
	}
	if got["unsubscribe "+topic("caobang")] {
		t.Errorf("the hub was asked %v, with an unsubscription of a topic it never granted", got)
	}
}

// holdingHub is a hub that takes every request, telling each on asked, and
// answers no unsubscription while hold is set: the request waits until the
// subscriber gives up on it. The tests verify, as the hub would.
func holdingHub(t *testing.T) (string, chan hubRequest, *atomic.Bool) {
	asked := make(chan hubRequest, 20)
	hold := new(atomic.Bool)
	hubSrv, hubURL := loopback(t)
	hubSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mode := r.Form.Get("hub.mode")
		asked <- hubRequest{time.Now(), r.Form.Get("hub.topic"), mode}
		if mode == "unsubscribe" && hold.Load() {
			<-r.Context().Done()
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	hubSrv.Start()
	return hubURL, asked, hold
}

// TestOldTopicUnsubscribedAfterARestart: a source given another URL whose
// old topic's unsubscription a stop cut off, once its new subscription
// was kept, has the old topic unsubscribed at the next start, the store
// keeping it with the source's subscription until then.
func TestOldTopicUnsubscribedAfterARestart(t *testing.T) {
	hubURL, asked, hold := holdingHub(t)
	d := newRestartable(t, hubURL)
	oldTopic, newTopic := d.feedURL+"/tin.rss", d.feedURL+"/tin-moi.rss"

	st, stop := d.start(secret, map[string]string{"hagiang": "/tin.rss"})
	d.verify(st, "hagiang", oldTopic)
	stop()
	for len(asked) > 0 {
		<-asked
	}

	// Its URL changed; the daemon stops once the new topic's request is
	// kept, before the hub answers the old one's unsubscription.
	hold.Store(true)
	st, stop = d.start(secret, map[string]string{"hagiang": "/tin-moi.rss"})
	got := map[string]string{}
	for len(got) < 2 {
		select {
		case req := <-asked:
			got[req.mode] = req.topic
		case <-time.After(5 * time.Second):
			t.Fatalf("after the URL changed the hub was asked %v", got)
		}
	}
	if got["subscribe"] != newTopic || got["unsubscribe"] != oldTopic {
		t.Fatalf("after the URL changed the hub was asked %v", got)
	}
	kept(t, st, "hagiang", func(k store.Subscription) bool { return k.Topic == newTopic })
	stop()
	hold.Store(false)

	st, stop = d.start(secret, map[string]string{"hagiang": "/tin-moi.rss"})
	defer stop()
	select {
	case req := <-asked:
		if req.mode != "unsubscribe" || req.topic != oldTopic {
			t.Errorf("after the restart the hub was asked to %s %s, want %s unsubscribed", req.mode, req.topic, oldTopic)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the old topic was not unsubscribed within 5s of the restart")
	}
	kept(t, st, "hagiang", func(k store.Subscription) bool { return k.Topic == newTopic && len(k.Leaving) == 0 })
}

// TestFailedUnsubscriptionSentAgain: an unsubscription its hub fails with
// a 503 is sent again once the hub's Retry-After has passed, and the store
// keeps it until then; one the hub refuses with a 404 is not sent again.
func TestFailedUnsubscriptionSentAgain(t *testing.T) {
	hubURL, asked := unsubscribingHub(t, "/caobang.rss")
	d := newRestartable(t, hubURL)
	topic := func(id string) string { return d.feedURL + "/" + id + ".rss" }

	st, stop := d.start(secret, map[string]string{"hagiang": "/hagiang.rss", "caobang": "/caobang.rss"})
	for _, id := range []string{"hagiang", "caobang"} {
		d.verify(st, id, topic(id))
	}
	stop()
	for len(asked) > 0 {
		<-asked
	}

	// Both removed: their hub is asked to stop pushing.
	st, stop = d.start(secret, map[string]string{"backan": "/backan.rss"})
	defer stop()
	var hagiang, caobang []time.Time
	for deadline := time.After(4 * time.Second); ; {
		select {
		case req := <-asked:
			switch {
			case req.mode == "unsubscribe" && req.topic == topic("hagiang"):
				hagiang = append(hagiang, req.at)
				if len(hagiang) == 1 {
					// Until it is sent again, the store keeps it for
					// the next start: the subscription as it was.
					kept(t, st, "hagiang", func(k store.Subscription) bool { return k.Topic == topic("hagiang") })
				}
			case req.mode == "unsubscribe" && req.topic == topic("caobang"):
				caobang = append(caobang, req.at)
			}
			continue
		case <-deadline:
		}
		break
	}
	sentAgain(t, hagiang)
	if len(caobang) != 1 {
		t.Errorf("the unsubscription the hub refused with a 404 was sent %d times, want once", len(caobang))
	}
	// Once sent, the store forgets both.
	all, err := st.Subscriptions()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range all {
		if k.Source == "hagiang" || k.Source == "caobang" {
			t.Errorf("once its unsubscription was sent, the store still keeps %+v", k)
		}
	}
}

// unsubscribingHub is a hub that takes every subscription, leaving it
// pending (a test verifies, as the hub would), fails the first
// unsubscription with a 503 and a Retry-After of 1s, takes the next ones,
// and refuses with a 404 those of a topic ending in refused. It returns its
// URL and the requests it was sent.
func unsubscribingHub(t *testing.T, refused string) (string, chan hubRequest) {
	asked := make(chan hubRequest, 20)
	var failedOnce atomic.Bool
	hubSrv, hubURL := loopback(t)
	hubSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		topic, mode := r.Form.Get("hub.topic"), r.Form.Get("hub.mode")
		asked <- hubRequest{time.Now(), topic, mode}
		switch {
		case mode != "unsubscribe":
			w.WriteHeader(http.StatusAccepted)
		case refused != "" && strings.HasSuffix(topic, refused):
			http.Error(w, "không có đăng ký này", http.StatusNotFound)
		case failedOnce.CompareAndSwap(false, true):
			w.Header().Set("Retry-After", "1")
			http.Error(w, "bảo trì", http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	})
	hubSrv.Start()
	return hubURL, asked
}

// sentAgain checks that an unsubscription was sent twice, the second time
// after the Retry-After of 1s its hub answered the first with.
func sentAgain(t *testing.T, at []time.Time) {
	t.Helper()
	if len(at) != 2 {
		t.Fatalf("the unsubscription the hub failed with a 503 was sent %d times in 4s, want twice", len(at))
	}
	if gap := at[1].Sub(at[0]); gap < time.Second {
		t.Errorf("the unsubscription was sent again %s after the hub's 503, before its Retry-After of 1s", gap)
	}
}

// TestOldCallbackUnsubscribedOnceTheNewIsVerified: a subscription made
// under another base_url is renewed under the new callback at once, and
// the hub is asked to end the old one only once it has verified the new
// one, a restart in between included: the hub, which keys a subscription
// by topic and callback, pushes to one callback or the other all along,
// and then to the new one alone. The old callback still reaches the
// daemon, which confirms the unsubscription there.
func TestOldCallbackUnsubscribedOnceTheNewIsVerified(t *testing.T) {
	// The hub does not verify the new request before the daemon stops.
	b := baseURLGainsAPath(t)
	hub, d, topic, oldCB, newCB, sources, st, stop := b.hub, b.d, b.topic, b.oldCB, b.newCB, b.sources, b.st, b.stop
	kept(t, st, "hagiang", func(k store.Subscription) bool {
		return k.Callback == newCB && len(k.Leaving) == 1 && k.Leaving[0].Callback == oldCB && k.Leaving[0].Topic == topic
	})
	// Nor is an unsubscription of the topic confirmed meanwhile: anyone
	// can ask the hub for one.
	resp, err := http.Get(newCB + "?hub.mode=unsubscribe&hub.challenge=tam-biet&hub.topic=" + url.QueryEscape(topic))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unsubscription of the topic followed, none asked for, was answered %s", resp.Status)
	}
	hub.none(t, time.Second)
	stop()

	// Started again, the old subscription is still not ended until the
	// hub verifies the new one.
	st, stop = d.start(secret, sources)
	defer stop()
	hub.none(t, time.Second)
	hub.releaseAndReplace(t, topic, newCB, oldCB)
	kept(t, st, "hagiang", func(k store.Subscription) bool {
		return k.Callback == newCB && k.Topic == topic && k.Verified && len(k.Leaving) == 0
	})
	hub.none(t, time.Second)
}

// callbackHub is a hub that takes every request and verifies it at the
// callback it names, as a hub does (WebSub 5.3); while hold is set, the
// verifications of subscriptions wait for release. It keeps the
// subscriptions verified, by topic and callback, as a hub does.
type callbackHub struct {
	url      string
	client   *http.Client
	events   chan hubEvent
	hold     atomic.Bool
	mu       sync.Mutex
	verified map[string]bool // "topic callback"
	queued   []hubEvent
	lease    string // the lease it grants, in seconds (grant)
}

// grant makes the hub grant leases of seconds from its next verification on.
func (h *callbackHub) grant(seconds string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lease = seconds
}

// hubEvent is a request a callbackHub took ("asked"), or its verification
// at the callback: "verified", or "refused" when the callback did not
// echo the challenge, at the time it was sent.
type hubEvent struct {
	at                    time.Time
	what                  string
	mode, topic, callback string
}

func newCallbackHub(t *testing.T) *callbackHub {
	h := &callbackHub{client: &http.Client{Timeout: 5 * time.Second}, events: make(chan hubEvent, 50), verified: map[string]bool{}, lease: "3600"}
	srv, hubURL := loopback(t)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		e := hubEvent{time.Now(), "asked", r.Form.Get("hub.mode"), r.Form.Get("hub.topic"), r.Form.Get("hub.callback")}
		h.events <- e
		w.WriteHeader(http.StatusAccepted)
		h.mu.Lock()
		defer h.mu.Unlock()
		if e.mode == "subscribe" && h.hold.Load() {
			h.queued = append(h.queued, e)
			return
		}
		go h.verify(e)
	})
	srv.Start()
	h.url = hubURL
	return h
}

// verify asks e's callback to confirm e, and keeps what it confirmed.
func (h *callbackHub) verify(e hubEvent) {
	v := hubEvent{time.Now(), "refused", e.mode, e.topic, e.callback}
	challenge := fmt.Sprintf("xac-nhan-%d", v.at.UnixNano())
	h.mu.Lock()
	lease := h.lease
	h.mu.Unlock()
	resp, err := h.client.Get(e.callback + "?hub.mode=" + e.mode + "&hub.lease_seconds=" + lease + "&hub.topic=" + url.QueryEscape(e.topic) + "&hub.challenge=" + challenge)
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && string(body) == challenge {
			v.what = "verified"
			h.mu.Lock()
			if e.mode == "subscribe" {
				h.verified[e.topic+" "+e.callback] = true
			} else {
				delete(h.verified, e.topic+" "+e.callback)
			}
			h.mu.Unlock()
		}
	}
	h.events <- v
}

// release verifies the subscriptions held back, and no longer holds any.
func (h *callbackHub) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hold.Store(false)
	for _, e := range h.queued {
		go h.verify(e)
	}
	h.queued = nil
}

// releaseAndReplace releases the verifications held back, and checks what
// the hub then does once it has verified topic's subscription under newCB:
// it is asked to end the one under oldCB, not before, verifies that
// unsubscription at oldCB, and holds the one under newCB alone.
func (h *callbackHub) releaseAndReplace(t *testing.T, topic, newCB, oldCB string) {
	t.Helper()
	h.release()
	// The hub tells its verification once it has read the answer, which
	// may be after the unsubscription the answer led to.
	got := h.take(t, 2)
	verified, asked := got["verified subscribe "+newCB], got["asked unsubscribe "+oldCB]
	if verified.at.IsZero() || asked.at.IsZero() {
		t.Fatalf("once the hub verified the new subscription, it %v", slices.Collect(maps.Keys(got)))
	}
	if asked.at.Before(verified.at) {
		t.Errorf("the old callback's unsubscription was sent at %s, before the hub verified the new one at %s", asked.at, verified.at)
	}
	h.next(t, "verified", "unsubscribe", oldCB)
	if got, want := h.held(), []string{topic + " " + newCB}; !slices.Equal(got, want) {
		t.Errorf("the hub holds %q, want %q", got, want)
	}
}

// movedBase is a restartable subscribed to one source, hagiang, under the
// callback of its base_url (oldCB), then started again with base_url given
// a path: it has asked the hub, which holds back its verification, for the
// subscription under the new callback (newCB). stop stops it.
type movedBase struct {
	hub                 *callbackHub
	d                   *restartable
	topic, oldCB, newCB string
	sources             map[string]string
	st                  *store.Store
	stop                func()
}

func baseURLGainsAPath(t *testing.T) movedBase {
	t.Helper()
	b := movedBase{hub: newCallbackHub(t), sources: map[string]string{"hagiang": "/tin.rss"}}
	b.d = newRestartable(t, b.hub.url)
	b.topic = b.d.feedURL + "/tin.rss"
	b.oldCB, b.newCB = callbackAt(b.d.bURL, "hagiang"), callbackAt(b.d.bURL+addedPrefix, "hagiang")
	st, stop := b.d.start(secret, b.sources)
	b.hub.next(t, "asked", "subscribe", b.oldCB)
	b.hub.next(t, "verified", "subscribe", b.oldCB)
	kept(t, st, "hagiang", func(k store.Subscription) bool { return k.Verified })
	stop()
	b.hub.hold.Store(true)
	b.d.prefix = addedPrefix
	b.st, b.stop = b.d.start(secret, b.sources)
	b.hub.next(t, "asked", "subscribe", b.newCB)
	return b
}

// held is what the hub holds: "topic callback", sorted.
func (h *callbackHub) held() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Sorted(maps.Keys(h.verified))
}

// next waits up to 5s for the hub's next event, which must be what of mode
// at callback, and returns it.
func (h *callbackHub) next(t *testing.T, what, mode, callback string) hubEvent {
	t.Helper()
	select {
	case e := <-h.events:
		if e.what != what || e.mode != mode || e.callback != callback {
			t.Fatalf("the hub's next event is %s %s at %s, want %s %s at %s", e.what, e.mode, e.callback, what, mode, callback)
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatalf("the hub never %s %s at %s", what, mode, callback)
	}
	return hubEvent{}
}

// take waits up to 5s for the hub's next n events, in whatever order, and
// returns them by "what mode callback".
func (h *callbackHub) take(t *testing.T, n int) map[string]hubEvent {
	t.Helper()
	got := map[string]hubEvent{}
	for range n {
		select {
		case e := <-h.events:
			got[e.what+" "+e.mode+" "+e.callback] = e
		case <-time.After(5 * time.Second):
			t.Fatalf("the hub %v, and nothing more within 5s", slices.Collect(maps.Keys(got)))
		}
	}
	return got
}

// none checks that the hub is asked nothing, nor verifies anything, for d.
func (h *callbackHub) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case e := <-h.events:
		t.Fatalf("the hub %s %s at %s", e.what, e.mode, e.callback)
	case <-time.After(d):
	}
}

// askedAll waits up to 5s for the hub to be asked each of want ("mode
// topic"), and returns how many times it was asked each thing meanwhile.
func askedAll(t *testing.T, asked chan hubRequest, want ...string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for slices.ContainsFunc(want, func(w string) bool { return got[w] == 0 }) {
		select {
		case req := <-asked:
			got[req.mode+" "+req.topic]++
		case <-time.After(5 * time.Second):
			t.Fatalf("the hub was asked %v, want %q among it", got, want)
		}
	}
	return got
}

// askedWithin counts in got, by "mode topic", what the hub is asked for d.
func askedWithin(asked chan hubRequest, got map[string]int, d time.Duration) {
	for deadline := time.After(d); ; {
		select {
		case req := <-asked:
			got[req.mode+" "+req.topic]++
		case <-deadline:
			return
		}
	}
}

// TestUnsubscriptionCutOffByAReloadSentAgain: a source given another URL
// twice, the second time while the hub had not yet answered the first
// old topic's unsubscription, has that unsubscription sent again by the
// next config's subscriber, with the second old topic's, rather than only
// at the next start.
func TestUnsubscriptionCutOffByAReloadSentAgain(t *testing.T) {
	hubURL, asked, hold := holdingHub(t)
	d := newRestartable(t, hubURL)
	topicA, topicB, topicC := d.feedURL+"/tin-a.rss", d.feedURL+"/tin-b.rss", d.feedURL+"/tin-c.rss"

	st, state, stop := d.run(secret, map[string]string{"hagiang": "/tin-a.rss"})
	defer stop()
	d.verify(st, "hagiang", topicA)
	<-asked

	hold.Store(true)
	d.reload(state, secret, map[string]string{"hagiang": "/tin-b.rss"})
	askedAll(t, asked, "unsubscribe "+topicA, "subscribe "+topicB)
	kept(t, st, "hagiang", func(k store.Subscription) bool { return k.Topic == topicB }) // the hub took it
	hold.Store(false)
	d.reload(state, secret, map[string]string{"hagiang": "/tin-c.rss"})
	got := map[string]int{}
	askedWithin(asked, got, 2*time.Second)
	if want := map[string]int{"unsubscribe " + topicA: 1, "unsubscribe " + topicB: 1, "subscribe " + topicC: 1}; !maps.Equal(got, want) {
		t.Errorf("after the second URL change the hub was asked %v, want %v", got, want)
	}
	kept(t, st, "hagiang", func(k store.Subscription) bool { return k.Topic == topicC && len(k.Leaving) == 0 })
}

// TestEveryLeftTopicsUnsubscriptionAnswered: a source given another URL
// twice, the second time before its hub took the first old topic's
// unsubscription (a 503 with a Retry-After), has both old topics
// unsubscribed, and the hub's verification of either answered once the
// third URL's subscription is made; not of the topic it follows, nor of
// one it never left.
func TestEveryLeftTopicsUnsubscriptionAnswered(t *testing.T) {
	hubURL, asked := unsubscribingHub(t, "")
	d := newRestartable(t, hubURL)
	topicA, topicB, topicC := d.feedURL+"/tin-a.rss", d.feedURL+"/tin-b.rss", d.feedURL+"/tin-c.rss"

	st, state, stop := d.run(secret, map[string]string{"hagiang": "/tin-a.rss"})
	defer func() { stop() }()
	d.verify(st, "hagiang", topicA)
	<-asked

	d.reload(state, secret, map[string]string{"hagiang": "/tin-b.rss"})
	got := askedAll(t, asked, "unsubscribe "+topicA, "subscribe "+topicB)
	kept(t, st, "hagiang", func(k store.Subscription) bool { return k.Topic == topicB })
	d.reload(state, secret, map[string]string{"hagiang": "/tin-c.rss"})
	askedWithin(asked, got, 3*time.Second)
	want := map[string]int{"unsubscribe " + topicA: 2, "subscribe " + topicB: 1, "unsubscribe " + topicB: 1, "subscribe " + topicC: 1}
	if !maps.Equal(got, want) {
		t.Errorf("after two URL changes the hub was asked %v, want %v", got, want)
	}
	kept(t, st, "hagiang", func(k store.Subscription) bool { return k.Topic == topicC && len(k.Leaving) == 0 })
	answered := func(when string) {
		t.Helper()
		for topic, want := range map[string]int{topicA: http.StatusOK, topicB: http.StatusOK, topicC: http.StatusNotFound, d.feedURL + "/tin-khac.rss": http.StatusNotFound} {
			resp, err := http.Get(callbackAt(d.bURL, "hagiang") + "?hub.mode=unsubscribe&hub.challenge=tam-biet&hub.topic=" + url.QueryEscape(topic))
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			if resp.StatusCode != want || want == http.StatusOK && body != "tam-biet" {
				t.Errorf("%s, the hub's verification of the unsubscription of %s answered %s %q, want %d", when, topic, resp.Status, body, want)
			}
		}
	}
	answered("once sent")
	// The store keeps every topic left, not only the latest: a hub that
	// verifies after a restart is answered for each.
	stop()
	st, stop = d.start(secret, map[string]string{"hagiang": "/tin-c.rss"})
	kept(t, st, "hagiang", func(k store.Subscription) bool { return k.Topic == topicC })
	answered("after a restart")
}
