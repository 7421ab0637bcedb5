package server

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// The feed formats and statuses counted; anything else counts as "other".
var (
	countedFormats  = [...]string{"rss", "atom", "json", "other"}
	countedStatuses = [...]int{200, 304, 400, 401, 404, 429, 500}
)

// feedCounters holds the resolved counter of every format and status, so
// that the hot path does no label lookup. It resolves them at the first
// request, after SetMetrics has had its say.
type feedCounters struct {
	once     sync.Once
	counters [len(countedFormats)][len(countedStatuses)]prometheus.Counter
}

func (s *Server) countFeed(ext string, status int) {
	fc := &s.feedCount
	fc.once.Do(func() {
		if s.metrics == nil {
			return
		}
		for i, f := range countedFormats {
			for j, st := range countedStatuses {
				fc.counters[i][j] = s.metrics.Feeds.Counter(f, st)
			}
		}
	})
	i := len(countedFormats) - 1
	for k, f := range countedFormats[:i] {
		if f == ext {
			i = k
		}
	}
	for j, st := range countedStatuses {
		if st == status {
			if c := fc.counters[i][j]; c != nil {
				c.Inc()
			}
			return
		}
	}
}
