package server

import (
	"bytes"
	"errors"
	"net/http"

	"newswire/internal/config"
	"newswire/internal/explain"
)

// handleExplain answers `newswire stories --explain ID` while the daemon
// holds the store: how the story came together, as plain text.
func (s *Server) handleExplain(w http.ResponseWriter, r *http.Request) {
	id, err := explain.ParseID(r.PathValue("id"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	err = explain.Write(w, s.st, id)
	switch {
	case errors.Is(err, explain.ErrNoStory):
		http.Error(w, err.Error(), http.StatusNotFound)
	case err != nil:
		s.log.Warn("explain", "story", id, "error", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// handleCompare answers `newswire stories --compare A B` while the daemon
// holds the store: why the two stories are two, as plain text.
func (s *Server) handleCompare(w http.ResponseWriter, r *http.Request) {
	a, err := explain.ParseID(r.PathValue("id"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b, err := explain.ParseID(r.PathValue("other"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var out bytes.Buffer
	err = explain.Compare(&out, s.st, a, b, Identity(s.cfg))
	switch {
	case errors.Is(err, explain.ErrNoStory):
		http.Error(w, err.Error(), http.StatusNotFound)
	case errors.Is(err, explain.ErrSameStory):
		http.Error(w, err.Error(), http.StatusBadRequest)
	case err != nil:
		s.log.Warn("compare stories", "stories", []uint64{a, b}, "error", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(out.Bytes())
	}
}

// Identity is what cfg says of joining by text, for explain.Compare.
func Identity(cfg *config.Config) explain.Identity {
	return explain.Identity{Window: cfg.Identity.Window.D(), Joins: func(source string) bool {
		// A source no longer configured may have joined then.
		src, ok := cfg.Source(source)
		return !ok || cfg.Joins(src)
	}}
}
