package server

import (
	"net/http"

	"newswire/internal/metrics"
)

// SetMetrics makes /metrics serve m, the registry the poller counts in.
// Call it before serving.
func (s *Server) SetMetrics(m *metrics.Metrics) {
	s.metrics = m
	s.watchMetrics(m)
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	s.metrics.Handler().ServeHTTP(w, r)
}
