package websub

import (
	"net/http"
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
