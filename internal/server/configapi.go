package server

import (
	"encoding/json"
	"net/http"
)

// handleConfig serves the running config, secrets redacted, for
// `newswire check-config --diff`.
func (s *Server) handleConfig(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(s.cfg.Redacted())
}
