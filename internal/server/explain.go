package server

import (
	"errors"
	"net/http"

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
