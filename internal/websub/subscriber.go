package websub

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/internal/fetch"
	"newswire/internal/sanitize"
	"newswire/internal/urlsafe"
	"newswire/store"
)

// CallbackPath is where hubs call newswire back, followed by the source id
// and, after a slash, its callback key (callbackKey).
const CallbackPath = "/websub/callback/"

// Subscriber subscribes to the hubs that sources advertise, answers their
// verification of intent, checks the HMAC signature of what they push, and
// then asks for the source to be polled (onPush).
type Subscriber struct {
	cfg    *config.Config
	client *http.Client
	log    *slog.Logger
	onPush func(sourceID string)

	*Subscriptions
	wake chan struct{} // a verification moved a renewal time
	// leaseFloor is the shortest wait before a lease is renewed, however
	// short the lease the hub granted (leaseFloor, the constant; tests
	// shorten it).
	leaseFloor time.Duration
}

// Subscriptions are a subscriber's subscriptions, by source id. The
// subscribers of successive configs share them (KeepIn), so that a reload
// does not subscribe every source again, and a push between a reload and
// the new subscriber's first round is not refused. Kept in the store
// (Load), they outlive a restart too.
type Subscriptions struct {
	mu   sync.Mutex
	subs map[string]*sourceSub
	// st is the store they are kept in, from Load on; saveMu makes its
	// writes one at a time (save).
	st     *store.Store
	saveMu sync.Mutex
	// looked holds, by source id, when a source with no subscription
	// may be asked for its hub again: a source whose feed advertises
	// none is not fetched for it at every round.
	looked map[string]lookup
	// warned holds, by source id, when an ignored push was last logged
	// and how many were ignored since without a line: anyone can post
	// to a callback, and the log must not be theirs to fill.
	warned map[string]warning
	// inFlight holds the sources a Run is finding the hub of or
	// subscribing, and handled when each may be handled again: the
	// subscribers of successive configs never handle one source twice at
	// once, nor one again at once.
	inFlight map[string]bool
	handled  map[string]time.Time
	// gates bound the requests to each hub (hubRequests).
	gates map[string]chan struct{}
	// leaving holds the subscriptions a reload dropped (a source removed,
	// disabled, or given another URL), for Run to unsubscribe at their
	// hubs; leftBy, by source, the topics a source given another URL
	// left, whose unsubscription its hub may verify, until its new
	// subscription takes them (left).
	leaving []leavingSub
	leftBy  map[string][]string
	// unsent holds, by source, the subscriptions it left whose
	// unsubscription has not been sent yet (in leaving, or under way):
	// they are kept in the store with the source's, so that the next
	// start sends what a stop cut off, the old topic of a source given
	// another URL included, whose record the new subscription replaces.
	unsent map[string][]sourceSub
}

// leavingSub is a subscription a reload dropped.
type leavingSub struct {
	source string
	sub    sourceSub
	// failures counts the unsubscriptions its hub failed or was not
	// reached for, in a row; a failed one is sent again at again.
	failures int
	again    time.Time
}

// warning is the log's account of one source's ignored pushes.
type warning struct {
	at     time.Time
	unsaid int
}

// warnEvery is how often an ignored push of one source is logged at most.
const warnEvery = time.Minute

// lookup is the last search of a source's feed for its hub.
type lookup struct {
	url      string    // the source's URL then
	next     time.Time // when to look again
	failures int       // searches in a row that failed to fetch or parse
}

// newSubscriptions is an empty, ready Subscriptions.
func newSubscriptions() *Subscriptions {
	s := &Subscriptions{}
	s.init()
	return s
}

// init makes the maps of a zero Subscriptions; s.mu is held.
func (s *Subscriptions) init() {
	if s.subs == nil {
		s.subs = map[string]*sourceSub{}
	}
	if s.looked == nil {
		s.looked = map[string]lookup{}
	}
	if s.inFlight == nil {
		s.inFlight, s.handled, s.gates = map[string]bool{}, map[string]time.Time{}, map[string]chan struct{}{}
	}
	if s.leftBy == nil {
		s.leftBy = map[string][]string{}
	}
	if s.unsent == nil {
		s.unsent = map[string][]sourceSub{}
	}
}

// leave queues old, the subscription source left, to be unsubscribed at
// its hub by Run; s.mu is held.
func (s *Subscriptions) leave(source string, old sourceSub) {
	s.leaving = append(s.leaving, leavingSub{source: source, sub: old})
	s.unsent[source] = append(s.unsent[source], old)
}

// leaveHeld queues those of subs that their hubs may still hold at now to be
// unsubscribed (leave); s.mu is held.
func (s *Subscriptions) leaveHeld(source string, subs []sourceSub, now time.Time) {
	for _, sub := range subs {
		if sub.mayHold(now) {
			s.leave(source, sub)
		}
	}
}

// sent records that old's unsubscription was sent (its hub answered or
// failed, not cut off by a stop) and writes source's record without it. One
// of the topic source still follows, at another hub or callback, has the
// hub's verification of it answered for a while longer (leaves).
func (s *Subscriber) sent(source string, old sourceSub) {
	s.mu.Lock()
	i := slices.IndexFunc(s.unsent[source], func(u sourceSub) bool {
		return u.hub == old.hub && u.topic == old.topic && u.callback == old.callback
	})
	if i >= 0 {
		s.unsent[source] = slices.Delete(s.unsent[source], i, i+1)
	}
	if len(s.unsent[source]) == 0 {
		delete(s.unsent, source)
	}
	if sub := s.subs[source]; sub != nil && sub.topic == old.topic && (sub.hub != old.hub || sub.callback != old.callback) {
		sub.answerUntil = time.Now().Add(min(s.cfg.WebSub.Lease.D()/5, pendingRetry))
	}
	s.mu.Unlock()
	s.save(source)
}

// Load takes the subscriptions st holds, as the last run left them, and
// from then on writes each change of one to st: a request, a verification,
// a denial, an unsubscription (not a push). A lease still good is renewed
// when it is due, rather than asked for again at the start, and a push
// signed with the secret the hub holds is taken at once. Call it before
// the first subscriber's KeepIn, which drops or renews those the config
// changed meanwhile, as at a reload.
func (s *Subscriptions) Load(st *store.Store) (int, error) {
	kept, err := st.Subscriptions()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.st = st
	for _, k := range kept {
		var replaced []sourceSub
		var left []string // whose unsubscription its hub may verify once sent
		for _, l := range k.Leaving {
			old := sourceSub{hub: l.Hub, topic: l.Topic, callback: l.Callback}
			if k.Hub != "" && !k.Verified && l.Hub == k.Hub && l.Topic == k.Topic && l.Callback != k.Callback {
				// Under the callback of another base_url: ended once
				// the hub verifies the subscription that replaces it.
				replaced = append(replaced, old)
				continue
			}
			s.leave(k.Source, old)
			left = append(left, l.Topic)
		}
		if k.Hub == "" {
			continue // unsubscriptions alone
		}
		s.subs[k.Source] = &sourceSub{url: k.URL, hub: k.Hub, topic: k.Topic, callback: k.Callback, secret: k.Secret, lease: k.Lease,
			prev: k.Prev, asked: k.Asked, verified: k.Verified, leaseEnds: k.LeaseEnds, renewAt: k.RenewAt, denied: k.Denied,
			failed: k.Failed, failures: k.Failures, again: k.Again, left: leftTopics(slices.Concat(k.LeftBefore, left, []string{k.Left}), k.Topic), replaced: replaced}
	}
	return len(kept), err
}

// save writes source's subscription to the store as it stands, or removes
// it there when there is none. The writes are made one at a time, each of
// the state when its turn comes, so that the last one is of the latest.
func (s *Subscriber) save(source string) {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	st, sub, unsent := s.st, s.subs[source], s.unsent[source]
	k := store.Subscription{Source: source}
	if sub != nil {
		k = store.Subscription{Source: source, URL: sub.url, Hub: sub.hub, Topic: sub.topic, Callback: sub.callback, Secret: sub.secret, Lease: sub.lease,
			Prev: sub.prev, Asked: sub.asked, Verified: sub.verified, LeaseEnds: sub.leaseEnds, RenewAt: sub.renewAt, Denied: sub.denied,
			Failed: sub.failed, Failures: sub.failures, Again: sub.again}
		if n := len(sub.left); n > 0 {
			// The latest apart, as a build that kept only it reads it.
			k.Left, k.LeftBefore = sub.left[n-1], slices.Clone(sub.left[:n-1])
		}
	}
	for _, u := range unsent {
		k.Leaving = append(k.Leaving, store.Leaving{Hub: u.hub, Topic: u.topic, Callback: u.callback})
	}
	if sub != nil {
		// Told apart from those to send at the next start (Load): of
		// the subscription's hub and topic, under another callback,
		// while it is not verified.
		for _, u := range sub.replaced {
			k.Leaving = append(k.Leaving, store.Leaving{Hub: u.hub, Topic: u.topic, Callback: u.callback})
		}
	}
	s.mu.Unlock()
	if st == nil {
		return
	}
	var err error
	if sub != nil || len(unsent) > 0 {
		err = st.SaveSubscription(k)
	} else {
		err = st.DeleteSubscriptions(source)
	}
	if err != nil {
		s.log.Warn("websub: the subscription is not kept for the next start", "source", source, "error", err)
	}
}

// forget removes from the store the subscriptions of sources, whose hubs
// are not asked to end them.
func (s *Subscriptions) forget(log *slog.Logger, sources []string) {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	st := s.st
	s.mu.Unlock()
	if st == nil || len(sources) == 0 {
		return
	}
	if err := st.DeleteSubscriptions(sources...); err != nil {
		log.Warn("websub: subscriptions dropped are still kept for the next start", "sources", len(sources), "error", err)
	}
}

// KeepIn makes s keep its subscriptions in state, which holds the last
// subscriber's: those of sources that are gone, disabled or moved to
// another URL are dropped. Call it before s serves or runs.
//
// A subscription made with another callback (base_url), secret or lease
// than this config's is renewed at once, so that the hub learns the new
// ones; until it verifies the renewal, a push signed with the secret it
// holds is still taken. The hub keys a subscription by its topic and
// callback: one made under another callback is a second subscription,
// and the first is ended once the hub has verified it (replaced).
func (s *Subscriber) KeepIn(state *Subscriptions) {
	state.mu.Lock()
	state.init()
	var dropped []string // and not asked to end: the store forgets them now
	var unsent []string  // dropped, but with unsubscriptions still to send
	for id, sub := range state.subs {
		src, ok := s.cfg.Source(id)
		switch {
		case !ok || src.Disabled || src.URL != sub.url:
			// Its hub is asked to stop pushing the topic, rather than
			// left to push it until the lease ends; the store keeps it
			// until then, for the next start to ask if this run does
			// not. So are those under the callbacks it replaced.
			now := time.Now()
			state.leaveHeld(id, sub.replaced, now)
			leaving := sub.hub != "" && sub.mayHold(now)
			if ok && !src.Disabled {
				// The subscription at its new URL answers the hub's
				// verification of each unsubscription of what it left.
				state.leftBy[id] = slices.Concat(state.leftBy[id], sub.left)
				if leaving {
					state.leftBy[id] = append(state.leftBy[id], sub.topic)
				}
			}
			switch {
			case leaving:
				state.leave(id, *sub)
			case len(state.unsent[id]) > 0:
				unsent = append(unsent, id)
			default:
				dropped = append(dropped, id)
			}
			delete(state.subs, id)
			delete(state.handled, id)
		case sub.callback != s.callback(id) || sub.secret != s.cfg.WebSub.Secret || sub.lease != s.cfg.WebSub.Lease.D():
			sub.renewAt, sub.asked = time.Time{}, time.Time{}
			delete(state.handled, id)
		}
	}
	for id, l := range state.looked {
		if src, ok := s.cfg.Source(id); !ok || src.URL != l.url {
			delete(state.looked, id)
		}
	}
	state.mu.Unlock()
	s.Subscriptions = state
	s.forget(s.log, dropped)
	for _, id := range unsent {
		s.save(id)
	}
}

// callback is the URL hubs call back for source: its id, then its
// callback key.
func (s *Subscriber) callback(source string) string {
	key := s.cfg.DigestKey
	if len(key) == 0 { // a config not read by the daemon: the secret alone
		key = []byte(s.cfg.WebSub.Secret)
	}
	return strings.TrimRight(s.cfg.BaseURL, "/") + CallbackPath + url.PathEscape(source) + "/" + callbackKey(key, source)
}

// callbackKey is the part of source's callback that nobody but its hub
// learns: a digest of the source id keyed with the install's key
// (data_dir/newswire.key), the same across restarts, reloads and new
// secrets. The topic is public and the callback's path easy to guess, so
// without it anyone could answer for the hub while a request is pending:
// mark it verified (and end the subscriptions it replaces), or denied.
func callbackKey(key []byte, source string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("websub callback\x00" + source))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

// atCallback reports whether a request for source, whose path ends in key
// after the source id, reached callback, that of a request of ours: a
// callback of a build before callback keys has none.
func atCallback(callback, source, key string) bool {
	want := ""
	at := CallbackPath + url.PathEscape(source) + "/"
	if i := strings.LastIndex(callback, at); i >= 0 {
		want = callback[i+len(at):]
	}
	return subtle.ConstantTimeCompare([]byte(key), []byte(want)) == 1
}

// sourceSub is one source's subscription.
type sourceSub struct {
	url        string // the source's URL in config when it was asked for
	hub, topic string
	// callback, secret and lease are what it was asked for with.
	callback string
	secret   string
	lease    time.Duration
	prev     string    // the secret the hub held before, until it verifies this one
	failed   string    // why the request for it failed, when it did
	failures int       // requests in a row that failed, this one's included
	again    time.Time // when a failed request is made again; zero: as any pending one
	asked    time.Time // when the subscription was requested
	verified bool
	denied   string // the hub's reason (sanitize.Line), when it denied the subscription
	// leaseEnds is when the lease the hub last granted for this hub,
	// topic and callback ends: verified's, or, while its renewal is
	// pending or failed, the one before, which the hub may still push
	// under.
	leaseEnds time.Time
	renewAt   time.Time // four fifths into the lease the hub granted
	// Pushes counted since the subscription was asked for: taken, and
	// ignored for their signature.
	lastPush        time.Time
	pushes, ignored int
	// seen is the last self and hubs a poll of the feed read (Advertised),
	// recheck that they were not this subscription's: the feed is looked
	// at again at once. left are the topics the subscriptions this one
	// replaced left (another URL, a moved feed), oldest first, whose
	// unsubscriptions the hub may verify: every one, not only the
	// latest, as a source may be given another URL again before its hub
	// has verified (or even taken) the last unsubscription.
	seen    string
	recheck bool
	left    []string
	// replaced are the subscriptions of this hub and topic under another
	// callback (base_url) that the hub may still hold: it is asked to end
	// them once it verifies this one, not before, so that it pushes to
	// one callback or the other all along (to both in between, costing
	// a poll). answerUntil is when the hub's verification of the topic's
	// unsubscription, one under another callback or at another hub just
	// sent, is no longer answered.
	replaced    []sourceSub
	answerUntil time.Time
}

// mayHold reports whether sub's hub may, at now, hold a subscription it
// pushes under: a lease it granted has not ended (verified, or renewed by a
// request still pending or failed), or a request it took may yet be
// verified. A hub whose every request failed never granted one.
func (sub *sourceSub) mayHold(now time.Time) bool {
	return sub.leaseEnds.After(now) || !sub.verified && sub.failed == ""
}

// SourceStatus is where one source's subscription stands, for the status
// pages.
type SourceStatus struct {
	Hub       string    // the hub's URL, without credentials (urlsafe.Public)
	State     string    // verified, pending, denied, or no-hub
	Reason    string    // the hub's, when it denied
	Error     string    // pending: why the request failed, when it did
	LeaseEnds time.Time // of a verified subscription
	LastPush  time.Time // the last push taken
	Pushes    int       // pushes taken since it was asked for
	Ignored   int       // pushes ignored for their signature
	NextLook  time.Time // no-hub: when its feed is looked at again
}

// Status returns each source's subscription, by source id: those asked
// for, and those whose feed named no hub when last looked at.
func (s *Subscriptions) Status() map[string]SourceStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]SourceStatus, len(s.subs)+len(s.looked))
	for id, l := range s.looked {
		out[id] = SourceStatus{State: "no-hub", NextLook: l.next}
	}
	for id, sub := range s.subs {
		st := SourceStatus{Hub: urlsafe.Public(sub.hub), State: "pending", LastPush: sub.lastPush, Pushes: sub.pushes, Ignored: sub.ignored}
		switch {
		case sub.verified:
			st.State, st.LeaseEnds = "verified", sub.leaseEnds
		case sub.denied != "":
			st.State, st.Reason = "denied", sub.denied
		default:
			st.Error = sub.failed
		}
		out[id] = st
	}
	return out
}

// NewSubscriber returns nil unless cfg.WebSub.Subscribe is set. onPush runs
// on its own goroutine for every correctly signed push.
func NewSubscriber(cfg *config.Config, client *http.Client, log *slog.Logger, onPush func(sourceID string)) *Subscriber {
	if !cfg.WebSub.Subscribe {
		return nil
	}
	return &Subscriber{cfg: cfg, client: client, log: log, onPush: onPush, Subscriptions: newSubscriptions(), wake: make(chan struct{}, 1), leaseFloor: leaseFloor}
}

// Run discovers each source's hub and subscribes, then renews every lease
// when four fifths of what the hub granted have passed, until ctx ends. A
// subscription the hub has not verified is asked for again after a fifth
// of the lease (at most pendingRetry).
func (s *Subscriber) Run(ctx context.Context) error {
	lease := s.cfg.WebSub.Lease.D()
	retry := min(lease/5, pendingRetry)
	// Each due source is handled in a goroutine of its own, a few at a
	// time, so that a feed or hub that answers slowly (or not, until the
	// client's timeout) holds up no other source's subscription or
	// renewal; a hub is asked for hubRequests subscriptions at once at
	// most, and a source waiting for its hub takes no other's turn.
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, concurrentSources)
	for {
		now := time.Now()
		next := now.Add(lease)
		s.mu.Lock()
		var leaving, waiting []leavingSub
		for _, l := range s.leaving {
			if now.Before(l.again) {
				waiting = append(waiting, l)
				next = minTime(next, l.again)
			} else {
				leaving = append(leaving, l)
			}
		}
		s.leaving = waiting
		s.mu.Unlock()
		for _, l := range leaving {
			wg.Go(func() { s.sendLeaving(ctx, l, retry) })
		}
		for _, src := range s.cfg.EnabledSources() {
			if ctx.Err() != nil {
				return nil
			}
			s.mu.Lock()
			sub := s.subs[src.ID]
			var due time.Time
			var old sourceSub
			switch {
			case sub != nil && sub.recheck:
				old, due = *sub, now
			case sub != nil && sub.verified:
				due = sub.renewAt
			case sub != nil && !sub.again.IsZero():
				due = sub.again // a failed request: its backoff, or the hub's Retry-After
			case sub != nil:
				due = sub.asked.Add(retry)
			default:
				due = s.looked[src.ID].next
			}
			due = maxTime(due, s.handled[src.ID])
			busy := s.inFlight[src.ID]
			if !busy && !now.Before(due) {
				s.inFlight[src.ID] = true
			}
			s.mu.Unlock()
			if busy {
				continue // looked at again once it is done
			}
			if now.Before(due) {
				next = minTime(next, due)
				continue
			}
			wg.Go(func() {
				var again time.Duration
				defer func() {
					s.mu.Lock()
					delete(s.inFlight, src.ID)
					// Not handled again within minWait, whatever it
					// left behind: no round spins on a source.
					s.handled[src.ID] = time.Now().Add(max(again, minWait))
					s.mu.Unlock()
					s.nudge()
				}()
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return
				}
				again = s.handle(ctx, src, old, retry, func() { <-slots })
			})
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-time.After(max(time.Until(next), minWait)):
		}
	}
}

// handle finds src's hub and subscribes, as Run's round found it due: old
// is its subscription when its feed is to be looked at again (recheck).
// release gives back the slot it was started in, once its feed is read:
// the wait for its hub takes no other source's turn. It returns how long
// the source is not to be handled again, whatever its state says (a feed
// looked at again and not read, a feed that still names its hub).
func (s *Subscriber) handle(ctx context.Context, src config.Source, old sourceSub, retry time.Duration, release func()) time.Duration {
	// One trail for the feed and the hub it names: an outlet on the
	// internet cannot send the request to a private address.
	trail := fetch.Trail(ctx)
	hub, topic, err := discover(trail, s.client, src.URL)
	release()
	if err != nil {
		// Looked for again later, not at every round: a wake or another
		// source's renewal does not fetch it again.
		wait := s.lookedFor(src.ID, src.URL, err)
		s.log.Debug("websub: no hub", "source", src.ID, "error", err, "again_in", wait)
		if errors.Is(err, errNoHub) {
			s.hubless(src.ID)
		}
		return wait
	}
	s.mu.Lock()
	delete(s.looked, src.ID)
	if cur := s.subs[src.ID]; !old.recheck && cur != nil && (cur.hub != hub || cur.topic != topic) {
		// A renewal, or a request asked again, reads the feed naming
		// another hub or topic, which no poll told (Advertised): the feed
		// moved, and the old subscription is ended as when a poll tells,
		// rather than left to the hub until its lease ends.
		cur.recheck = true
		old = *cur
	}
	if old.recheck && hub == old.hub && topic == old.topic {
		// The feed still names the subscription's hub and topic (a
		// document's own self differs from its topic): its renewal is
		// looked at in its time.
		if cur := s.subs[src.ID]; cur != nil {
			cur.recheck = false
		}
		s.mu.Unlock()
		return retry
	}
	gate := s.hubGate(hub)
	s.mu.Unlock()
	select {
	case gate <- struct{}{}:
		defer func() { <-gate }()
	case <-ctx.Done():
		return 0
	}
	// The old topic is kept with the new subscription until its
	// unsubscription is sent.
	leave := old.recheck && old.mayHold(time.Now())
	if leave {
		s.mu.Lock()
		s.unsent[src.ID] = append(s.unsent[src.ID], old)
		s.mu.Unlock()
	}
	if err := s.Subscribe(trail, src.ID, hub, topic); err != nil {
		s.log.Warn("websub: subscribe", "source", src.ID, "hub", urlsafe.Redacted(hub), "error", err)
	}
	if old.recheck {
		s.log.Info("websub: the feed moved; subscribed where it says", "source", src.ID,
			"topic", urlsafe.Redacted(topic), "old_topic", urlsafe.Redacted(old.topic))
	}
	if leave {
		s.sendLeaving(trail, leavingSub{source: src.ID, sub: old}, retry)
	}
	return 0
}

// hubless ends the subscription of source, whose feed, read again (a
// renewal, a request asked again, a move looked at), names no hub any more:
// its hub is asked to end it (Run sends it, as a reload's), rather than left
// to push until the lease ends while the status says verified, and the feed
// is looked at for a hub again in noHubAgain, as one that never named one.
func (s *Subscriber) hubless(source string) {
	s.mu.Lock()
	cur := s.subs[source]
	if cur == nil {
		s.mu.Unlock()
		return
	}
	delete(s.subs, source)
	s.leaveHeld(source, append(slices.Clone(cur.replaced), *cur), time.Now())
	s.mu.Unlock()
	s.log.Info("websub: the feed names no hub any more; its subscription is ended", "source", source, "hub", urlsafe.Redacted(cur.hub))
	s.save(source)
	s.nudge()
}

// sendLeaving sends l's unsubscription. One that its hub failed (a 5xx, a 429,
// no answer) is queued for Run to send again after a wait, as a failed
// subscription is (failedWait), while the hub may still hold the
// subscription, up to unsubscribeTries times; the store keeps it until it
// was sent, for the next start to send what a stop cut off. One a reload
// cut off is queued as it was, for the next config's subscriber to send.
func (s *Subscriber) sendLeaving(ctx context.Context, l leavingSub, retry time.Duration) {
	wait, failed := s.unsubscribe(fetch.Trail(ctx), l.source, l.sub)
	if ctx.Err() != nil {
		s.mu.Lock()
		s.leaving = append(s.leaving, l)
		s.mu.Unlock()
		return
	}
	if failed && l.failures+1 < unsubscribeTries && l.sub.mayHold(time.Now()) {
		l.failures++
		l.again = time.Now().Add(failedWait(retry, l.failures, wait))
		s.mu.Lock()
		s.leaving = append(s.leaving, l)
		s.mu.Unlock()
		s.nudge()
		return
	}
	s.sent(l.source, l.sub)
}

// hubGate is the semaphore of requests to hub; s.mu is held.
func (s *Subscriber) hubGate(hub string) chan struct{} {
	g, ok := s.gates[hub]
	if !ok {
		g = make(chan struct{}, hubRequests)
		s.gates[hub] = g
	}
	return g
}

// nudge wakes Run, if it sleeps, to look at every source again.
func (s *Subscriber) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// lookedFor records that source's feed (at url) gave no hub, for err, and
// returns how long until it is looked at again: noHubAgain when the feed
// was read and names none, else a backoff from a minute, doubling up to
// noHubAgain, as the fetch or the parse failed.
func (s *Subscriber) lookedFor(source, url string, err error) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.looked[source]
	if l.url != url {
		l = lookup{url: url}
	}
	wait := noHubAgain
	if !errors.Is(err, errNoHub) {
		wait = min(time.Minute<<min(l.failures, 16), noHubAgain)
		l.failures++
	}
	l.next = time.Now().Add(wait)
	if s.looked == nil {
		s.looked = map[string]lookup{}
	}
	s.looked[source] = l
	return wait
}

// errNoHub is discover's error for a feed that names no hub.
var errNoHub = errors.New("advertises no hub")

const (
	// noHubAgain is how long a source whose feed names no hub waits
	// before its feed is looked at for one again (polls go on as usual).
	noHubAgain = 6 * time.Hour
	// pendingRetry bounds how long a subscription waits for the hub's
	// verification of intent before it is asked for again; one whose
	// request failed waits twice as long after each failure in a row, up
	// to maxFailedWait.
	pendingRetry  = 5 * time.Minute
	maxFailedWait = 6 * time.Hour
	// unsubscribeTries is how many times an unsubscription its hub failed
	// is sent, the first included: with pendingRetry doubling, the last
	// some ten hours after the first.
	unsubscribeTries = 8
	// leaseFloor and leaseCeiling bound the lease a hub grants, as far as
	// renewing goes: a hub that grants a second is not asked again every
	// second, and one that grants a century does not overflow the time
	// of the renewal.
	leaseFloor   = time.Minute
	leaseCeiling = 365 * 24 * time.Hour
	// minWait is the shortest sleep of Run, against a loop that spins,
	// and the shortest time before a source it handled is handled again.
	minWait = time.Second
	// concurrentSources is how many sources Run finds the hubs of at
	// once; hubRequests, how many requests it makes of one hub at once.
	concurrentSources = 8
	hubRequests       = 2
	// maxReason is about how many runes of a hub's reason for a denial
	// are kept.
	maxReason = 200
	// maxReplaced is how many subscriptions under other callbacks one
	// waits to replace at most, and maxLeft how many topics left a
	// subscription answers the unsubscriptions of: the latest. A source
	// whose base_url or URL changed more often than that before its hub
	// answered is not worth more.
	maxReplaced = 4
	maxLeft     = 4
)

// Subscribe asks hub to push topic to newswire's callback for source. A
// request that fails is shown on the status pages until the next one.
func (s *Subscriber) Subscribe(ctx context.Context, source, hub, topic string) error {
	sub, asked, err := s.subscribe(ctx, source, hub, topic)
	if err != nil {
		s.mu.Lock()
		sub.failed = urlsafe.PublicText(err.Error())
		sub.failures++
		base := min(s.cfg.WebSub.Lease.D()/5, pendingRetry)
		sub.again = time.Now().Add(failedWait(base, sub.failures, asked))
		s.mu.Unlock()
	}
	if ctx.Err() == nil {
		// A request a reload or a stop cut short is not kept: the
		// store holds the subscription as it was before it.
		s.save(source)
	}
	return err
}

// failedWait is how long a subscription whose request failed for the nth
// time in a row waits before it is asked for again: what the hub's
// Retry-After asked (up to a day), else base doubling with each failure up
// to maxFailedWait, so that a hub that is down is not asked every few
// minutes for days.
func failedWait(base time.Duration, n int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, 24*time.Hour)
	}
	return min(base<<min(max(n-1, 0), 16), max(base, maxFailedWait))
}

// subscribe asks hub for the subscription; with an error, it returns too
// how long the hub's Retry-After asked to wait, if it did.
func (s *Subscriber) subscribe(ctx context.Context, source, hub, topic string) (*sourceSub, time.Duration, error) {
	src, _ := s.cfg.Source(source)
	next := &sourceSub{url: src.URL, hub: hub, topic: topic, asked: time.Now(),
		callback: s.callback(source), secret: s.cfg.WebSub.Secret, lease: s.cfg.WebSub.Lease.D()}
	s.mu.Lock()
	if old := s.subs[source]; old != nil {
		// The hub signs with the secret it last verified until it
		// verifies this one: the old one's, or what that one still
		// waited to replace.
		switch {
		case old.verified && old.secret != next.secret:
			next.prev = old.secret
		case !old.verified && old.prev != next.secret:
			next.prev = old.prev
		}
		next.left = old.left
		if old.recheck && (old.topic != topic || old.hub != hub) {
			next.left = slices.Concat(old.left, []string{old.topic}) // the feed moved
		}
		if old.failed != "" {
			next.failures = old.failures // failures in a row go on counting
		}
		if old.hub == hub && old.topic == topic && old.callback == next.callback {
			next.leaseEnds = old.leaseEnds // a renewal: the lease granted before runs on meanwhile
		}
		next.replaced = replacedBy(old, next)
		if old.topic == topic {
			next.answerUntil = old.answerUntil
		}
	}
	next.left = leftTopics(slices.Concat(next.left, s.leftBy[source]), topic) // and what a reload's new URL left
	delete(s.leftBy, source)
	s.subs[source] = next
	s.mu.Unlock()
	form := url.Values{
		"hub.mode":          {"subscribe"},
		"hub.topic":         {topic},
		"hub.callback":      {next.callback},
		"hub.lease_seconds": {strconv.Itoa(int(next.lease.Seconds()))},
		"hub.secret":        {next.secret},
	}
	// A topic is a source's URL, or what its feed calls itself: its
	// credentials stay out of the log, as the poller's do.
	shownTopic, shownHub := urlsafe.Redacted(topic), urlsafe.Redacted(hub)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, strings.NewReader(form.Encode()))
	if err != nil {
		return next, 0, fmt.Errorf("websub: subscribe %s at %s: %w", shownTopic, shownHub, withoutURL(err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.client.Do(req)
	if err != nil {
		return next, 0, fmt.Errorf("websub: subscribe %s at %s: %w", shownTopic, shownHub, withoutURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 3 {
		return next, 0, fmt.Errorf("websub: subscribe %s at %s: %s: a subscription is not sent on where a hub redirects", shownTopic, shownHub, resp.Status)
	}
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		var wait time.Duration
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			wait = fetch.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		return next, wait, fmt.Errorf("websub: subscribe %s at %s: %s: %s", shownTopic, shownHub, resp.Status, bytes.TrimSpace(msg))
	}
	s.mu.Lock()
	next.failures = 0
	s.mu.Unlock()
	return next, 0, nil
}

// leftTopics is topics without topic, the one subscribed to (again), and
// without repeats, the latest maxLeft, oldest first.
func leftTopics(topics []string, topic string) []string {
	var out []string
	for _, t := range slices.Backward(topics) {
		if len(out) < maxLeft && t != "" && t != topic && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Reverse(out)
	return out
}

// replacedBy is what next, asked for in old's place, replaces: old's hub
// and topic under another callback, while the hub may hold it, and what
// old replaced, but next itself.
func replacedBy(old, next *sourceSub) []sourceSub {
	now := next.asked
	var out []sourceSub
	for _, r := range old.replaced {
		if r.mayHold(now) && (r.hub != next.hub || r.topic != next.topic || r.callback != next.callback) {
			out = append(out, r)
		}
	}
	if old.hub == next.hub && old.topic == next.topic && old.callback != next.callback && old.mayHold(now) {
		out = append(out, sourceSub{hub: old.hub, topic: old.topic, callback: old.callback,
			verified: old.verified, failed: old.failed, leaseEnds: old.leaseEnds})
	}
	// A base_url changed again and again before the hub verified any
	// request is not worth more.
	return out[max(len(out)-maxReplaced, 0):]
}

// Advertised is told what a poll of source read in its feed: the URL the
// document gives as its own, and the hubs it names (poll's
// WatchAdvertised). A self at another address than the subscription's
// topic (the query aside: a newswire read by its cursor names the page),
// or hubs without the subscription's, say that the feed moved: another
// base_url, a permanent redirect. Its feed is then looked at again at once
// and subscribed to where it now says, and the old topic unsubscribed,
// rather than the hub pushing a topic nobody pings any more until the
// lease ends. The same advertisement is looked into once.
func (s *Subscriber) Advertised(source, self string, hubs []string) {
	key := self + " " + strings.Join(hubs, " ")
	s.mu.Lock()
	sub := s.subs[source]
	if sub == nil || sub.recheck || sub.seen == key {
		s.mu.Unlock()
		return
	}
	sub.seen = key
	moved := self != "" && withoutQuery(self) != withoutQuery(sub.topic) ||
		len(hubs) > 0 && !slices.Contains(hubs, sub.hub)
	sub.recheck = moved
	if moved {
		delete(s.handled, source) // looked at now, however recently handled
	}
	s.mu.Unlock()
	if moved {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// withoutQuery is u without its query and fragment.
func withoutQuery(u string) string {
	u, _, _ = strings.Cut(u, "#")
	u, _, _ = strings.Cut(u, "?")
	return u
}

// unsubscribe asks old's hub to stop pushing its topic to source's
// callback (WebSub 5.1). It reports whether the request failed in a way
// worth trying again (no answer, a 5xx, a 429), and how long the hub's
// Retry-After asked to wait; a hub that refuses it otherwise (a 4xx) is
// only logged: its lease ends anyway, and what it pushes meanwhile is
// taken, signed with the secret.
func (s *Subscriber) unsubscribe(ctx context.Context, source string, old sourceSub) (time.Duration, bool) {
	form := url.Values{
		"hub.mode":     {"unsubscribe"},
		"hub.topic":    {old.topic},
		"hub.callback": {old.callback},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, old.hub, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.client.Do(req)
	if err != nil {
		s.log.Warn("websub: unsubscribe", "source", source, "topic", urlsafe.Redacted(old.topic), "hub", urlsafe.Redacted(old.hub), "error", withoutURL(err))
		return 0, true
	}
	resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return 0, false
	}
	s.log.Warn("websub: unsubscribe", "source", source, "topic", urlsafe.Redacted(old.topic), "hub", urlsafe.Redacted(old.hub), "status", resp.Status)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return fetch.RetryAfter(resp.Header.Get("Retry-After"), time.Now()), true
	}
	return 0, false
}

// Unsubscribed is the callback while websub.subscribe is off: a hub that
// still pushes is told the subscription is gone, so that it ends it, and
// one that asks whether an unsubscription is wanted is told yes (WebSub
// 5.3, 7). It forgets the subscriptions state held, in the store too.
func Unsubscribed(state *Subscriptions, log *slog.Logger) http.Handler {
	state.mu.Lock()
	var held []string
	for id := range state.subs {
		held = append(held, id)
	}
	for _, l := range state.leaving {
		held = append(held, l.source)
	}
	state.subs, state.looked = map[string]*sourceSub{}, map[string]lookup{}
	state.mu.Unlock()
	state.forget(log, held)
	return http.HandlerFunc(notFollowed)
}

// notFollowed answers a hub about a source not followed (any more): one
// that asks whether we still want it is told no, and one that pushes is
// told the subscription is gone, so that it ends it (WebSub 5.3, 7).
func notFollowed(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Query().Get("hub.mode") == "unsubscribe":
		echoChallenge(w, r.URL.Query().Get("hub.challenge"))
	case r.Method == http.MethodPost:
		http.Error(w, "no such subscription", http.StatusGone)
	default:
		http.NotFound(w, r)
	}
}

// ServeHTTP is the callback: GET verifies intent, POST is a push. A
// verification or denial of a subscription must reach the callback it was
// asked for with, its key included. A push is checked by its signature
// instead, and an unsubscription's verification by its topic (leaves):
// those of subscriptions asked for under another callback (a build before
// callback keys, another base_url) are taken too, which the hub may still
// hold.
func (s *Subscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The path is unescaped once already, and a source id needs no
	// escaping (config): "%76ov" is no other name for vov.
	source, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, CallbackPath), "/")
	s.mu.Lock()
	sub := s.subs[source]
	s.mu.Unlock()
	if sub == nil {
		if src, ok := s.cfg.Source(source); ok && !src.Disabled && r.Method == http.MethodPost {
			// A source we follow, whose subscription this process has
			// not made yet (it has just started): the hub's push is
			// taken, checked with the secret, rather than told that
			// the subscription is gone.
			s.push(w, r, source, nil)
			return
		}
		notFollowed(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		switch q.Get("hub.mode") {
		case "subscribe":
			// A verification without its challenge (WebSub 5.3,
			// required) verifies nothing.
			if !atCallback(sub.callback, source, key) || q.Get("hub.topic") != sub.topic || q.Get("hub.challenge") == "" {
				http.NotFound(w, r)
				return
			}
			s.mu.Lock()
			pending := !sub.verified
			s.mu.Unlock()
			if !pending {
				// A hub that verifies again is answered, and nothing
				// moves.
				echoChallenge(w, q.Get("hub.challenge"))
				return
			}
			asked := cmp.Or(sub.lease, s.cfg.WebSub.Lease.D())
			granted := asked // when the hub says nothing
			if secs, err := strconv.ParseInt(q.Get("hub.lease_seconds"), 10, 64); err == nil && secs > 0 {
				granted = time.Duration(min(secs, int64(leaseCeiling/time.Second))) * time.Second
			}
			now := time.Now()
			s.mu.Lock()
			sub.verified, sub.prev = true, ""
			// Renewed four fifths into what was granted, and no later
			// than four fifths into what was asked: a hub that grants
			// more than it keeps (or one who learned the callback) does
			// not put the renewal past the lease asked for.
			sub.leaseEnds, sub.renewAt = now.Add(granted), now.Add(max(min(granted, asked)*4/5, s.leaseFloor))
			// The hub pushes to this callback now: those this one
			// replaced are ended.
			s.leaveHeld(source, sub.replaced, now)
			sub.replaced = nil
			s.mu.Unlock()
			s.save(source)
			select {
			case s.wake <- struct{}{}: // Run may sleep past the new renewal time
			default:
			}
			echoChallenge(w, q.Get("hub.challenge"))
		case "denied":
			// The hub will not push: the subscription is off, and asked
			// for again after a while, as one never verified is. It must
			// reach the callback, its key included, and name the topic;
			// what one sent by another than the hub would cost is a
			// subscription asked for again. It is taken only while a
			// request of ours stands at the hub (pending, or verified):
			// not for one that never reached it, and not again once
			// denied, so that denials sent one after another neither put
			// off the next request nor rewrite the reason. The reason is
			// the hub's words, shown on /status: one line, without
			// controls, cut.
			if !atCallback(sub.callback, source, key) || q.Get("hub.topic") != sub.topic {
				http.NotFound(w, r)
				return
			}
			reason := cmp.Or(sanitize.Line(q.Get("hub.reason"), maxReason), "no reason given")
			s.mu.Lock()
			taken := sub.denied == "" && (sub.verified || sub.failed == "")
			if taken {
				sub.verified, sub.asked, sub.denied = false, time.Now(), reason
			}
			s.mu.Unlock()
			if taken {
				s.log.Warn("websub: subscription denied", "source", source, "reason", reason)
				s.save(source)
			}
			w.WriteHeader(http.StatusOK)
		case "unsubscribe":
			s.mu.Lock()
			ours := s.leaves(source, sub, q.Get("hub.topic"), time.Now())
			s.mu.Unlock()
			if !ours || q.Get("hub.challenge") == "" {
				http.NotFound(w, r)
				return
			}
			echoChallenge(w, q.Get("hub.challenge"))
		default:
			http.NotFound(w, r)
		}
	case http.MethodPost:
		s.push(w, r, source, sub)
	default:
		http.Error(w, "GET or POST", http.StatusMethodNotAllowed)
	}
}

// leaves reports whether an unsubscription of topic, which a hub verifies
// at source's callback, is one source asked for (sub its subscription): of
// a topic it left (another URL, a moved feed), or of its own topic at a hub
// or under a callback it left (a moved hub, another base_url) while that
// unsubscription is to be sent or was just sent (answerUntil). The
// verification names the topic, not the callback, and the callbacks of
// either base_url may reach this one handler: for the topic still
// followed it is answered only then, as anyone can ask a hub to end a
// subscription, which the hub does once the subscriber confirms. s.mu is
// held.
func (s *Subscriptions) leaves(source string, sub *sourceSub, topic string, now time.Time) bool {
	if topic != sub.topic && slices.Contains(sub.left, topic) {
		return true
	}
	if topic == sub.topic && now.Before(sub.answerUntil) {
		return true
	}
	return slices.ContainsFunc(s.unsent[source], func(u sourceSub) bool {
		return u.topic == topic && (u.topic != sub.topic || u.hub != sub.hub || u.callback != sub.callback)
	})
}

// shouldWarn reports whether an ignored push of source is to be logged:
// one a warnEvery, with how many went unlogged since the last line.
func (s *Subscriber) shouldWarn(source string) (bool, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.warned == nil {
		s.warned = map[string]warning{}
	}
	w := s.warned[source]
	if now := time.Now(); now.Sub(w.at) >= warnEvery {
		s.warned[source] = warning{at: now}
		return true, w.unsaid
	}
	w.unsaid++
	s.warned[source] = w
	return false, 0
}

// push takes a hub's push for source: signed with the secret, or with the
// one the hub held before sub was asked for, it has the source polled.
//
// Anyone can post to a callback, so a push costs little memory whatever its
// size: one without a signature newswire can check is answered before its
// body is read, and the body of the others goes through the HMACs as it
// arrives, never held (newswire polls the source rather than read the body).
func (s *Subscriber) push(w http.ResponseWriter, r *http.Request, source string, sub *sourceSub) {
	// A bad signature still gets a 2xx (section 8): the hub must not
	// learn which secrets fail. The push is ignored. The hub may still
	// sign with the secret it verified before a reload changed it.
	secrets := []string{s.cfg.WebSub.Secret}
	if sub != nil {
		s.mu.Lock()
		for _, other := range [2]string{sub.secret, sub.prev} {
			if other != "" && !slices.Contains(secrets, other) {
				secrets = append(secrets, other)
			}
		}
		s.mu.Unlock()
	}
	method, want, err := parseSignature(r.Header.Get("X-Hub-Signature"))
	if err == nil {
		macs := make([]io.Writer, len(secrets))
		for i, secret := range secrets {
			macs[i] = hmac.New(method, []byte(secret))
		}
		_, readErr := io.Copy(io.MultiWriter(macs...), http.MaxBytesReader(w, r.Body, maxBody))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(readErr, &tooLarge):
			http.Error(w, fmt.Sprintf("body too large (over %d bytes)", tooLarge.Limit), http.StatusRequestEntityTooLarge)
			return
		case readErr != nil:
			// Cut off (the server's limit on a body's time) or broken.
			http.Error(w, "reading the body: "+readErr.Error(), http.StatusBadRequest)
			return
		}
		if !slices.ContainsFunc(macs, func(m io.Writer) bool { return hmac.Equal(m.(hash.Hash).Sum(nil), want) }) {
			err = errBadSignature
		}
	}
	if sub != nil {
		s.mu.Lock()
		if err != nil {
			sub.ignored++
		} else {
			sub.pushes++
			sub.lastPush = time.Now()
		}
		s.mu.Unlock()
	}
	w.WriteHeader(http.StatusAccepted)
	if err != nil {
		if say, unsaid := s.shouldWarn(source); say {
			s.log.Warn("websub: push ignored", "source", source, "error", err, "ignored_unlogged", unsaid)
		}
		return
	}
	go s.onPush(source)
}

// parseSignature reads "X-Hub-Signature: method=hexdigest": the hash of
// the method, and the digest.
func parseSignature(header string) (func() hash.Hash, []byte, error) {
	method, digest, ok := strings.Cut(header, "=")
	if !ok {
		return nil, nil, fmt.Errorf("%w: missing or malformed header %q", errBadSignature, header)
	}
	var h func() hash.Hash
	switch method {
	case "sha1":
		h = sha1.New
	case "sha256":
		h = sha256.New
	case "sha384":
		h = sha512.New384
	case "sha512":
		h = sha512.New
	default:
		return nil, nil, fmt.Errorf("%w: unknown method %q", errBadSignature, method)
	}
	want, err := hex.DecodeString(digest)
	if err != nil || len(want) != h().Size() {
		return nil, nil, fmt.Errorf("%w: digest is not %s in hex", errBadSignature, method)
	}
	return h, want, nil
}

// discover finds the hub and self URL a feed advertises: in its Link
// headers, else in the document (atom:link rel="hub", JSON Feed hubs).
func discover(ctx context.Context, client *http.Client, feedURL string) (hub, topic string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, feedURL, nil)
	if err != nil {
		return "", "", fmt.Errorf("websub: GET %s: %w", urlsafe.Redacted(feedURL), withoutURL(err))
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("websub: GET %s: %w", urlsafe.Redacted(feedURL), withoutURL(err))
	}
	defer resp.Body.Close()
	// The Link headers' URLs are relative to the document's, where the
	// redirects, if any, led (RFC 8288).
	for _, l := range linkHeaders(resp.Header.Values("Link")) {
		target, err := resp.Request.URL.Parse(l.target)
		if err != nil || target.Scheme != "http" && target.Scheme != "https" {
			continue
		}
		if slices.Contains(l.rels, "hub") && hub == "" {
			hub = target.String()
		}
		if slices.Contains(l.rels, "self") && topic == "" {
			topic = target.String()
		}
	}
	if hub == "" || topic == "" {
		// The topic is the URL the feed gives as its own, which the hub
		// knows it by (WebSub 5.1), from the document when the headers
		// do not say.
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		if err != nil {
			return "", "", err
		}
		f, err := feeds.Parse(body, feeds.ParseOptions{FeedURL: feedURL, ContentType: resp.Header.Get("Content-Type")})
		if err != nil {
			return "", "", err
		}
		if hub == "" && len(f.Hubs) > 0 {
			hub = f.Hubs[0]
		}
		if topic == "" {
			topic = f.Self
		}
	}
	if hub == "" {
		return "", "", fmt.Errorf("websub: %s %w", urlsafe.Redacted(feedURL), errNoHub)
	}
	if topic != "" && resp.Header.Get(feeds.CursorHeader) != "" {
		topic = plainFeed(topic)
	}
	// A feed that does not name itself is known to the hub by its
	// public URL: its credentials go to its own host alone.
	return hub, cmp.Or(topic, urlsafe.Public(feedURL)), nil
}

// link is one link of a Link header: its target as written, and its
// relation types, in lower case.
type link struct {
	target string
	rels   []string
}

// linkHeaders reads the links of Link header values (RFC 8288): a
// "<target>" and its parameters, links apart by commas outside the target
// and quoted strings. A rel parameter holds one or more relation types,
// which are not told apart by case.
func linkHeaders(values []string) []link {
	var links []link
	for _, v := range values {
		for {
			open := strings.IndexByte(v, '<')
			if open < 0 {
				break
			}
			end := strings.IndexByte(v[open:], '>')
			if end < 0 {
				break
			}
			l := link{target: strings.TrimSpace(v[open+1 : open+end])}
			v = v[open+end+1:]
			// The parameters run to the first comma outside quotes.
			params, quoted := len(v), false
			for i := 0; i < len(v); i++ {
				switch c := v[i]; {
				case c == '\\' && quoted:
					i++
				case c == '"':
					quoted = !quoted
				case c == ',' && !quoted:
					params = i
				}
				if params == i {
					break
				}
			}
			for param := range strings.SplitSeq(v[:params], ";") {
				name, value, ok := strings.Cut(param, "=")
				if ok && strings.EqualFold(strings.TrimSpace(name), "rel") {
					value = strings.Trim(strings.TrimSpace(value), `"`)
					l.rels = append(l.rels, strings.Fields(strings.ToLower(value))...)
				}
			}
			links = append(links, l)
			v = v[min(params+1, len(v)):]
		}
	}
	return links
}

// plainFeed is the feed at topic, a newswire's, without the query that
// picks a page of it (limit, cursor, since): the URL its hub is pinged
// with. A newswire before this one named the page it was read as in
// rel="self", a topic nothing is pushed for.
func plainFeed(topic string) string {
	u, err := url.Parse(topic)
	if err != nil || u.RawQuery == "" {
		return topic
	}
	q := u.Query()
	for _, k := range []string{"limit", "cursor", "since"} {
		q.Del(k)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// withoutURL is err without the URL net/http puts in it (a *url.Error),
// which masks a password but not a token in the query: the caller names
// the URL itself, redacted.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// echoChallenge answers a hub's verification of intent with its challenge
// (WebSub 5.3), which anyone can send: as plain text a browser must not
// take for HTML.
func echoChallenge(w http.ResponseWriter, challenge string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.WriteString(w, challenge)
}
