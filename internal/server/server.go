// Package server is newswire's HTTP side: merged feeds, the front page, the
// status page and API, OPML lists and health checks.
//
// It only reads the store; it never polls or writes stories. Rendered feeds
// are cached as bytes until the store changes.
package server

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/store"
)

// Server serves newswire's HTTP endpoints.
type Server struct {
	cfg      *config.Config
	st       *store.Store
	log      *slog.Logger
	renderer feeds.Renderer
	cache    *cache
	mux      *http.ServeMux
	started  time.Time
}

// New returns a Server reading st under cfg.
func New(cfg *config.Config, st *store.Store, log *slog.Logger) *Server {
	s := &Server{
		cfg:      cfg,
		st:       st,
		log:      log,
		renderer: feeds.Renderer{Authority: cfg.Authority(), Outlets: outlets(cfg)},
		cache:    newCache(512),
		mux:      http.NewServeMux(),
		started:  time.Now(),
	}
	s.mux.HandleFunc("GET /feeds/{file}", s.handleFeed)
	s.mux.HandleFunc("GET /{$}", s.handleFront)
	s.mux.HandleFunc("GET /c/{category}", s.handleFront)
	s.mux.HandleFunc("GET /status", s.handleStatus)
	s.mux.HandleFunc("GET /api/status", s.handleAPIStatus)
	s.mux.HandleFunc("GET /sources.opml", s.handleSourcesOPML)
	s.mux.HandleFunc("GET /feeds.opml", s.handleFeedsOPML)
	s.mux.HandleFunc("GET /api/export", loopbackOnly(s.handleExport))
	s.mux.HandleFunc("GET /api/backup", loopbackOnly(s.handleBackup))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	return s
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.recoverer(s.mux) }

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler panicked", "path", r.URL.Path, "panic", fmt.Sprint(v))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func outlets(cfg *config.Config) map[string]feeds.Outlet {
	m := make(map[string]feeds.Outlet, len(cfg.Sources))
	for _, src := range cfg.Sources {
		m[src.ID] = feeds.Outlet{ID: src.ID, Title: src.Title, Link: homePage(src.URL), FeedURL: src.URL, Level: src.Level}
	}
	return m
}

// homePage guesses an outlet's site from its feed URL: scheme and host.
func homePage(feedURL string) string {
	scheme, rest, ok := strings.Cut(feedURL, "://")
	if !ok {
		return feedURL
	}
	host, _, _ := strings.Cut(rest, "/")
	return scheme + "://" + host + "/"
}

// format is one of the three feed formats.
type format struct {
	ext         string
	contentType string
	render      func(r feeds.Renderer, buf *bytes.Buffer, ch feeds.Channel, stories []feeds.Story) error
}

var formats = map[string]format{
	"rss": {"rss", feeds.ContentTypeRSS, func(r feeds.Renderer, b *bytes.Buffer, ch feeds.Channel, s []feeds.Story) error {
		return r.RSS(b, ch, s)
	}},
	"atom": {"atom", feeds.ContentTypeAtom, func(r feeds.Renderer, b *bytes.Buffer, ch feeds.Channel, s []feeds.Story) error {
		return r.Atom(b, ch, s)
	}},
	"json": {"json", feeds.ContentTypeJSON, func(r feeds.Renderer, b *bytes.Buffer, ch feeds.Channel, s []feeds.Story) error {
		return r.JSON(b, ch, s)
	}},
}

const maxLimit = 500

func (s *Server) handleFeed(w http.ResponseWriter, r *http.Request) {
	name, ext, ok := strings.Cut(r.PathValue("file"), ".")
	f, known := formats[ext]
	if !ok || !known {
		http.Error(w, fmt.Sprintf("no such feed: %q (use /feeds/CATEGORY.rss, .atom or .json)", r.PathValue("file")), http.StatusNotFound)
		return
	}
	title, desc := s.categoryTitle(name)
	if title == "" {
		http.Error(w, fmt.Sprintf("unknown category %q", name), http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	limit := s.cfg.ItemsPerFeed
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			http.Error(w, fmt.Sprintf("limit: %q is not a positive whole number", v), http.StatusBadRequest)
			return
		}
		limit = min(n, maxLimit)
	}
	cursor := q.Get("cursor")

	version := s.st.Version()
	key := fmt.Sprintf("%s|%s|%d|%s", name, ext, limit, cursor)
	ent, ok := s.cache.get(key, version)
	if !ok {
		page, err := s.st.Latest(name, limit, cursor)
		if errors.Is(err, store.ErrBadCursor) {
			http.Error(w, fmt.Sprintf("cursor: %q is not a cursor this server gave out", cursor), http.StatusBadRequest)
			return
		}
		if err != nil {
			s.log.Error("reading feed", "category", name, "error", err)
			http.Error(w, "cannot read the store", http.StatusInternalServerError)
			return
		}
		base := strings.TrimRight(s.cfg.BaseURL, "/")
		ch := feeds.Channel{
			ID:          base + "/feeds/" + name,
			Title:       title,
			Description: desc,
			Link:        base + "/c/" + name,
			SelfURL:     base + r.URL.RequestURI(),
			Language:    "vi",
			Updated:     newest(page.Stories),
		}
		if name == "all" {
			ch.Link = base + "/"
		}
		if page.Next != "" {
			ch.NextURL = fmt.Sprintf("%s/feeds/%s.%s?limit=%d&cursor=%s", base, name, ext, limit, page.Next)
		}
		var buf bytes.Buffer
		if err := f.render(s.renderer, &buf, ch, page.Stories); err != nil {
			s.log.Error("rendering feed", "category", name, "format", ext, "error", err)
			http.Error(w, "cannot render the feed", http.StatusInternalServerError)
			return
		}
		ent = s.cache.put(key, version, buf.Bytes(), ch.Updated)
	}
	s.serveCached(w, r, ent, f.contentType)
}

func (s *Server) categoryTitle(id string) (title, description string) {
	if id == "all" {
		return "Tất cả tin", "Every story newswire carries"
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

// serveCached writes a cached rendering with validators, answering
// conditional requests with 304.
func (s *Server) serveCached(w http.ResponseWriter, r *http.Request, e *entry, contentType string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("ETag", e.etag)
	h.Set("Cache-Control", "public, max-age=60")
	h.Set("Vary", "Accept-Encoding")
	if !e.modified.IsZero() {
		h.Set("Last-Modified", e.modified.UTC().Format(http.TimeFormat))
	}
	if match := r.Header.Get("If-None-Match"); match != "" {
		if etagMatches(match, e.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else if ims := r.Header.Get("If-Modified-Since"); ims != "" && !e.modified.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !e.modified.Truncate(time.Second).After(t) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(e.body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(e.body)
}

func etagMatches(header, etag string) bool {
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || part == etag || strings.TrimPrefix(part, "W/") == etag {
			return true
		}
	}
	return false
}
