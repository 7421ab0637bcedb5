// Package server is newswire's HTTP side: merged feeds, the front page, the
// status page and API, OPML lists and health checks.
//
// It only reads the store; it never polls or writes stories. Rendered feeds
// are cached as bytes until the store changes.
package server

import (
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/pprof"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"newswire/feeds"
	"newswire/internal/config"
	"newswire/internal/metrics"
	"newswire/internal/urlsafe"
	"newswire/store"
)

// Server serves newswire's HTTP endpoints.
type Server struct {
	cfg       *config.Config
	st        *store.Store
	storeFile string // the absolute path of st's file (StoreHeader)
	log       *slog.Logger
	authority string
	// outlets are the sources as the feeds credit them, from the config,
	// with each outlet's site as its feed names it (SetHome); homes counts
	// the changes SetHome made, which renderings cached before are not of.
	outletsMu sync.Mutex
	outlets   atomic.Pointer[map[string]feeds.Outlet]
	homes     atomic.Uint64
	cache     *cache
	mux       *http.ServeMux
	started   time.Time
	metrics   *metrics.Metrics // served at /metrics; SetMetrics shares the poller's

	// Feed serving (feed.go, partners.go).
	feedCats   map[string]feedCategory
	anyPrivate bool // some category is partners-only, or withheld
	// withheld are the categories the store records as partners-only
	// that the config no longer has: their stories stay out of every
	// public feed and page, as they were, rather than be published by
	// the category's removal.
	withheld  map[string]bool
	partners  *partners
	limiter   *limiter // nil: no rate limit
	feedCount feedCounters

	state statusState // status.go: reload status, poller activity, store figures

	// Deadlines of the parts of a request that can take long (deadline.go).
	bodyTimeout, writeTimeout time.Duration

	// now is the clock of the front page ("5 phút trước", "hôm qua") and of
	// feeds' Last-Modified: tests fix it.
	now func() time.Time
}

// New returns a Server reading st under cfg.
func New(cfg *config.Config, st *store.Store, log *slog.Logger) *Server {
	s := &Server{
		cfg:       cfg,
		st:        st,
		log:       log,
		authority: cfg.Authority(),
		cache:     newCache(cacheEntries),
		mux:       http.NewServeMux(),
		started:   time.Now(),
		metrics:   metrics.New(),
		partners:  newPartners(cfg.Partners, &Pulls{}),
		limiter:   newLimiter(cfg.RateLimit.PerClient, cfg.RateLimit.Burst),

		bodyTimeout:  BodyTimeout,
		writeTimeout: WriteTimeout,
		now:          time.Now,
	}
	if st != nil {
		s.storeFile, _ = filepath.Abs(st.Path())
	}
	s.useHomes(cfg)
	s.watchMetrics(s.metrics)
	s.feedCats = s.feedCategories()
	for _, c := range s.feedCats {
		s.anyPrivate = s.anyPrivate || c.private
	}
	s.withheld = s.withheldCategories()
	s.anyPrivate = s.anyPrivate || len(s.withheld) > 0
	s.mux.HandleFunc("GET /feeds/{file}", s.handleFeed)
	s.routeFront()
	s.mux.HandleFunc("GET /status", s.handleStatus)
	s.mux.HandleFunc("GET /api/status", s.handleAPIStatus)
	s.mux.HandleFunc("GET /metrics", s.handleMetrics)
	s.mux.HandleFunc("GET /sources.opml", s.handleSourcesOPML)
	s.mux.HandleFunc("GET /feeds.opml", s.handleFeedsOPML)
	s.mux.HandleFunc("GET /api/export", s.adminOnly(s.handleExport))
	s.mux.HandleFunc("GET /api/backup", s.adminOnly(s.handleBackup))
	s.mux.HandleFunc("GET /api/config", s.adminOnly(s.handleConfig))
	s.mux.HandleFunc("GET /api/store", s.adminOnly(s.handleStore))
	s.mux.HandleFunc("GET /api/stories/{id}/explain", s.adminOnly(s.handleExplain))
	s.mux.HandleFunc("GET /api/stories/{id}/compare/{other}", s.adminOnly(s.handleCompare))
	s.mux.HandleFunc("GET /debug/pprof/", s.adminOnly(pprof.Index))
	s.mux.HandleFunc("GET /debug/pprof/profile", s.adminOnly(pprof.Profile))
	s.mux.HandleFunc("GET /debug/pprof/trace", s.adminOnly(pprof.Trace))
	s.mux.HandleFunc("GET /readyz", s.handleReady)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	return s
}

// Mount serves h at pattern (the WebSub callback); call it before serving.
func (s *Server) Mount(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.recoverer(http.HandlerFunc(s.route)) }

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

// renderer renders with the outlets as they are known now.
func (s *Server) renderer() feeds.Renderer {
	return feeds.Renderer{Authority: s.authority, Outlets: *s.outlets.Load()}
}

// version is what cached renderings are of: the store's version, and the
// outlets' homes (both only grow).
func (s *Server) version() uint64 { return s.st.Version() + s.homes.Load() }

// SetHome makes home, an absolute http(s) URL its feed names, the site the
// feeds credit source with from now on, in place of the one guessed from
// its feed's address. The poller calls it when a source's feed names
// another (poll.Poller.WatchHomes).
func (s *Server) SetHome(source, home string) {
	s.outletsMu.Lock()
	defer s.outletsMu.Unlock()
	old := *s.outlets.Load()
	o, ok := old[source]
	if !ok || home == "" || o.Link == home {
		return
	}
	m := maps.Clone(old)
	o.Link = home
	m[source] = o
	s.outlets.Store(&m)
	s.homes.Add(1)
}

// useHomes starts the outlets of cfg with the sites their feeds named
// before, as the store keeps them, and adds the sources the store knows
// that cfg no longer has: their stories are still theirs.
func (s *Server) useHomes(cfg *config.Config) {
	m := outlets(cfg)
	if s.st == nil {
		s.outlets.Store(&m)
		return
	}
	if states, err := s.st.Sources(); err == nil {
		for _, st := range states {
			o, ok := m[st.ID]
			if !ok {
				m[st.ID] = removedOutlet(st)
				continue
			}
			if st.Home != "" {
				o.Link = st.Home
				m[st.ID] = o
			}
		}
	}
	s.outlets.Store(&m)
}

// removedOutlet is a source removed from the config as its last poll knew
// it: its title and level then (a store from before they were kept gives
// none, and the feeds name it by its id), the feed it was polled at and
// the site that feed named.
func removedOutlet(st store.SourceState) feeds.Outlet {
	feed := st.ConfigURL
	if st.URL != "" && st.URLFrom == st.ConfigURL {
		feed = st.URL // where a 301 or the page's feed link led
	}
	o := feeds.Outlet{ID: st.ID, Title: st.Title, Level: st.Level}
	if feed != "" {
		o.FeedURL = urlsafe.Public(feed)
		o.Link = homePage(o.FeedURL)
	}
	if st.Home != "" {
		o.Link = st.Home
	}
	return o
}

func outlets(cfg *config.Config) map[string]feeds.Outlet {
	m := make(map[string]feeds.Outlet, len(cfg.Sources))
	for _, src := range cfg.Sources {
		// Feeds name each outlet's feed, without the credentials its URL
		// may carry.
		u := urlsafe.Public(src.URL)
		m[src.ID] = feeds.Outlet{ID: src.ID, Title: src.Title, Link: homePage(u), FeedURL: u, Level: src.Level}
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
