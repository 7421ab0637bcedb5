package poll

import (
	"net/url"
	"strconv"

	"newswire/internal/notice"
	"newswire/store"
)

// A newswire instance is a source for another (district → province →
// national). Every feed response of one carries the cursor of its change log
// (X-Newswire-Cursor); the poller holds it in the source's state and asks
// from then on for what changed after it (?since=), page after page, so that
// a burst of stories larger than a feed's limit between two polls loses
// none of them.

// sincePages bounds the pages of changes one poll reads; a source with more
// waiting is polled again soon (reasonCatchUp).
const sincePages = 20

// sinceMaxLimit is the most stories a newswire feed gives in one document,
// whatever limit is asked.
const sinceMaxLimit = 500

// request is one request of a poll.
type request struct {
	url string
	// cursor is the since cursor asked after; empty for a plain request.
	cursor string
	// limit is how many stories a page of changes holds at most; a page
	// that holds as many may have more after it. Zero when unknown.
	limit int
}

// sinceRequest is the request for the changes after cursor of the newswire
// feed at raw (the source's URL): raw with since=cursor in place of any
// since or cursor it has, its other parameters (token, limit) kept, and a
// limit of at most maxItems (poll.max_items): of a larger page only the
// newest items would be read, and the cursor would move past the others.
func sinceRequest(raw, cursor string, maxItems int) (request, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return request{}, false
	}
	q := u.Query()
	limit := min(maxItems, sinceMaxLimit)
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, limit)
	}
	q.Del("cursor")
	q.Set("since", cursor)
	q.Set("limit", strconv.Itoa(limit))
	u.RawQuery = q.Encode()
	return request{url: u.String(), cursor: cursor, limit: limit}, true
}

// configuredSince is the since cursor written in raw, if any, and the
// limit written with it (zero when none).
func configuredSince(raw string) (cursor string, limit int) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0
	}
	q := u.Query()
	limit, _ = strconv.Atoi(q.Get("limit"))
	return q.Get("since"), max(limit, 0)
}

// withoutSince is raw without its since parameter: the plain feed.
func withoutSince(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	if !q.Has("since") {
		return raw
	}
	q.Del("since")
	u.RawQuery = q.Encode()
	return u.String()
}

// asConfigured is moved, where a request for changes was redirected for
// good, with the parameters a poll sets (since, limit, cursor) as raw, the
// source's URL, has them: the address to poll from then on.
func asConfigured(moved, raw string) string {
	m, err := url.Parse(moved)
	if err != nil {
		return moved
	}
	r, err := url.Parse(raw)
	if err != nil {
		return moved
	}
	mq, rq := m.Query(), r.Query()
	for _, k := range []string{"since", "limit", "cursor"} {
		if rq.Has(k) {
			mq[k] = rq[k]
		} else {
			mq.Del(k)
		}
	}
	m.RawQuery = mq.Encode()
	return m.String()
}

// sameFeed reports whether a and b, a source's URL before and after a
// config change, name the same newswire feed read the same way: they
// differ at most in the limit and the partner's token. A cursor held
// under a holds under b; under any other change (another host, category,
// or a since the admin wrote) it is dropped.
func sameFeed(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil {
		return false
	}
	qa, qb := ua.Query(), ub.Query()
	for _, k := range []string{"limit", "token"} {
		qa.Del(k)
		qb.Del(k)
	}
	ua.RawQuery, ub.RawQuery = qa.Encode(), qb.Encode()
	return ua.String() == ub.String()
}

// smaller is req asking for half as many changes: a page of changes over
// poll.max_body_bytes (long stories, many of them) is asked again smaller,
// down to one story, rather than fail the same way at every poll.
func smaller(req request) (request, bool) {
	if req.cursor == "" || req.limit <= 1 {
		return req, false
	}
	u, err := url.Parse(req.url)
	if err != nil {
		return req, false
	}
	q := u.Query()
	req.limit /= 2
	q.Set("limit", strconv.Itoa(req.limit))
	u.RawQuery = q.Encode()
	req.url = u.String()
	return req, true
}

// unreadTries is how many times a page of changes with items that cannot be
// read is read before the poller follows the source past them.
const unreadTries = 3

// holdUnread decides where a source followed by its cursor is followed from
// after a page of changes, asked after cursor asked, that gave cursor next
// and had unread items it could not read (and read items it could): a page
// with unread items is held, asked again at the next polls while they may
// be a fault of the moment (a proxy that cut the page, a source's bug fixed
// since), and followed past only at its unreadTries-th reading, so that
// a page no reading mends does not stop the source for good. It returns
// the cursor to follow from and the warning to give, if any.
func holdUnread(st *store.SourceState, asked, next string, unread, read int) (string, []notice.Notice) {
	if unread == 0 {
		st.UnreadCursor, st.UnreadTries = "", 0
		return next, nil
	}
	if st.UnreadCursor != asked {
		st.UnreadCursor, st.UnreadTries = asked, 0
	}
	st.UnreadTries++
	if st.UnreadTries < unreadTries {
		return asked, []notice.Notice{notice.New(notice.UnreadHeld, unread, read, st.UnreadTries, unreadTries)}
	}
	st.UnreadCursor, st.UnreadTries = "", 0
	return next, []notice.Notice{notice.New(notice.UnreadSkipped, unread, unreadTries, read)}
}
