package server

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"newswire/feeds"
	"newswire/store"
)

const (
	headerCursor = feeds.CursorHeader
	maxLimit     = 500
)

// format is one of the three feed formats.
type format struct {
	ext         string
	contentType string
	render      func(r feeds.Renderer, buf *bytes.Buffer, ch feeds.Channel, stories []feeds.Story) error
}

var (
	formatRSS = format{"rss", feeds.ContentTypeRSS, func(r feeds.Renderer, b *bytes.Buffer, ch feeds.Channel, s []feeds.Story) error {
		return r.RSS(b, ch, s)
	}}
	formatAtom = format{"atom", feeds.ContentTypeAtom, func(r feeds.Renderer, b *bytes.Buffer, ch feeds.Channel, s []feeds.Story) error {
		return r.Atom(b, ch, s)
	}}
	formatJSON = format{"json", feeds.ContentTypeJSON, func(r feeds.Renderer, b *bytes.Buffer, ch feeds.Channel, s []feeds.Story) error {
		return r.JSON(b, ch, s)
	}}
)

// formatOf is the format of a file extension.
func formatOf(ext string) (format, bool) {
	switch ext {
	case "rss":
		return formatRSS, true
	case "atom":
		return formatAtom, true
	case "json":
		return formatJSON, true
	}
	return format{}, false
}

// feedCategory is what the feed handler needs of a category, looked up once.
type feedCategory struct {
	id, title, description string
	private                bool   // partners only
	language               string // the feed's: its stories' when the category takes one language
}

// feedLanguage is the language a category's feed declares (RSS
// <language>, Atom xml:lang, JSON Feed language): the one language its
// config takes stories in (languages: [en]), none for a category of
// several (languages: [hmn, zh]), else Vietnamese, the newsroom's. Each
// story in another declares its own, and one whose language is not known
// declares that ("und").
func (s *Server) feedLanguage(id string) string {
	if c, ok := s.cfg.Category(id); ok && len(c.Languages) > 0 {
		if len(c.Languages) == 1 {
			return c.Languages[0]
		}
		return ""
	}
	return "vi"
}

// feedCategories indexes the categories that have feeds, "all" included.
func (s *Server) feedCategories() map[string]feedCategory {
	m := map[string]feedCategory{}
	for _, c := range append([]string{store.AllCategory}, categoryIDs(s.cfg.Categories)...) {
		title, desc := s.categoryTitle(c)
		m[c] = feedCategory{id: c, title: title, description: desc, private: s.cfg.PartnersOnly(c), language: s.feedLanguage(c)}
	}
	return m
}

// withheldCategories are the categories the store records as served
// partners-only (store.Store.PrivateCategories) that the config has no
// more. Removing a partners-only category does not publish its stories.
func (s *Server) withheldCategories() map[string]bool {
	if s.st == nil {
		return nil
	}
	ids, err := s.st.PrivateCategories()
	if err != nil {
		// Withhold nothing rather than refuse to serve; the daemon's
		// start reads the same record and logs its error.
		return nil
	}
	var m map[string]bool
	for _, id := range ids {
		if _, ok := s.cfg.Category(id); ok {
			continue
		}
		if m == nil {
			m = map[string]bool{}
		}
		m[id] = true
	}
	return m
}

// private reports whether a story in category c is partners' only: c is a
// partners-only category, or one withheld.
func (s *Server) private(c string) bool { return s.feedCats[c].private || s.withheld[c] }

// feedQuery is a feed request's query, validated. Parameters newswire
// does not know are not part of it.
type feedQuery struct {
	limit                int
	cursor, since, token string
	limitGiven           bool
	// archive is an RFC 5005 archive document: number N, or N-U for
	// its stories up to id U (archiveQuery).
	archive     string
	arch, uptoN uint64
}

// key identifies the rendering of file under q in the cache: its query in
// one canonical form (query), which the document names as its own URL
// (rel="self"). A query as sent would make a rendering, and a cache entry,
// of every junk parameter, order and spelling of a number a client cares
// to send.
func (q feedQuery) key(file string) string { return file + q.query() }

// query is q written as a URL query, for the links a document gives to
// other pages. A ?token= stays in them, for readers that cannot send
// headers; such documents are cached per token, as their key says.
func (q feedQuery) query() string {
	if !q.limitGiven && q.cursor == "" && q.since == "" && q.token == "" && q.archive == "" {
		return "" // the common request, with no allocation
	}
	var b strings.Builder
	add := func(name, value string) {
		if b.Len() == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(value))
	}
	// In the order url.Values.Encode gives them.
	if q.archive != "" {
		add("archive", q.archive)
	}
	if q.cursor != "" {
		add("cursor", q.cursor)
	}
	if q.limitGiven {
		add("limit", strconv.Itoa(q.limit))
	}
	if q.since != "" {
		add("since", q.since)
	}
	if q.token != "" {
		add("token", q.token)
	}
	return b.String()
}

func (s *Server) parseFeedQuery(r *http.Request) (feedQuery, error) {
	q := feedQuery{limit: s.cfg.ItemsPerFeed}
	if r.URL.RawQuery == "" {
		return q, nil
	}
	v := r.URL.Query()
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return q, fmt.Errorf("limit: %q is not a positive whole number", l)
		}
		// At most maxLimit, or items_per_feed when the admin set more:
		// asking for as many as a plain request gets never gives fewer.
		q.limit, q.limitGiven = min(n, max(maxLimit, s.cfg.ItemsPerFeed)), true
	}
	q.cursor, q.since, q.token = v.Get("cursor"), v.Get("since"), v.Get("token")
	if q.cursor != "" && q.since != "" {
		return q, errors.New("cursor and since: give one, not both (cursor pages back in time, since follows changes)")
	}
	if a := v.Get("archive"); a != "" {
		if q.cursor != "" || q.since != "" || q.limitGiven {
			return q, errors.New("archive: an archive document is a fixed set of stories, which limit, cursor and since do not apply to")
		}
		n, upto, err := parseArchive(a)
		if err != nil {
			return q, err
		}
		q.archive, q.arch, q.uptoN = archiveQuery(n, upto), n, upto
	}
	return q, nil
}

// parseArchive reads an archive parameter: N, or N-U.
func parseArchive(a string) (n, upto uint64, err error) {
	ns, us, snapshot := strings.Cut(a, "-")
	n, err = strconv.ParseUint(ns, 10, 64)
	if err == nil && snapshot {
		upto, err = strconv.ParseUint(us, 10, 64)
		if err == nil && upto == 0 {
			err = strconv.ErrRange
		}
	}
	if err != nil {
		return 0, 0, badRequest{fmt.Sprintf("archive: %q is not an archive this server links to (a number, or two joined by -)", a)}
	}
	return n, upto, nil
}

// archiveQuery is the canonical archive parameter.
func archiveQuery(n, upto uint64) string {
	if upto == 0 {
		return strconv.FormatUint(n, 10)
	}
	return strconv.FormatUint(n, 10) + "-" + strconv.FormatUint(upto, 10)
}

// route sends feed requests, the bulk of the traffic, straight to
// handleFeed, and everything else through the mux: matching a pattern costs
// more than the rest of serving a cached feed.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if file, ok := feedFile(r); ok {
		s.serveFeed(w, r, file)
		return
	}
	s.setBodyDeadline(w, r)
	s.setWriteDeadline(w)
	s.mux.ServeHTTP(w, r)
}

// feedFile is the {file} of a GET or HEAD of /feeds/{file} whose path the
// mux would take as it is (clean, unescaped, one segment).
func feedFile(r *http.Request) (string, bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead || r.URL.RawPath != "" {
		return "", false
	}
	file, ok := strings.CutPrefix(r.URL.Path, "/feeds/")
	if !ok || file == "" || file == "." || file == ".." || strings.Contains(file, "/") {
		return "", false
	}
	return file, true
}

func (s *Server) handleFeed(w http.ResponseWriter, r *http.Request) {
	s.serveFeed(w, r, r.PathValue("file"))
}

// serveFeed serves /feeds/file.
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request, file string) {
	// A body nobody reads is still read to its end before the connection
	// is used again.
	s.setBodyDeadline(w, r)
	name, ext, _ := strings.Cut(file, ".")
	f, known := formatOf(ext)
	cat, ok := s.feedCats[name]
	if !known || !ok {
		status := http.StatusNotFound
		s.countFeed(ext, status)
		if known {
			http.Error(w, fmt.Sprintf("unknown category %q", name), status)
			return
		}
		http.Error(w, fmt.Sprintf("no such feed: %q (use /feeds/CATEGORY.rss, .atom or .json)", file), status)
		return
	}
	partner := s.partners.authenticate(r)
	if cat.private && partner == nil {
		s.countFeed(ext, http.StatusUnauthorized)
		challenge, msg := `Bearer realm="newswire partners"`, "a partner token is required"
		if bearerToken(r) != "" || r.URL.Query().Has("token") {
			// RFC 6750, 3.1: a token was sent, and it is not one (a
			// typing error, or one the newsroom replaced).
			challenge += `, error="invalid_token"`
			msg = "the partner token sent is not valid (mistyped, or replaced by the newsroom): ask it for the current one"
		}
		w.Header().Set("WWW-Authenticate", challenge)
		http.Error(w, msg, http.StatusUnauthorized)
		return
	}
	if s.limiter != nil {
		client := clientIP(r)
		if partner != nil {
			client = "partner:" + partner.name
		}
		if wait, ok := s.limiter.allow(client, time.Now()); !ok {
			s.countFeed(ext, http.StatusTooManyRequests)
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			http.Error(w, "too many requests", http.StatusTooManyRequests)
			return
		}
	}
	q, err := s.parseFeedQuery(r)
	if err != nil {
		s.countFeed(ext, http.StatusBadRequest)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if partner != nil && cat.private {
		// A pull is of the partners' feeds: a partner's token on a
		// public feed is a reader's request.
		partner.pulled(time.Now())
	}
	if !cat.private {
		// A public feed needs no token, and one copied into its links
		// (rel="self", "next") would put a partner's secret in a
		// document that shared caches keep (Cache-Control: public).
		q.token = ""
	}

	version := s.version()
	key := q.key(file)
	ent, ok := s.cache.get(key, version)
	if ok {
		if !ent.due.IsZero() {
			// The clock is read only then: it costs the busiest path,
			// a 304 from the cache, a share of what newswire adds to it.
			ent = s.cache.settle(key, version, ent, s.now())
		}
	} else {
		ent, err = s.renderFeed(cat, f, q)
		var bad badRequest
		if errors.As(err, &bad) {
			s.countFeed(ext, http.StatusBadRequest)
			http.Error(w, bad.msg, http.StatusBadRequest)
			return
		}
		var none notFound
		if errors.As(err, &none) {
			s.countFeed(ext, http.StatusNotFound)
			http.Error(w, none.msg, http.StatusNotFound)
			return
		}
		if err != nil {
			s.countFeed(ext, http.StatusInternalServerError)
			s.log.Error("serving feed", "feed", file, "error", err)
			http.Error(w, "cannot read or render the feed", http.StatusInternalServerError)
			return
		}
		s.cache.stamp(key, ent, s.now())
		s.cache.put(key, version, ent)
	}
	s.countFeed(ext, s.serveCached(w, r, ent))
}

// emptyFeedUpdated dates a feed with no story: Atom requires a date, RSS
// readers show one, and Last-Modified is sent with every feed. It is a
// constant, so that an empty feed's bytes, ETag and Last-Modified are the
// same across restarts, reloads, a store restored from a backup and every
// instance behind one proxy; a date taken from the clock (the daemon's
// start) changed them all at each. The feed validator takes it (a date
// from 1970 to tomorrow), and readers date stories by their own dates, not
// the channel's. A feed emptied while the daemon runs is dated when it
// changed instead (cache.stamp).
var emptyFeedUpdated = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// badRequest is an error in the request, told to the client as is.
type badRequest struct{ msg string }

func (b badRequest) Error() string { return b.msg }

// archive reads archive q.archive of cat, and fills in ch and the Link
// header fields in extra as its document's.
func (s *Server) archive(cat feedCategory, q feedQuery, feedPath string, ch *feeds.Channel, extra http.Header) ([]feeds.Story, error) {
	page, err := s.st.Archive(cat.id, q.arch, q.uptoN)
	if errors.Is(err, store.ErrNoArchive) {
		return nil, notFound{fmt.Sprintf("archive: %s is not an archive of this feed yet (its links name every one there is)", q.archive)}
	}
	if err != nil {
		return nil, err
	}
	stories := page.Stories
	if keep := s.publicFilter(cat); keep != nil {
		stories = slices.DeleteFunc(stories, func(st feeds.Story) bool { return !keep(&st) })
	}
	ch.HubURL = ""
	if page.Prev < 0 && page.Next < 0 {
		// Every story of the feed: a complete document (RFC 5005, 2),
		// which links no archive.
		ch.Complete = true
		return stories, nil
	}
	link := func(rel string, q feedQuery) string { return addLink(extra, feedPath+q.query(), rel) }
	ch.Archive = true
	ch.CurrentURL = link("current", feedQuery{token: q.token})
	if page.Prev >= 0 {
		ch.PrevArchiveURL = link("prev-archive", feedQuery{archive: archiveQuery(uint64(page.Prev), 0), token: q.token})
	}
	if page.Next >= 0 {
		// After a snapshot, the rest of its own archive.
		ch.NextArchiveURL = link("next-archive", feedQuery{archive: archiveQuery(uint64(page.Next), 0), token: q.token})
	}
	return stories, nil
}

// addLink adds a Link header field for target with rel to h, and returns
// target.
func addLink(h http.Header, target, rel string) string {
	h["Link"] = append(h["Link"], "<"+target+`>; rel="`+rel+`"`)
	return target
}

// notFound is a request for a document there is not, told to the client as
// is.
type notFound struct{ msg string }

func (n notFound) Error() string { return n.msg }

// renderFeed reads and renders one feed document.
func (s *Server) renderFeed(cat feedCategory, f format, q feedQuery) (*entry, error) {
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	feedPath := base + "/feeds/" + cat.id + "." + f.ext
	ch := feeds.Channel{
		ID:          feeds.FeedID(s.authority, cat.id),
		Title:       cat.title,
		Description: cat.description,
		Link:        base + "/c/" + cat.id,
		SelfURL:     feedPath + q.query(),
		Language:    cat.language,
		HubURL:      s.cfg.WebSub.Hub,
	}
	if cat.id == store.AllCategory || cat.private {
		// A partners-only category has no page of its own.
		ch.Link = base + "/"
	}
	extra := http.Header{}
	switch {
	case cat.private:
		// The hub is never pinged for it, and could not read it.
		ch.HubURL = ""
	case ch.HubURL != "":
		// The hub is pinged with the plain feed's URL alone: that is the
		// topic (WebSub 4: the Link headers, which subscribers read
		// first, name it for every document of the feed). A document
		// with a query (limit, cursor, since) names itself in its body
		// (rel="self"), as Atom and paging want, and advertises no hub
		// there: a subscriber reading only the body would subscribe to
		// a topic nothing is ever pushed for.
		extra["Link"] = []string{"<" + ch.HubURL + `>; rel="hub"`, "<" + feedPath + `>; rel="self"`}
		if ch.SelfURL != feedPath {
			ch.HubURL = ""
		}
	}
	var stories []feeds.Story
	if q.archive != "" {
		var err error
		if stories, err = s.archive(cat, q, feedPath, &ch, extra); err != nil {
			return nil, err
		}
	} else if q.since != "" {
		page, err := s.st.Changes(cat.id, q.limit, q.since, s.publicFilter(cat))
		if errors.Is(err, store.ErrBadCursor) {
			return nil, badRequest{fmt.Sprintf("since: %q is not a cursor this server gave out; start again from a plain feed request's %s header", q.since, headerCursor)}
		}
		if err != nil {
			return nil, err
		}
		stories = page.Stories
		ch.Cursor = page.Next
		extra[headerCursor] = []string{page.Next}
		if page.Next != q.since {
			// A page with no change links none: the next would be this
			// one, and a client following next links would loop on it.
			next := feedQuery{limit: q.limit, limitGiven: q.limitGiven, since: page.Next, token: q.token}
			ch.NextURL = feedPath + next.query()
			addLink(extra, ch.NextURL, "next")
		}
	} else {
		// The head is read before the page, so a story stored in between
		// comes again with since rather than never.
		head, err := s.st.Head()
		if err != nil {
			return nil, err
		}
		page, err := s.latest(cat, q.limit, q.cursor)
		if errors.Is(err, store.ErrBadCursor) {
			return nil, badRequest{fmt.Sprintf("cursor: %q is not a cursor this server gave out", q.cursor)}
		}
		if err != nil {
			return nil, err
		}
		stories = page.Stories
		if page.Next != "" {
			next := feedQuery{limit: q.limit, limitGiven: true, cursor: page.Next, token: q.token}
			ch.NextURL = feedPath + next.query()
			addLink(extra, ch.NextURL, "next")
		}
		// The newest archive, with the older ones behind it, holds every
		// story this page has not (RFC 5005, 4): until it is full, as a
		// snapshot up to the category's newest story, so that its URL
		// names one set of stories.
		if q.cursor == "" && page.Next != "" {
			// (A page that holds every story of the feed needs none.)
			newest, ok, err := s.st.NewestArchive(cat.id)
			if err != nil {
				return nil, err
			}
			if ok {
				upto := newest.Top
				if newest.Full {
					upto = 0
				}
				a := feedQuery{archive: archiveQuery(newest.N, upto), token: q.token}
				ch.PrevArchiveURL = addLink(extra, feedPath+a.query(), "prev-archive")
			}
		}
		// The cursor goes in the header alone, not in the document: in
		// the body it would change every feed's bytes and ETag at every
		// story stored anywhere, and readers would fetch it all again.
		extra[headerCursor] = []string{head}
	}
	if !cat.private && s.anyPrivate {
		stories = s.withoutPrivateCategories(stories)
	}
	ch.Updated = newest(stories)
	if ch.Updated.IsZero() {
		ch.Updated = emptyFeedUpdated
	}
	var buf bytes.Buffer
	if err := f.render(s.renderer(), &buf, ch, stories); err != nil {
		return nil, err
	}
	return newEntry(buf.Bytes(), f.contentType, ch.Updated, s.cfg.CacheMaxAge.D(), cat.private, extra), nil
}

// withoutPrivateCategories is stories as a public feed gives them: without
// the partners-only categories they are in too, whose ids and routing
// are the partners' business. stories are not changed.
func (s *Server) withoutPrivateCategories(stories []feeds.Story) []feeds.Story {
	out, copied := stories, false
	for i, st := range stories {
		if !slices.ContainsFunc(st.Categories, s.private) {
			continue
		}
		if !copied {
			out, copied = slices.Clone(stories), true
		}
		out[i].Categories = slices.DeleteFunc(slices.Clone(st.Categories), s.private)
	}
	return out
}

// publicFilter keeps, in the feed of every category, only the stories that
// belong to at least one public category: the others are partners' only.
// Other feeds need no filter. nil means keep everything.
func (s *Server) publicFilter(cat feedCategory) func(*feeds.Story) bool {
	if cat.id != store.AllCategory || !s.anyPrivate {
		return nil
	}
	return func(st *feeds.Story) bool {
		return slices.ContainsFunc(st.Categories, func(c string) bool { return !s.private(c) })
	}
}

// latest is store.Latest with the public filter: it reads on until the page
// is full, and hands out a cursor just after the last story it kept.
func (s *Server) latest(cat feedCategory, limit int, cursor string) (store.Page, error) {
	keep := s.publicFilter(cat)
	if keep == nil {
		return s.st.Latest(cat.id, limit, cursor)
	}
	var out store.Page
	for {
		page, err := s.st.Latest(cat.id, limit, cursor)
		if err != nil {
			return store.Page{}, err
		}
		for i := range page.Stories {
			if !keep(&page.Stories[i]) {
				continue
			}
			out.Stories = append(out.Stories, page.Stories[i])
			if len(out.Stories) == limit {
				if i < len(page.Stories)-1 || page.Next != "" {
					out.Next = store.CursorAfter(page.Stories[i])
				}
				return out, nil
			}
		}
		if page.Next == "" {
			return out, nil
		}
		cursor = page.Next
	}
}

func (s *Server) categoryTitle(id string) (title, description string) {
	if id == store.AllCategory {
		return "Tất cả tin", "Mọi tin newswire tổng hợp từ các báo"
	}
	c, ok := s.cfg.Category(id)
	if !ok {
		return "", ""
	}
	title = c.Title
	if title == "" {
		title = c.ID
	}
	return title, c.Description
}

func newest(stories []feeds.Story) time.Time {
	var t time.Time
	for _, st := range stories {
		for _, c := range []time.Time{st.Updated, st.FirstSeen, st.Published} {
			if c.After(t) {
				t = c
			}
		}
	}
	return t
}

// serveCached writes a cached rendering with its validators, answering
// conditional requests with 304 and clients that accept gzip with the gzip
// variant. It returns the status written.
func (s *Server) serveCached(w http.ResponseWriter, r *http.Request, e *entry) int {
	rep := &e.representation
	if acceptsGzip(r.Header["Accept-Encoding"]) {
		rep = e.gzipped()
	}
	h := w.Header()
	if notModified(r, e, rep.header["Etag"][0], s.now) {
		for _, f := range rep.revalidate {
			h[f.name] = f.value
		}
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified
	}
	for k, v := range rep.header {
		h[k] = v
	}
	h["Content-Length"] = rep.length
	if r.Method != http.MethodHead {
		s.setWriteDeadline(w)
		_, _ = w.Write(rep.body)
	}
	return http.StatusOK
}

// notModified applies If-None-Match, and If-Modified-Since when there is no
// If-None-Match (RFC 9110 section 13.2.2). Only the ETag of the
// representation selected (gzip or identity) matches: a cache holding the
// other one could not apply a 304 that names this one (RFC 9111, 4.3.4).
func notModified(r *http.Request, e *entry, etag string, now func() time.Time) bool {
	if match := r.Header["If-None-Match"]; len(match) > 0 {
		for _, m := range match {
			if m == etag || etagMatches(m, etag) {
				return true
			}
		}
		return false
	}
	ims := r.Header["If-Modified-Since"]
	if len(ims) == 0 || e.modified.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims[0])
	// A date later than now is not one this server gave: ignored (RFC
	// 9110, 13.1.3).
	return err == nil && !t.After(now()) && !e.modified.Truncate(time.Second).After(t)
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			for p := range strings.SplitSeq(params, ";") {
				name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(strings.TrimSpace(name), "q") {
					if q, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil && q == 0 {
						return false
					}
				}
			}
			return true
		}
	}
	return false
}

func etagMatches(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || part == etag || strings.TrimPrefix(part, "W/") == etag {
			return true
		}
	}
	return false
}
