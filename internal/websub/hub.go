// Package websub implements W3C WebSub (https://www.w3.org/TR/websub/) for
// newswire: the publisher side that pings a hub when merged feeds change, the
// subscriber side that lets outlets push their feeds to us, and a small hub.
//
// It does not parse or store feeds: a push only tells the poller to poll
// that source now, so every story still goes through the one pipeline.
package websub

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// maxBody caps what the hub fetches from a topic and what a subscriber
// accepts in one push.
const maxBody = 10 << 20

// Hub is a small WebSub hub: it verifies the intent of subscribers, and on
// a publish ping fetches the topic and delivers it, signed with each
// subscriber's secret. It keeps subscriptions in memory.
type Hub struct {
	Client *http.Client
	Log    *slog.Logger

	mu   sync.Mutex
	subs map[string]map[string]subscription // topic → callback → subscription
}

type subscription struct {
	secret  string
	expires time.Time
}

// NewHub returns a hub using client for verification and delivery.
func NewHub(client *http.Client, log *slog.Logger) *Hub {
	return &Hub{Client: client, Log: log, subs: map[string]map[string]subscription{}}
}

// ServeHTTP takes subscription requests and publish pings (form POSTs).
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST a hub.mode form", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	switch mode := r.PostForm.Get("hub.mode"); mode {
	case "subscribe", "unsubscribe":
		callback, topic := r.PostForm.Get("hub.callback"), r.PostForm.Get("hub.topic")
		if !absolute(callback) || !absolute(topic) {
			http.Error(w, "hub.callback and hub.topic must be absolute URLs", http.StatusBadRequest)
			return
		}
		lease, _ := strconv.Atoi(r.PostForm.Get("hub.lease_seconds"))
		if lease <= 0 || lease > 30*24*3600 {
			lease = 10 * 24 * 3600
		}
		w.WriteHeader(http.StatusAccepted)
		go h.verify(mode, callback, topic, r.PostForm.Get("hub.secret"), lease)
	case "publish":
		urls := r.PostForm["hub.url"]
		if len(urls) == 0 {
			urls = r.PostForm["hub.topic"]
		}
		if len(urls) == 0 {
			http.Error(w, "publish needs hub.url", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		for _, u := range urls {
			go h.distribute(u)
		}
	default:
		http.Error(w, fmt.Sprintf("unknown hub.mode %q", mode), http.StatusBadRequest)
	}
}

// verify confirms the subscriber's intent (section 5.3) before recording it.
func (h *Hub) verify(mode, callback, topic, secret string, lease int) {
	challenge := strconv.FormatUint(rand.Uint64(), 36)
	q := url.Values{"hub.mode": {mode}, "hub.topic": {topic}, "hub.challenge": {challenge}, "hub.lease_seconds": {strconv.Itoa(lease)}}
	u, err := url.Parse(callback)
	if err != nil {
		return
	}
	if u.RawQuery != "" {
		u.RawQuery += "&"
	}
	u.RawQuery += q.Encode()
	resp, err := h.Client.Get(u.String())
	if err != nil {
		h.Log.Warn("websub hub: verify", "callback", callback, "error", err)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 || string(body) != challenge {
		h.Log.Warn("websub hub: intent not confirmed", "callback", callback, "status", resp.StatusCode)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if mode == "unsubscribe" {
		delete(h.subs[topic], callback)
		return
	}
	if h.subs[topic] == nil {
		h.subs[topic] = map[string]subscription{}
	}
	h.subs[topic][callback] = subscription{secret: secret, expires: time.Now().Add(time.Duration(lease) * time.Second)}
}

// distribute fetches topic and posts it to every live subscriber.
func (h *Hub) distribute(topic string) {
	resp, err := h.Client.Get(topic)
	if err != nil {
		h.Log.Warn("websub hub: fetch topic", "topic", topic, "error", err)
		return
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		h.Log.Warn("websub hub: fetch topic", "topic", topic, "status", resp.StatusCode, "error", err)
		return
	}
	contentType := resp.Header.Get("Content-Type")
	now := time.Now()
	h.mu.Lock()
	targets := map[string]subscription{}
	for cb, s := range h.subs[topic] {
		if now.Before(s.expires) {
			targets[cb] = s
		}
	}
	h.mu.Unlock()
	for cb, s := range targets {
		req, err := http.NewRequest(http.MethodPost, cb, bytes.NewReader(body))
		if err != nil {
			continue
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Add("Link", "<"+topic+`>; rel="self"`)
		if s.secret != "" {
			req.Header.Set("X-Hub-Signature", "sha256="+sign(s.secret, body))
		}
		resp, err := h.Client.Do(req)
		if err != nil {
			h.Log.Warn("websub hub: deliver", "callback", cb, "error", err)
			continue
		}
		resp.Body.Close()
	}
}

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func absolute(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Publish sends the publish ping for topics to hub (section 7, the common
// form-encoded convention: one hub.mode=publish with hub.url per topic).
func Publish(ctx context.Context, client *http.Client, hub string, topics []string) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": topics}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, bytes.NewBufferString(form.Encode()))
	if err != nil {
		return fmt.Errorf("websub: publish to %s: %w", hub, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("websub: publish to %s: %w", hub, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("websub: publish to %s: %s: %s", hub, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// errBadSignature means a push was not signed with our secret.
var errBadSignature = errors.New("websub: X-Hub-Signature does not match")
