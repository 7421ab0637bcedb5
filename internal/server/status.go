package server

import (
	"encoding/json"
	"net/http"
	"time"

	"newswire/internal/poll"
	"newswire/store"
)

// sourceStatus is one source's line on the status page and API.
type sourceStatus struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	URL          string    `json:"url"`
	Level        string    `json:"level"`
	State        string    `json:"state"`
	LastPoll     time.Time `json:"last_poll"`
	LastSuccess  time.Time `json:"last_success"`
	NextPoll     time.Time `json:"next_poll"`
	Interval     string    `json:"interval"`
	Error        string    `json:"error,omitempty"`
	FailingSince time.Time `json:"failing_since"`
	Warning      string    `json:"warning,omitempty"`
	LastItems    int       `json:"last_items"`
	LastNew      int       `json:"last_new"`
	TotalNew     int       `json:"total_new"`
	// Dropped counts the items of the last document each filter dropped.
	Dropped map[string]int `json:"dropped,omitempty"`

	// Polling detail: what the outlet answered, and why the next poll is when it is.
	PolledURL           string `json:"polled_url,omitempty"` // when it differs from url: a 301/308 or a discovered feed
	URLReason           string `json:"url_reason,omitempty"` // moved | discovered
	Result              string `json:"result,omitempty"`     // ok | not-modified | error | gone
	HTTPStatus          int    `json:"http_status,omitempty"`
	ConsecutiveFailures int    `json:"consecutive_failures"`
	IntervalReason      string `json:"interval_reason,omitempty"`
	ETag                string `json:"etag,omitempty"`
	LastModified        string `json:"last_modified,omitempty"`
}

type statusView struct {
	Generated time.Time      `json:"generated"`
	Stories   int            `json:"stories"`
	Sources   []sourceStatus `json:"sources"`
	// Partners: pulls of each partner since the daemon started.
	Partners []partnerStatus `json:"partners,omitempty"`
}

func (s *Server) status() (statusView, error) {
	states, err := s.st.Sources()
	if err != nil {
		return statusView{}, err
	}
	byID := make(map[string]store.SourceState, len(states))
	for _, st := range states {
		byID[st.ID] = st
	}
	v := statusView{Generated: time.Now().UTC(), Partners: s.partners.status()}
	if stats, err := s.st.Stats(); err == nil {
		v.Stories = stats.Stories
	}
	for _, src := range s.cfg.Sources {
		st, seen := byID[src.ID]
		ss := sourceStatus{ID: src.ID, Title: src.Title, URL: src.URL, Level: src.Level,
			LastPoll: st.LastPoll, LastSuccess: st.LastSuccess, NextPoll: st.NextPoll, Error: st.LastError,
			FailingSince: st.FailingSince, Warning: st.Warning, LastItems: st.LastItems, LastNew: st.LastNew,
			TotalNew: st.TotalNew}
		ss.Result, ss.HTTPStatus, ss.ConsecutiveFailures = st.LastResult, st.LastStatus, st.ConsecutiveFailures
		ss.Dropped = st.Dropped
		ss.IntervalReason, ss.ETag, ss.LastModified = st.IntervalReason, st.ETag, st.LastModified
		if st.URL != "" && st.URLFrom == src.URL {
			ss.PolledURL, ss.URLReason = st.URL, st.URLReason
		}
		if st.Interval > 0 {
			ss.Interval = st.Interval.Round(time.Second).String()
		}
		switch {
		case src.Disabled:
			ss.State = "disabled"
		case !seen || st.LastPoll.IsZero():
			ss.State = "waiting"
		case poll.IsGone(src, st):
			ss.State = "gone"
		case st.LastResult == "error":
			ss.State = "failing"
		case st.Warning != "":
			ss.State = "warning"
		default:
			ss.State = st.LastResult
		}
		v.Sources = append(v.Sources, ss)
	}
	return v, nil
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	v, err := s.status()
	if err != nil {
		http.Error(w, "cannot read the store", http.StatusInternalServerError)
		return
	}
	s.renderPage(w, "status.html", v)
}

func (s *Server) handleAPIStatus(w http.ResponseWriter, r *http.Request) {
	v, err := s.status()
	if err != nil {
		http.Error(w, "cannot read the store", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
