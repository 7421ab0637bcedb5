package websub

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"newswire/store"
)

// TestVerificationOnlyAtTheCallback: while the hub has not verified a
// request, a verification or a denial that does not reach the callback the
// request named, its key included, is refused and moves nothing: the
// subscription stays pending, and the subscription it replaces (under the
// callback of the base_url before) is not ended early. Anyone can send one,
// as the topic is public and the callback's path easy to guess. The hub's
// own verification then verifies it.
func TestVerificationOnlyAtTheCallback(t *testing.T) {
	b := baseURLGainsAPath(t)
	defer b.stop()
	hub, d, topic, oldCB, newCB, st := b.hub, b.d, b.topic, b.oldCB, b.newCB, b.st
	kept(t, st, "hagiang", func(k store.Subscription) bool { return k.Callback == newCB && !k.Verified && len(k.Leaving) == 1 })

	base := d.bURL + addedPrefix + CallbackPath + "hagiang"
	forged := map[string]string{
		"without a key":                   base,
		"with an empty key":               base + "/",
		"with the key of another source":  base + "/" + callbackKey(installKey, "laocai"),
		"with the key of another install": base + "/" + callbackKey([]byte("khoa-cua-mot-ban-cai-dat-khac-32"), "hagiang"),
		"with the key cut short":          newCB[:len(newCB)-1],
		"with more after the key":         newCB + "x",
	}
	for name, cb := range forged {
		for _, mode := range []string{"subscribe&hub.challenge=gia-mao&hub.lease_seconds=864000", "denied&hub.reason=gia-mao"} {
			resp, err := http.Get(cb + "?hub.topic=" + url.QueryEscape(topic) + "&hub.mode=" + mode)
			if err != nil {
				t.Fatal(err)
			}
			if body := readAll(t, resp); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s, hub.mode=%s answered %s %q", name, mode, resp.Status, body)
			}
		}
	}
	if got := d.current.Load().Status()["hagiang"]; got.State != "pending" {
		t.Errorf("after the forged verifications and denials the subscription is %s (%s)", got.State, got.Reason)
	}
	hub.none(t, time.Second) // the old callback's subscription is not ended
	if k := kept(t, st, "hagiang", func(store.Subscription) bool { return true }); k.Verified || k.Denied != "" || len(k.Leaving) != 1 {
		t.Errorf("the store keeps %+v", k)
	}

	hub.releaseAndReplace(t, topic, newCB, oldCB)
}

// TestCallbackOfAnOlderBuildEnded: a subscription an older build made,
// under a callback without a key, is asked for again under the keyed
// callback at the start, and the old one is ended once the hub has
// verified the new one; the old callback still answers the hub's
// verification of that unsubscription, and takes its pushes meanwhile.
func TestCallbackOfAnOlderBuildEnded(t *testing.T) {
	hub := newCallbackHub(t)
	d := newRestartable(t, hub.url)
	topic := d.feedURL + "/tin.rss"
	legacyCB, keyedCB := d.bURL+CallbackPath+"hagiang", callbackAt(d.bURL, "hagiang")
	sources := map[string]string{"hagiang": "/tin.rss"}

	// What the older build kept, and its hub holds.
	st, err := store.Open(d.path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := st.SaveSubscription(store.Subscription{Source: "hagiang", URL: topic, Hub: hub.url + "/", Topic: topic,
		Callback: legacyCB, Secret: secret, Lease: time.Hour, Asked: now.Add(-10 * time.Minute),
		Verified: true, LeaseEnds: now.Add(50 * time.Minute), RenewAt: now.Add(38 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	hub.mu.Lock()
	hub.verified[topic+" "+legacyCB] = true
	hub.mu.Unlock()

	hub.hold.Store(true)
	st, stop := d.start(secret, sources)
	defer stop()
	hub.next(t, "asked", "subscribe", keyedCB)
	// Until the hub verifies it, the hub pushes to the old callback,
	// which takes what it pushes.
	body := `<rss version="2.0"><channel><title>Tin Hà Giang</title></channel></rss>`
	req, _ := http.NewRequest(http.MethodPost, legacyCB, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/rss+xml")
	req.Header.Set("X-Hub-Signature", "sha256="+sign(secret, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st := d.current.Load().Status()["hagiang"]; resp.StatusCode != http.StatusAccepted || st.Pushes != 1 || st.Ignored != 0 {
		t.Errorf("a push at the old callback: %s, %d taken, %d ignored", resp.Status, st.Pushes, st.Ignored)
	}
	hub.none(t, 500*time.Millisecond)

	hub.releaseAndReplace(t, topic, keyedCB, legacyCB)
	kept(t, st, "hagiang", func(k store.Subscription) bool {
		return k.Callback == keyedCB && k.Verified && len(k.Leaving) == 0
	})
}

// FuzzCallback: whatever reaches a source's callback (any path after it,
// any query, a GET or a POST with any body and signature), the answer is
// no server error, and nothing but a request at the callback with its key
// moves a pending subscription: it stays pending, neither verified nor
// denied.
func FuzzCallback(f *testing.F) {
	cfg := parse(f, `
base_url: http://127.0.0.1:1
websub: {subscribe: true, secret: `+secret+`, lease: 1h}
sources: [{id: vov, url: "https://vov.example.vn/rss"}]
categories: [{id: thoi-su}]
default_category: thoi-su
`)
	const topic = "https://vov.example.vn/rss"
	key := callbackKey(installKey, "vov")
	body := `<rss version="2.0"><channel><title>VOV</title></channel></rss>`
	for _, s := range []struct {
		rest, query string
		post        bool
		body, sig   string
	}{
		{"vov/" + key, "hub.mode=subscribe&hub.challenge=a&hub.lease_seconds=60&hub.topic=" + url.QueryEscape(topic), false, "", ""},
		{"vov", "hub.mode=subscribe&hub.challenge=a&hub.topic=" + url.QueryEscape(topic), false, "", ""},
		{"vov/", "hub.mode=denied&hub.reason=x&hub.topic=" + url.QueryEscape(topic), false, "", ""},
		{"vov/" + key[:10], "hub.mode=unsubscribe&hub.challenge=b&hub.topic=" + url.QueryEscape(topic), false, "", ""},
		{"vov/" + key + "/x", "hub.mode=subscribe&hub.challenge=a&hub.topic=" + url.QueryEscape(topic), false, "", ""},
		{"%76ov/" + key, "hub.mode=denied&hub.topic=" + url.QueryEscape(topic), false, "", ""},
		{"vov", "", true, body, "sha256=" + sign(secret, []byte(body))},
		{"khac/" + key, "", true, body, "sha1=00"},
	} {
		f.Add(s.rest, s.query, s.post, s.body, s.sig)
	}
	f.Fuzz(func(t *testing.T, rest, query string, post bool, body, sig string) {
		sub := NewSubscriber(cfg, http.DefaultClient, slog.New(slog.DiscardHandler), func(string) {})
		sub.subs["vov"] = &sourceSub{hub: "https://hub.example.vn/", topic: topic, callback: sub.callback("vov"),
			secret: secret, lease: time.Hour, asked: time.Now()}
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		u := &url.URL{Scheme: "http", Host: "127.0.0.1", Path: CallbackPath + rest, RawQuery: query}
		req, err := http.NewRequest(method, u.String(), strings.NewReader(body))
		if err != nil {
			return
		}
		if sig != "" {
			req.Header.Set("X-Hub-Signature", sig)
		}
		w := httptest.NewRecorder()
		sub.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s: %d %q", method, u.RequestURI(), w.Code, w.Body.String())
		}
		if strings.TrimPrefix(req.URL.Path, CallbackPath) == "vov/"+key {
			return // at the callback: the hub's own requests
		}
		if got := sub.Status()["vov"]; got.State != "pending" {
			t.Fatalf("%s %s moved the pending subscription to %s", method, u.RequestURI(), got.State)
		}
	})
}
