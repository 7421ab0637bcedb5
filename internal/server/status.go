package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"newswire/internal/metrics"
	"newswire/internal/notice"
	"newswire/internal/poll"
	"newswire/internal/reload"
	"newswire/internal/sanitize"
	"newswire/internal/urlsafe"
	"newswire/store"
)

// sourceStatus is one source's line on the status page and API.
type sourceStatus struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	URL   string `json:"url"`
	Level string `json:"level"`
	// State is one of disabled, waiting (never polled yet), gone, failing,
	// warning (the poller's warning, or quiet), redirected, not-modified, ok.
	State        string    `json:"state"`
	LastPoll     time.Time `json:"last_poll,omitzero"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
	NextPoll     time.Time `json:"next_poll,omitzero"`
	Interval     string    `json:"interval,omitempty"`
	Error        string    `json:"error,omitempty"`
	ErrorKind    string    `json:"error_kind,omitempty"` // what went wrong, in one word; see problemKind
	FailingSince time.Time `json:"failing_since,omitzero"`
	Warning      string    `json:"warning,omitempty"`
	// Notices are what Warning says, each as a code and its arguments
	// (internal/notice), for tools that act on a kind of warning.
	Notices   []notice.Notice `json:"notices,omitempty"`
	LastItems int             `json:"last_items"`
	LastNew   int             `json:"last_new"`
	TotalNew  int             `json:"total_new"`
	// Items24h and Items7d count the items new from this source (stories it
	// created or joined) in the current hour and the 23 before it, and in
	// the current day (UTC) and the 6 before it.
	Items24h int `json:"items_24h"`
	Items7d  int `json:"items_7d"`
	// Quiet is set when the source's newest item is much older than its
	// usual gap between items (publish_gap).
	Quiet      bool      `json:"quiet,omitempty"`
	NewestItem time.Time `json:"newest_item,omitzero"`
	PublishGap string    `json:"publish_gap,omitempty"`
	// Dropped counts the items of the last document each filter dropped.
	Dropped map[string]int `json:"dropped,omitempty"`
	// Dates counts the items of the last document not dated as their
	// outlet dated them (unreadable, in the future), with an example of
	// each as the outlet wrote it.
	Dates *store.Dates `json:"dates,omitempty"`

	// Polling detail: what the outlet answered, and why the next poll is when it is.
	PolledURL           string `json:"polled_url,omitempty"` // when it differs from url: a 301/308 or a discovered feed
	URLReason           string `json:"url_reason,omitempty"` // moved | discovered
	Result              string `json:"result,omitempty"`     // ok | not-modified | error | gone
	HTTPStatus          int    `json:"http_status,omitempty"`
	ConsecutiveFailures int    `json:"consecutive_failures"`
	IntervalReason      string `json:"interval_reason,omitempty"`
	ETag                string `json:"etag,omitempty"`
	LastModified        string `json:"last_modified,omitempty"`
	// Cursor is where a newswire source is followed from: its next poll
	// asks for its changes after it (?since=).
	Cursor string `json:"cursor,omitempty"`
	// WebSub is the source's subscription, when websub.subscribe is on.
	WebSub *WebSubState `json:"websub,omitempty"`

	// For the page only: the same in plain words, in the page's language.
	StateLabel string `json:"-"`
	Problem    string `json:"-"`
	QuietNote  string `json:"-"`
	Every      string `json:"-"`
	// Warnings, Why and DroppedBy are Warning, IntervalReason and
	// Dropped in the page's language.
	Warnings  []string       `json:"-"`
	Why       string         `json:"-"`
	DroppedBy map[string]int `json:"-"`
}

// categoryTotal is one category's line in the totals.
type categoryTotal struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Stories int    `json:"stories"`
}

// stateCount is how many sources are in one state, for the summary line.
type stateCount struct {
	State string `json:"state"`
	Count int    `json:"count"`
	Label string `json:"-"`
}

// reloadView is the last config reload on the page and in the API.
type reloadView struct {
	At       time.Time     `json:"at,omitzero"`
	Trigger  string        `json:"trigger,omitempty"` // start | signal | file
	OK       bool          `json:"ok"`
	Error    string        `json:"error,omitempty"`
	Problems []problemView `json:"problems,omitempty"`
	Changes  []string      `json:"changes,omitempty"`
}

type problemView struct {
	Path    string `json:"path,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"` // one line
	Column  int    `json:"column,omitempty"`
	// Excerpt is the line at fault with a caret under Column, on lines of
	// its own (a syntax error's).
	Excerpt string `json:"excerpt,omitempty"`
	Text    string `json:"-"` // as check-config prints it
}

type statusView struct {
	Generated  time.Time       `json:"generated"`
	Stories    int             `json:"stories"`
	StoreBytes int64           `json:"store_bytes,omitempty"`
	StoreUsed  int64           `json:"store_used_bytes,omitempty"`
	States     []stateCount    `json:"states"`
	Categories []categoryTotal `json:"categories"`
	Sources    []sourceStatus  `json:"sources"`
	Reload     *reloadView     `json:"reload,omitempty"`
	// StoreProblem says the store's path no longer names the file the
	// daemon holds (store.PathHolds).
	StoreProblem string `json:"store_problem,omitempty"`
	// Retention: what deleting old stories has done, once it has run.
	Retention *store.RetentionStats `json:"retention,omitempty"`
	// Partners: pulls of each partner since the daemon started.
	Partners []partnerStatus `json:"partners,omitempty"`

	StoreSize     string `json:"-"`
	StoreUsedSize string `json:"-"`
	// Lang is the page's language, T its words.
	Lang string       `json:"-"`
	T    *statusWords `json:"-"`
}

// stateOrder orders the summary line: what needs the admin first.
var stateOrder = []string{"failing", "gone", "warning", "redirected", "waiting", "ok", "not-modified", "disabled"}

// Quiet sources: the newest item is older than quietGaps of the source's usual
// gaps between items, and older than quietFloor, so that a night without news
// is not a warning.
const (
	quietGaps  = 8
	quietFloor = 24 * time.Hour
)

// quietFor is how long a source has published nothing, and whether that is
// much longer than its usual gap between items.
func quietFor(gap time.Duration, newest, now time.Time) (time.Duration, bool) {
	if gap <= 0 || newest.IsZero() {
		return 0, false
	}
	quiet := now.Sub(newest)
	return quiet, quiet > quietFloor && quiet > quietGaps*gap
}

// statusState is what the status page, /readyz and /metrics read besides the
// store and config. The functions are set by the daemon and may be set while
// serving.
type statusState struct {
	reload   atomic.Pointer[func() reload.Status]
	activity atomic.Pointer[func() time.Time]
	sources  atomic.Pointer[func() ([]store.SourceState, error)]
	websub   atomic.Pointer[func() map[string]WebSubState]

	mu      sync.Mutex
	stats   store.Stats
	version uint64
	at      time.Time
}

// statsMaxAge bounds how stale cached store figures get: they are refreshed
// when the store changes, and at least this often (file size, retention).
const statsMaxAge = 30 * time.Second

// SetReloadStatus makes /status and /api/status report the last config
// reload as fn returns it. fn is called per request, never from here: the
// reload watcher may be holding its lock while it builds this server. Its
// metrics come through metrics.Metrics.Reload.
func (s *Server) SetReloadStatus(fn func() reload.Status) { s.state.reload.Store(&fn) }

// SetPollActivity makes /readyz check that the poller is working: fn
// returns when it last started or finished a poll (poll.Poller.LastActivity).
func (s *Server) SetPollActivity(fn func() time.Time) { s.state.activity.Store(&fn) }

// WebSubState is where a source's WebSub subscription stands
// (websub.SourceStatus), as /status and /api/status show it.
type WebSubState struct {
	Hub       string    `json:"hub,omitempty"`
	State     string    `json:"state"` // verified | pending | denied | no-hub
	Reason    string    `json:"reason,omitempty"`
	Error     string    `json:"error,omitempty"` // pending: why the request failed
	LeaseEnds time.Time `json:"lease_ends,omitzero"`
	LastPush  time.Time `json:"last_push,omitzero"`
	Pushes    int       `json:"pushes"`
	Ignored   int       `json:"pushes_ignored"`
	NextLook  time.Time `json:"next_look,omitzero"`
}

// SetWebSubStates makes /status and /api/status show each source's WebSub
// subscription, by source id, as fn returns them.
func (s *Server) SetWebSubStates(fn func() map[string]WebSubState) { s.state.websub.Store(&fn) }

// SetSourceStates makes /status and /api/status read the sources' states
// from fn (poll.Poller.States: the poller's own, fresher than what it has
// saved) rather than from the store.
func (s *Server) SetSourceStates(fn func() ([]store.SourceState, error)) { s.state.sources.Store(&fn) }

// watchMetrics makes m report the store's figures, which the server reads
// for the status page anyway.
func (s *Server) watchMetrics(m *metrics.Metrics) {
	m.Store.Watch(func() (metrics.StoreFigures, error) {
		st, err := s.storeStats()
		w := s.st.WriteStats()
		// The categories of the config: stories keep a category removed
		// from it, but it has no feed any more, and /status leaves it out.
		cats := make(map[string]int, len(s.cfg.Categories))
		for _, c := range s.cfg.Categories {
			cats[c.ID] = st.Categories[c.ID]
		}
		return metrics.StoreFigures{Stories: st.Stories, Categories: cats, FileSize: st.FileSize, UsedBytes: st.UsedBytes,
			Writes: metrics.StoreWrites{Commits: w.Commits, Documents: w.Documents, Items: w.Items, Bytes: w.Bytes, CommitTime: w.CommitTime}}, err
	})
}

// storeStats returns the store's counts, read again only when the store has
// changed or statsMaxAge has passed: counting walks every index page.
func (s *Server) storeStats() (store.Stats, error) {
	c := &s.state
	c.mu.Lock()
	defer c.mu.Unlock()
	v := s.st.Version()
	if !c.at.IsZero() && c.version == v && time.Since(c.at) < statsMaxAge {
		return c.stats, nil
	}
	st, err := s.st.Stats()
	if err != nil {
		return store.Stats{}, err
	}
	c.stats, c.version, c.at = st, v, time.Now()
	return st, nil
}

// sourceStates returns each source's state by its id: the poller's own,
// when one is running, else what the store holds.
func (s *Server) sourceStates() (map[string]store.SourceState, error) {
	read := s.st.Sources
	if fn := s.state.sources.Load(); fn != nil {
		read = *fn
	}
	states, err := read()
	if err != nil {
		return nil, err
	}
	byID := make(map[string]store.SourceState, len(states))
	for _, st := range states {
		byID[st.ID] = st
	}
	return byID, nil
}

// status is the status of newswire and every source at now, with the
// page's words in lang ("vi", "en").
func (s *Server) status(now time.Time, lang string) (statusView, error) {
	byID, err := s.sourceStates()
	if err != nil {
		return statusView{}, err
	}
	stats, err := s.storeStats()
	if err != nil {
		return statusView{}, err
	}
	words := wordsFor(lang)
	v := statusView{Lang: lang, T: words, Generated: now.UTC(), Stories: stats.Stories, StoreBytes: stats.FileSize, StoreUsed: stats.UsedBytes, Partners: s.partners.status(),
		StoreSize: humanBytes(stats.FileSize), StoreUsedSize: humanBytes(stats.UsedBytes)}
	if rs, err := s.st.RetentionStats(); err == nil && rs.Runs > 0 {
		v.Retention = &rs
	}
	for _, c := range s.cfg.Categories {
		v.Categories = append(v.Categories, categoryTotal{ID: c.ID, Title: c.Title, Stories: stats.Categories[c.ID]})
	}
	var subs map[string]WebSubState
	if fn := s.state.websub.Load(); fn != nil {
		subs = (*fn)()
	}
	counts := map[string]int{}
	for _, src := range s.cfg.Sources {
		st, seen := byID[src.ID]
		ss := sourceStatus{ID: src.ID, Title: src.Title, URL: urlsafe.Public(src.URL), Level: src.Level,
			LastPoll: st.LastPoll, LastSuccess: st.LastSuccess, NextPoll: st.NextPoll, Error: shownText(st.LastError),
			FailingSince: st.FailingSince, Warning: shownText(st.Warning), LastItems: st.LastItems, LastNew: st.LastNew,
			TotalNew: st.TotalNew, Items24h: st.Recent.Last24h(now), Items7d: st.Recent.Last7d(now),
			NewestItem: st.NewestItem}
		ss.Result, ss.HTTPStatus, ss.ConsecutiveFailures = st.LastResult, st.LastStatus, st.ConsecutiveFailures
		ss.Dropped = st.Dropped
		ss.DroppedBy = droppedBy(st.Dropped, lang)
		ss.Notices = shownNotices(st.Notices)
		ss.Warnings = warningTexts(st, lang)
		if d := st.Dates; d != (store.Dates{}) {
			d.UnreadableExample, d.FutureExample = shownText(d.UnreadableExample), shownText(d.FutureExample)
			d.UpdatedUnreadableExample, d.UpdatedFutureExample = shownText(d.UpdatedUnreadableExample), shownText(d.UpdatedFutureExample)
			ss.Dates = &d
		}
		if ws, ok := subs[src.ID]; ok {
			ws.Reason, ws.Error = shownText(ws.Reason), shownText(ws.Error)
			ss.WebSub = &ws
		}
		ss.IntervalReason, ss.ETag, ss.LastModified, ss.Cursor = st.IntervalReason, st.ETag, st.LastModified, st.Cursor
		if st.URL != "" && st.URLFrom == src.URL {
			ss.PolledURL, ss.URLReason = urlsafe.Public(st.URL), st.URLReason
		}
		if st.Interval > 0 {
			ss.Interval = st.Interval.Round(time.Second).String()
			ss.Every = words.duration(st.Interval)
		}
		if st.PublishGap > 0 {
			ss.PublishGap = st.PublishGap.Round(time.Second).String()
		}
		if st.LastError != "" {
			ss.ErrorKind = problemKind(st.LastError, st.LastStatus)
			ss.Problem = words.plainProblem(ss.ErrorKind, st.LastStatus)
		}
		if quiet, ok := quietFor(st.PublishGap, st.NewestItem, now); ok && !src.Disabled {
			ss.Quiet = true
			ss.QuietNote = fmt.Sprintf(words.quiet, words.duration(quiet), words.duration(st.PublishGap))
		}
		switch {
		case src.Disabled:
			// Not polled: what its last poll set for the next one no
			// longer holds, as for a gone source.
			ss.State = "disabled"
			ss.NextPoll, ss.Interval, ss.Every = time.Time{}, "", ""
			ss.IntervalReason = "stopped: disabled in config.yaml"
		case !seen || st.LastPoll.IsZero():
			ss.State = "waiting"
		case poll.IsGone(src, st):
			ss.State = "gone"
		case st.LastResult == poll.ResultError:
			ss.State = "failing"
		case st.Warning != "" || ss.Quiet:
			ss.State = "warning"
		case ss.PolledURL != "":
			ss.State = "redirected"
		default:
			ss.State = st.LastResult
		}
		ss.Why = reasonText(ss.IntervalReason, lang)
		ss.StateLabel = words.states[ss.State]
		counts[ss.State]++
		v.Sources = append(v.Sources, ss)
	}
	for _, state := range stateOrder {
		if n := counts[state]; n > 0 {
			v.States = append(v.States, stateCount{State: state, Count: n, Label: words.states[state]})
		}
	}
	if fn := s.state.reload.Load(); fn != nil {
		rs := (*fn)()
		r := &reloadView{At: rs.At, Trigger: rs.Trigger, OK: rs.OK, Error: rs.Error, Changes: rs.Changes}
		for _, p := range rs.Problems {
			r.Problems = append(r.Problems, problemView{Path: p.Path, Line: p.Line, Message: p.Message, Column: p.Column, Excerpt: p.Excerpt, Text: p.String()})
		}
		v.Reload = r
	}
	if err := s.st.PathHolds(); err != nil {
		v.StoreProblem = err.Error()
	}
	return v, nil
}

// statusCSP allows nothing but newswire's own stylesheet: the page has no
// script, no inline style and no image.
const statusCSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	lang, explicit := pickLanguage(r)
	v, err := s.status(time.Now(), lang)
	if err != nil {
		s.log.Error("status page", "error", err)
		http.Error(w, "cannot read the store", http.StatusInternalServerError)
		return
	}
	body, err := execute("status.html", struct {
		statusView
		CSS, Icon string
	}{v, assetURL("site.css"), assetURL("icon.svg")})
	if err != nil {
		s.log.Error("rendering page", "page", "status.html", "error", err)
		http.Error(w, "cannot render the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", statusCSP)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", lang)
	if !explicit {
		h.Set("Vary", "Accept-Language")
	}
	writePage(w, r.Method, body)
}

func (s *Server) handleAPIStatus(w http.ResponseWriter, r *http.Request) {
	v, err := s.status(time.Now(), "en")
	if err != nil {
		s.log.Error("status API", "error", err)
		http.Error(w, "cannot read the store", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// readyGrace is added to poll.max_interval to tell a poller that is merely
// waiting for its next due source from one that has stopped: every source
// that is polled at all is polled at least every max_interval,
// except one told by Retry-After to wait longer.
const readyGrace = time.Minute

// handleReady answers 200 when the store can be read and the poller has
// started or finished a poll recently enough, else 503 with the reasons.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	var problems []string
	if _, err := s.st.Latest(store.AllCategory, 1, ""); err != nil {
		problems = append(problems, "store: "+err.Error())
	}
	if err := s.st.PathHolds(); err != nil {
		problems = append(problems, "store: "+err.Error())
	}
	if fn := s.state.activity.Load(); fn != nil && len(s.cfg.EnabledSources()) > 0 {
		last := (*fn)()
		within := s.cfg.Poll.MaxInterval.D()*11/10 + s.cfg.Poll.Timeout.D() + readyGrace
		switch {
		case last.IsZero():
			problems = append(problems, "poller: not started")
		case time.Since(last) > within:
			problems = append(problems, fmt.Sprintf("poller: no poll finished since %s (%s ago, more than %s)",
				last.UTC().Format(time.RFC3339), time.Since(last).Round(time.Second), within))
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if len(problems) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		for _, p := range problems {
			_, _ = fmt.Fprintln(w, p)
		}
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// warningTexts is the warning of st in lang, one line per notice; a state
// an older build saved, or one with a notice this build does not know,
// has its warning as the poller wrote it, in English.
func warningTexts(st store.SourceState, lang string) []string {
	if len(st.Notices) == 0 || !notice.AllKnown(st.Notices) {
		if st.Warning == "" {
			return nil
		}
		return []string{shownText(st.Warning)}
	}
	texts := notice.Texts(st.Notices, lang)
	for i := range texts {
		texts[i] = shownText(texts[i])
	}
	return texts
}

// shownNotices is notices as /api/status gives them: their arguments, an
// outlet's words among them, as shownText shows any.
func shownNotices(notices []notice.Notice) []notice.Notice {
	if len(notices) == 0 {
		return nil
	}
	out := make([]notice.Notice, len(notices))
	for i, n := range notices {
		out[i] = notice.Notice{Code: n.Code, Args: make([]string, len(n.Args))}
		for j, a := range n.Args {
			out[i].Args[j] = shownText(a)
		}
	}
	return out
}

// reasonText is an interval reason in lang; one this build does not know
// as it is.
func reasonText(reason, lang string) string {
	if n, ok := notice.Reason(reason); ok {
		return n.Text(lang)
	}
	return shownText(reason)
}

// droppedBy is dropped with each filter named in lang: a filter of the
// config by its key and value, an echoed item by why it was dropped.
func droppedBy(dropped map[string]int, lang string) map[string]int {
	if len(dropped) == 0 {
		return nil
	}
	echo := notice.New(notice.Echo)
	out := make(map[string]int, len(dropped))
	for filter, n := range dropped {
		if filter == echo.Text("en") {
			filter = echo.Text(lang)
		}
		out[shownText(filter)] += n
	}
	return out
}

// shownText is an error, warning or reason as /status and /api/status show
// it: without credentials (urlsafe.PublicText), and without the control
// characters an outlet's or a hub's words may carry (sanitize.Printable):
// an XML error quotes the element name it could not read, as the outlet
// wrote it, and a store written by an older version may hold them.
func shownText(s string) string { return sanitize.Printable(urlsafe.PublicText(s)) }
